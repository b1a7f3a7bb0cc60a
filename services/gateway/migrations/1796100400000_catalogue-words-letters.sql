-- Up Migration
-- Typo correction only ever corrects words with letters ("anio" → "anillo"): numbers in names and
-- SKUs ("1234", "925") are dropped from the words, which in a large catalogue were most of them and
-- made every correction scan the table. And the words are collected only when a product's search
-- text changed, not on every update (stock changes with every order).
CREATE OR REPLACE FUNCTION catalogue_words_collect() RETURNS trigger
  LANGUAGE plpgsql SET search_path = gateway, public AS $$
BEGIN
  INSERT INTO catalogue_words (tenant_id, word)
  SELECT DISTINCT changed.tenant_id, word
  FROM changed, regexp_split_to_table(changed.search_text, '[^a-z0-9]+') AS word
  WHERE length(word) >= 3 AND word ~ '[a-z]'
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE FUNCTION catalogue_words_collect_changed() RETURNS trigger
  LANGUAGE plpgsql SET search_path = gateway, public AS $$
BEGIN
  INSERT INTO catalogue_words (tenant_id, word)
  SELECT DISTINCT changed.tenant_id, word
  FROM changed JOIN previous ON previous.id = changed.id AND previous.search_text IS DISTINCT FROM changed.search_text,
    regexp_split_to_table(changed.search_text, '[^a-z0-9]+') AS word
  WHERE length(word) >= 3 AND word ~ '[a-z]'
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

DROP TRIGGER catalogue_words_on_update ON products;
CREATE TRIGGER catalogue_words_on_update AFTER UPDATE ON products
  REFERENCING OLD TABLE AS previous NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION catalogue_words_collect_changed();

DELETE FROM catalogue_words WHERE word !~ '[a-z]';

-- Down Migration
DROP TRIGGER catalogue_words_on_update ON products;
CREATE TRIGGER catalogue_words_on_update AFTER UPDATE ON products
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION catalogue_words_collect();
DROP FUNCTION catalogue_words_collect_changed();
CREATE OR REPLACE FUNCTION catalogue_words_collect() RETURNS trigger
  LANGUAGE plpgsql SET search_path = gateway, public AS $$
BEGIN
  INSERT INTO catalogue_words (tenant_id, word)
  SELECT DISTINCT changed.tenant_id, word
  FROM changed, regexp_split_to_table(changed.search_text, '[^a-z0-9]+') AS word
  WHERE length(word) >= 3
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
