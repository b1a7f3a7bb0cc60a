-- Up Migration
-- The catalogue's search and integrity on top of the core tables: accent- and case-insensitive
-- full-text search (Spanish stemming plus a 'simple' config for brand names and codes), a per-tenant
-- lexicon of the catalogue's words with trigram indexes so a shopper's typo ("anio") is corrected
-- to a word the shop uses ("anillo"), one SKU registry so a SKU is unique across a tenant's
-- products AND variants (held by a primary key, whatever the code does), and the stock
-- adjustments log (who changed stock, by how much, why).
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- unaccent() is STABLE (it reads a dictionary by name); this wrapper names the dictionary and is
-- declared IMMUTABLE so it may feed indexes and stored columns.
CREATE FUNCTION catalogue_fold(value text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  SET search_path = gateway, public
  AS $$ SELECT lower(unaccent('unaccent'::regdictionary, value)) $$;

ALTER TABLE products
  ADD COLUMN search_text text NOT NULL DEFAULT '',
  ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''::tsvector;

CREATE FUNCTION products_search_refresh() RETURNS trigger
  LANGUAGE plpgsql SET search_path = gateway, public AS $$
DECLARE
  title text := catalogue_fold(NEW.name);
  tags text := catalogue_fold(array_to_string(NEW.keywords, ' '));
  kind text := catalogue_fold(NEW.category || ' ' || NEW.material);
  body text := catalogue_fold(NEW.description);
BEGIN
  NEW.search_text := title || ' ' || tags || ' ' || kind;
  NEW.search_vector :=
    setweight(to_tsvector('spanish', title), 'A') || setweight(to_tsvector('simple', title), 'A') ||
    setweight(to_tsvector('spanish', tags), 'A') || setweight(to_tsvector('simple', tags), 'A') ||
    setweight(to_tsvector('spanish', kind), 'B') || setweight(to_tsvector('simple', kind), 'B') ||
    setweight(to_tsvector('spanish', body), 'C');
  RETURN NEW;
END $$;

CREATE TRIGGER products_search_refresh BEFORE INSERT OR UPDATE OF name, description, category, material, keywords ON products
  FOR EACH ROW EXECUTE FUNCTION products_search_refresh();

CREATE INDEX products_search_vector_idx ON products USING gin (search_vector);
CREATE INDEX products_search_text_trgm_idx ON products USING gin (search_text gin_trgm_ops);
CREATE INDEX products_tenant_active_price_idx ON products (tenant_id, active, price_minor, id);
CREATE INDEX products_tenant_name_idx ON products (tenant_id, name, id);
CREATE INDEX products_tenant_updated_idx ON products (tenant_id, updated_at, id);

-- The words of a tenant's catalogue (folded, 3+ letters), for typo correction. Words are only
-- added: a word no product uses any more corrects to nothing that matches, which is harmless.
CREATE TABLE catalogue_words (
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  word text NOT NULL,
  PRIMARY KEY (tenant_id, word)
);
CREATE INDEX catalogue_words_trgm_idx ON catalogue_words USING gin (word gin_trgm_ops);

-- Statement-level, so a 10,000-row import adds its words in one statement.
CREATE FUNCTION catalogue_words_collect() RETURNS trigger
  LANGUAGE plpgsql SET search_path = gateway, public AS $$
BEGIN
  INSERT INTO catalogue_words (tenant_id, word)
  SELECT DISTINCT changed.tenant_id, word
  FROM changed, regexp_split_to_table(changed.search_text, '[^a-z0-9]+') AS word
  WHERE length(word) >= 3
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER catalogue_words_on_insert AFTER INSERT ON products
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION catalogue_words_collect();
CREATE TRIGGER catalogue_words_on_update AFTER UPDATE ON products
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION catalogue_words_collect();

-- One SKU per tenant across products and variants, case-insensitively: every product and variant
-- owns one row here (kept by triggers), and the primary key refuses a second owner.
CREATE TABLE catalogue_skus (
  tenant_id uuid NOT NULL,
  sku_key text NOT NULL,
  product_id uuid NOT NULL,
  -- NULL: the product's own SKU.
  variant_id uuid,
  PRIMARY KEY (tenant_id, sku_key),
  FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, variant_id) REFERENCES product_variants (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX catalogue_skus_owner_idx ON catalogue_skus (product_id, variant_id) NULLS NOT DISTINCT;

CREATE FUNCTION catalogue_skus_sync_product() RETURNS trigger
  LANGUAGE plpgsql SET search_path = gateway, public AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO catalogue_skus (tenant_id, sku_key, product_id, variant_id) VALUES (NEW.tenant_id, upper(NEW.sku), NEW.id, NULL);
  ELSIF upper(NEW.sku) <> upper(OLD.sku) THEN
    UPDATE catalogue_skus SET sku_key = upper(NEW.sku) WHERE tenant_id = NEW.tenant_id AND product_id = NEW.id AND variant_id IS NULL;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION catalogue_skus_sync_variant() RETURNS trigger
  LANGUAGE plpgsql SET search_path = gateway, public AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO catalogue_skus (tenant_id, sku_key, product_id, variant_id) VALUES (NEW.tenant_id, upper(NEW.sku), NEW.product_id, NEW.id);
  ELSIF upper(NEW.sku) <> upper(OLD.sku) THEN
    UPDATE catalogue_skus SET sku_key = upper(NEW.sku) WHERE tenant_id = NEW.tenant_id AND variant_id = NEW.id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER catalogue_skus_products AFTER INSERT OR UPDATE OF sku ON products
  FOR EACH ROW EXECUTE FUNCTION catalogue_skus_sync_product();
CREATE TRIGGER catalogue_skus_variants AFTER INSERT OR UPDATE OF sku ON product_variants
  FOR EACH ROW EXECUTE FUNCTION catalogue_skus_sync_variant();

CREATE TABLE stock_adjustments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id uuid NOT NULL,
  product_id uuid NOT NULL,
  variant_id uuid,
  delta integer NOT NULL CHECK (delta <> 0),
  stock_after integer NOT NULL CHECK (stock_after >= 0),
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 200),
  -- The dashboard user who adjusted it (NULL: an import or a service).
  user_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, product_id) REFERENCES products (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX stock_adjustments_product_idx ON stock_adjustments (tenant_id, product_id, created_at);

-- Down Migration
DROP TABLE stock_adjustments;
DROP TRIGGER catalogue_skus_variants ON product_variants;
DROP TRIGGER catalogue_skus_products ON products;
DROP FUNCTION catalogue_skus_sync_variant();
DROP FUNCTION catalogue_skus_sync_product();
DROP TABLE catalogue_skus;
DROP TRIGGER catalogue_words_on_update ON products;
DROP TRIGGER catalogue_words_on_insert ON products;
DROP FUNCTION catalogue_words_collect();
DROP TABLE catalogue_words;
DROP INDEX products_tenant_updated_idx;
DROP INDEX products_tenant_name_idx;
DROP INDEX products_tenant_active_price_idx;
DROP INDEX products_search_text_trgm_idx;
DROP INDEX products_search_vector_idx;
DROP TRIGGER products_search_refresh ON products;
DROP FUNCTION products_search_refresh();
ALTER TABLE products DROP COLUMN search_vector, DROP COLUMN search_text;
DROP FUNCTION catalogue_fold(text);
