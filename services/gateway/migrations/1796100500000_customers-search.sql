-- Up Migration
-- Customer search that ignores case and accents ("maria" finds "María", "PENA" finds "Peña") and
-- uses an index: a stored, folded copy of what the dashboard searches (name, phone, WhatsApp id),
-- with a trigram index that serves LIKE '%…%' at any position. catalogue_fold() (lower + unaccent,
-- IMMUTABLE) comes from the catalogue's search migration. Parts are joined by a newline so a
-- search never matches across the end of the name and the start of the phone.
ALTER TABLE customers
  ADD COLUMN search_text text GENERATED ALWAYS AS (
    catalogue_fold(name) || E'\n' || coalesce(phone, '') || E'\n' || coalesce(catalogue_fold(whatsapp_id), '')
  ) STORED;

CREATE INDEX customers_search_text_trgm_idx ON customers USING gin (search_text gin_trgm_ops);

-- Down Migration
DROP INDEX customers_search_text_trgm_idx;
ALTER TABLE customers DROP COLUMN search_text;
