-- Up Migration
-- Two things made the shopper search read far more than it needed to.
--
-- 1. GIN indexes collect new entries in a "pending list" that every search reads linearly, until a
--    vacuum merges it into the index. After a catalogue import (10,000 products) that list held
--    every new product, and the search spent about 6 of its 10 ms reading it. The search's index
--    now takes new entries straight into the tree: a catalogue is read far more often than written.
--    (The trigram indexes stay as they are: the dashboard's list filter and the typo corrections,
--    where a pending list costs less than slower imports.)
ALTER INDEX products_tenant_search_idx SET (fastupdate = off);
SELECT gin_clean_pending_list('products_tenant_search_idx'::regclass);

-- 2. Postgres estimates a tenant's matches as if words and tenants were independent: with one
--    large shop beside another selling the same kind of thing ("anillo de oro" in both), it expects
--    thousands of matches where the shop has hundreds, and reads every product of the table instead
--    of the index (15,000 products: 11 ms instead of 4). A search of one shop always goes through
--    the index, so the ranked search runs in a function that does not consider a sequential scan.
--    Returns the matching ids in the order asked for: relevance (rank, then the cheaper, then id),
--    or price either way with relevance next; at most a page of them (ROWS tells the planner so,
--    and it then reads those products by id rather than hashing the whole table).
CREATE FUNCTION catalogue_search(tenant uuid, query tsquery, min_price bigint, max_price bigint, wanted_category text, wanted_material text, sort text, wanted integer)
  RETURNS TABLE (id uuid, rank real)
  LANGUAGE plpgsql STABLE ROWS 20
  SET search_path = gateway, public
  SET enable_seqscan = off AS $$
BEGIN
  -- Run as dynamic SQL: planned for each search's own words ("aretes baratos" is best answered by
  -- walking the price index until ten earrings are found, a rare word by the search index then a
  -- sort), and with the order's own columns, so the price orders can use that index (an ORDER BY
  -- choosing its column by a CASE could not). The order is one of three fixed texts.
  RETURN QUERY EXECUTE format(
    'SELECT p.id, ts_rank(p.search_vector, $2) FROM products p
     WHERE p.tenant_id = $1 AND p.active AND p.search_vector @@ $2
       AND ($3::bigint IS NULL OR p.price_minor >= $3) AND ($4::bigint IS NULL OR p.price_minor <= $4)
       AND ($5::text IS NULL OR lower(p.category) = lower($5)) AND ($6::text IS NULL OR lower(p.material) = lower($6))
     ORDER BY %s LIMIT $7',
    CASE sort WHEN 'price_asc' THEN 'p.price_minor ASC, 2 DESC, p.id' WHEN 'price_desc' THEN 'p.price_minor DESC, 2 DESC, p.id' ELSE '2 DESC, p.price_minor ASC, p.id' END)
  USING tenant, query, min_price, max_price, wanted_category, wanted_material, wanted;
END $$;

-- Down Migration
DROP FUNCTION catalogue_search(uuid, tsquery, bigint, bigint, text, text, text, integer);
ALTER INDEX products_tenant_search_idx RESET (fastupdate);
