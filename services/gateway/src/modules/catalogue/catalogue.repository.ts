// One tenant's catalogue in Postgres: products, their variants, stock adjustments and the shopper
// search. Built for one tenant (`forTenant`), so every query is bound to it: another tenant's id
// finds nothing. SKU conflicts (products and variants share one registry) come back as 409 SKU_TAKEN.
import type pg from "pg";
import { AppError, inTransaction } from "@fleet/service-kit";
import type { ShopperQuery } from "./shopper-query.js";

export interface VariantRecord {
  id: string;
  sku: string;
  size: string;
  colour: string;
  /** Null: the product's price. */
  priceMinor: number | null;
  stock: number;
  stockMin: number;
  active: boolean;
  updatedAt: string;
}

export interface ProductRecord {
  id: string;
  sku: string;
  name: string;
  description: string;
  category: string;
  material: string;
  priceMinor: number;
  costMinor: number | null;
  currency: string;
  stock: number;
  stockMin: number;
  stockMax: number | null;
  imageUrls: string[];
  keywords: string[];
  active: boolean;
  variants: VariantRecord[];
  createdAt: string;
  updatedAt: string;
}

export interface ProductFields {
  sku: string;
  name: string;
  description: string;
  category: string;
  material: string;
  priceMinor: number;
  costMinor: number | null;
  stock: number;
  stockMin: number;
  stockMax: number | null;
  imageUrls: string[];
  keywords: string[];
  active: boolean;
}

export type ProductChanges = Partial<Omit<ProductFields, "stock">>;

export interface VariantFields {
  sku: string;
  size: string;
  colour: string;
  priceMinor: number | null;
  stock: number;
  stockMin: number;
  active: boolean;
}

export type VariantChanges = Partial<Omit<VariantFields, "stock">>;

/** Who holds a SKU: a product or one of its variants. */
export interface SkuOwner {
  /** The SKU as stored. */
  sku: string;
  variant: boolean;
  /** The product's own SKU (the same as `sku` for a product). */
  productSku: string;
}

export type ProductSort = "name" | "price" | "updatedAt" | "stock";

export interface ListFilters {
  q?: string;
  category?: string;
  material?: string;
  active?: boolean;
  minPriceMinor?: number;
  maxPriceMinor?: number;
  lowStock?: boolean;
}

export interface ListRequest {
  filters: ListFilters;
  sort: ProductSort;
  descending: boolean;
  limit: number;
  /** The last row of the previous page: its sort value and id. */
  after: [string | number, string] | null;
}

export interface SearchRequest {
  query: ShopperQuery;
  category?: string;
  material?: string;
  limit: number;
}

/** A stock level after a change, for the stock.low rule. */
export interface StockLevel {
  productId: string;
  variantId: string | null;
  sku: string;
  stock: number;
  stockMin: number;
}

interface ProductRow {
  id: string;
  sku: string;
  name: string;
  description: string;
  category: string;
  material: string;
  price_minor: string;
  cost_minor: string | null;
  currency: string;
  stock: number;
  stock_min: number;
  stock_max: number | null;
  image_urls: string[];
  keywords: string[];
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

interface VariantRow {
  id: string;
  product_id: string;
  sku: string;
  size: string;
  colour: string;
  price_minor: string | null;
  stock: number;
  stock_min: number;
  active: boolean;
  updated_at: Date;
}

const PRODUCT_COLUMNS = "p.id, p.sku, p.name, p.description, p.category, p.material, p.price_minor, p.cost_minor, p.currency, p.stock, p.stock_min, p.stock_max, p.image_urls, p.keywords, p.active, p.created_at, p.updated_at";
const VARIANT_COLUMNS = "id, product_id, sku, size, colour, price_minor, stock, stock_min, active, updated_at";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SORT_COLUMNS: Record<ProductSort, string> = { name: "p.name", price: "p.price_minor", updatedAt: "p.updated_at", stock: "p.stock" };

function toVariant(row: VariantRow): VariantRecord {
  return {
    id: row.id,
    sku: row.sku,
    size: row.size,
    colour: row.colour,
    priceMinor: row.price_minor === null ? null : Number(row.price_minor),
    stock: row.stock,
    stockMin: row.stock_min,
    active: row.active,
    updatedAt: row.updated_at.toISOString(),
  };
}

function toProduct(row: ProductRow, variants: VariantRecord[]): ProductRecord {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    category: row.category,
    material: row.material,
    priceMinor: Number(row.price_minor),
    costMinor: row.cost_minor === null ? null : Number(row.cost_minor),
    currency: row.currency,
    stock: row.stock,
    stockMin: row.stock_min,
    stockMax: row.stock_max,
    imageUrls: row.image_urls,
    keywords: row.keywords,
    active: row.active,
    variants,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const skuTaken = (sku: string) => new AppError("conflict", "SKU_TAKEN", `SKU ${sku} is already used by a product or variant of this shop`, { details: { sku } });

/** Postgres errors of a write → the API's answers (SKU conflicts, stock that would go negative, min above max). */
function mapWriteError(error: unknown, sku: string): never {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const constraint = typeof error === "object" && error !== null && "constraint" in error ? String(error.constraint) : "";
  if (code === "23505") throw skuTaken(sku);
  if (code === "23514" && constraint.includes("stock_max")) throw new AppError("invalid_argument", "STOCK_RANGE_INVALID", "stockMax must be at least stockMin");
  if (code === "23514" && constraint.includes("stock")) throw new AppError("conflict", "INSUFFICIENT_STOCK", "Stock cannot go below zero");
  throw error;
}

type Db = pg.Pool | pg.PoolClient;

/** tsquery text for one group of equivalent words ("anio | anillo"); words are [a-z0-9]+ only, so safe in the syntax. */
const groupQuery = (group: readonly string[], prefix: boolean) => group.map((word) => (prefix && word.length >= 3 ? `${word}:*` : word)).join(" | ");

function tenantCatalogue(db: Db, tenantId: string) {
  async function variantsOf(productIds: string[], activeOnly: boolean): Promise<Map<string, VariantRecord[]>> {
    const byProduct = new Map<string, VariantRecord[]>();
    if (productIds.length === 0) return byProduct;
    const { rows } = await db.query<VariantRow>(
      `SELECT ${VARIANT_COLUMNS} FROM product_variants WHERE tenant_id = $1 AND product_id = ANY($2::uuid[]) ${activeOnly ? "AND active" : ""} ORDER BY created_at, id`,
      [tenantId, productIds],
    );
    for (const row of rows) byProduct.set(row.product_id, [...(byProduct.get(row.product_id) ?? []), toVariant(row)]);
    return byProduct;
  }

  async function withVariants(rows: ProductRow[], activeOnly = false): Promise<ProductRecord[]> {
    const variants = await variantsOf(
      rows.map((row) => row.id),
      activeOnly,
    );
    return rows.map((row) => toProduct(row, variants.get(row.id) ?? []));
  }

  /**
   * Each searched word plus the catalogue's words it is probably a typo of ("anio" → "anillo"). A
   * word the catalogue has as typed, or without letters, is not corrected.
   */
  async function corrected(terms: string[][]): Promise<string[][]> {
    const typed = terms.map((group) => group[0] ?? "").filter((word) => word.length >= 3 && /[a-z]/.test(word));
    if (typed.length === 0) return terms;
    const { rows } = await db.query<{ term: string; word: string }>(
      `SELECT t.term, w.word FROM unnest($2::text[]) AS t(term)
       CROSS JOIN LATERAL (SELECT NOT EXISTS (SELECT 1 FROM catalogue_words k WHERE k.tenant_id = $1 AND k.word = t.term) AS unknown) known
       CROSS JOIN LATERAL (
         SELECT word FROM catalogue_words WHERE known.unknown AND tenant_id = $1 AND word % t.term AND word <> t.term
         ORDER BY similarity(word, t.term) DESC, word LIMIT 3
       ) w`,
      [tenantId, typed],
    );
    return terms.map((group) => [...group, ...rows.filter((row) => row.term === group[0]).map((row) => row.word)]);
  }

  async function searchWith(request: SearchRequest, terms: string[][], joiner: "&&" | "||"): Promise<ProductRow[]> {
    const params: unknown[] = [tenantId, request.query.minPriceMinor, request.query.maxPriceMinor, request.category ?? null, request.material ?? null, request.limit];
    const groups = terms.map((group) => {
      params.push(groupQuery(group, false), groupQuery(group, true));
      return `(to_tsquery('spanish', $${params.length - 1}) || to_tsquery('simple', $${params.length}))`;
    });
    if (groups.length > 0) {
      // Ranked by the migration's catalogue_search (which always reads the search index), then the
      // few products it found read in its order.
      params.push(request.query.order);
      const { rows } = await db.query<ProductRow>(
        `SELECT ${PRODUCT_COLUMNS}
         FROM catalogue_search($1, ${groups.join(` ${joiner} `)}, $2, $3, $4, $5, $${params.length}, $6) WITH ORDINALITY AS found(id, rank, position)
         JOIN products p ON p.tenant_id = $1 AND p.id = found.id
         ORDER BY found.position`,
        params,
      );
      return rows;
    }
    const order = request.query.order === "price_asc" ? "p.price_minor ASC, p.id" : request.query.order === "price_desc" ? "p.price_minor DESC, p.id" : "p.name, p.id";
    const { rows } = await db.query<ProductRow>(
      `SELECT ${PRODUCT_COLUMNS} FROM products p
       WHERE p.tenant_id = $1 AND p.active
         AND ($2::bigint IS NULL OR p.price_minor >= $2)
         AND ($3::bigint IS NULL OR p.price_minor <= $3)
         AND ($4::text IS NULL OR lower(p.category) = lower($4))
         AND ($5::text IS NULL OR lower(p.material) = lower($5))
       ORDER BY ${order}
       LIMIT $6`,
      params,
    );
    return rows;
  }

  return {
    async list({ filters, sort, descending, limit, after }: ListRequest): Promise<ProductRecord[]> {
      const column = SORT_COLUMNS[sort];
      const params: unknown[] = [tenantId];
      const where = ["p.tenant_id = $1"];
      const add = (sql: (n: number) => string, value: unknown) => {
        params.push(value);
        where.push(sql(params.length));
      };
      if (filters.q !== undefined && filters.q.trim() !== "") add((n) => `(p.search_text LIKE '%' || catalogue_fold($${n}) || '%' OR upper(p.sku) = upper($${n}))`, filters.q.trim().replace(/[%_\\]/g, ""));
      if (filters.category !== undefined) add((n) => `lower(p.category) = lower($${n})`, filters.category);
      if (filters.material !== undefined) add((n) => `lower(p.material) = lower($${n})`, filters.material);
      if (filters.active !== undefined) add((n) => `p.active = $${n}`, filters.active);
      if (filters.minPriceMinor !== undefined) add((n) => `p.price_minor >= $${n}`, filters.minPriceMinor);
      if (filters.maxPriceMinor !== undefined) add((n) => `p.price_minor <= $${n}`, filters.maxPriceMinor);
      if (filters.lowStock === true) where.push("p.stock <= p.stock_min");
      if (filters.lowStock === false) where.push("p.stock > p.stock_min");
      if (after) {
        params.push(after[0], after[1]);
        const cast = sort === "updatedAt" ? "::timestamptz" : sort === "name" ? "::text" : "::bigint";
        where.push(`(${column}, p.id) ${descending ? "<" : ">"} ($${params.length - 1}${cast}, $${params.length}::uuid)`);
      }
      params.push(limit + 1);
      const direction = descending ? "DESC" : "ASC";
      const { rows } = await db.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products p WHERE ${where.join(" AND ")} ORDER BY ${column} ${direction}, p.id ${direction} LIMIT $${params.length}`, params);
      return withVariants(rows);
    },

    async find(productId: string): Promise<ProductRecord | null> {
      if (!UUID.test(productId)) return null;
      const { rows } = await db.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products p WHERE p.tenant_id = $1 AND p.id = $2`, [tenantId, productId]);
      return (await withVariants(rows))[0] ?? null;
    },

    /** The product owning `sku`, its own or one of its variants' (case-insensitive). */
    async findBySku(sku: string): Promise<ProductRecord | null> {
      const { rows } = await db.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM catalogue_skus s JOIN products p ON p.tenant_id = s.tenant_id AND p.id = s.product_id WHERE s.tenant_id = $1 AND s.sku_key = upper($2)`, [tenantId, sku]);
      return (await withVariants(rows))[0] ?? null;
    },

    async create(fields: ProductFields, currency: string): Promise<ProductRecord> {
      try {
        const { rows } = await db.query<ProductRow>(
          `INSERT INTO products AS p (tenant_id, sku, name, description, category, material, price_minor, cost_minor, currency, stock, stock_min, stock_max, image_urls, keywords, active)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING ${PRODUCT_COLUMNS}`,
          [tenantId, fields.sku, fields.name, fields.description, fields.category, fields.material, fields.priceMinor, fields.costMinor, currency, fields.stock, fields.stockMin, fields.stockMax, fields.imageUrls, fields.keywords, fields.active],
        );
        return (await withVariants(rows))[0] ?? mapWriteError(new Error("insert returned no row"), fields.sku);
      } catch (error) {
        return mapWriteError(error, fields.sku);
      }
    },

    async update(productId: string, changes: ProductChanges): Promise<ProductRecord | null> {
      if (!UUID.test(productId)) return null;
      const columns: Record<keyof ProductChanges, string> = {
        sku: "sku",
        name: "name",
        description: "description",
        category: "category",
        material: "material",
        priceMinor: "price_minor",
        costMinor: "cost_minor",
        stockMin: "stock_min",
        stockMax: "stock_max",
        imageUrls: "image_urls",
        keywords: "keywords",
        active: "active",
      };
      const params: unknown[] = [tenantId, productId];
      const sets = ["updated_at = now()"];
      for (const [key, column] of Object.entries(columns)) {
        const value: unknown = changes[key as keyof ProductChanges];
        if (value === undefined) continue;
        params.push(value);
        sets.push(`${column} = $${params.length}`);
      }
      try {
        const { rows } = await db.query<ProductRow>(`UPDATE products AS p SET ${sets.join(", ")} WHERE p.tenant_id = $1 AND p.id = $2 RETURNING ${PRODUCT_COLUMNS}`, params);
        return (await withVariants(rows))[0] ?? null;
      } catch (error) {
        return mapWriteError(error, changes.sku ?? "");
      }
    },

    async createVariant(productId: string, fields: VariantFields): Promise<VariantRecord | null> {
      if (!UUID.test(productId)) return null;
      try {
        const { rows } = await db.query<VariantRow>(
          `INSERT INTO product_variants (tenant_id, product_id, sku, size, colour, price_minor, stock, stock_min, active)
           SELECT $1, id, $3, $4, $5, $6, $7, $8, $9 FROM products WHERE tenant_id = $1 AND id = $2 RETURNING ${VARIANT_COLUMNS}`,
          [tenantId, productId, fields.sku, fields.size, fields.colour, fields.priceMinor, fields.stock, fields.stockMin, fields.active],
        );
        return rows[0] ? toVariant(rows[0]) : null;
      } catch (error) {
        return mapWriteError(error, fields.sku);
      }
    },

    async updateVariant(productId: string, variantId: string, changes: VariantChanges): Promise<VariantRecord | null> {
      if (!UUID.test(productId) || !UUID.test(variantId)) return null;
      const columns: Record<keyof VariantChanges, string> = { sku: "sku", size: "size", colour: "colour", priceMinor: "price_minor", stockMin: "stock_min", active: "active" };
      const params: unknown[] = [tenantId, productId, variantId];
      const sets = ["updated_at = now()"];
      for (const [key, column] of Object.entries(columns)) {
        const value: unknown = changes[key as keyof VariantChanges];
        if (value === undefined) continue;
        params.push(value);
        sets.push(`${column} = $${params.length}`);
      }
      try {
        const { rows } = await db.query<VariantRow>(`UPDATE product_variants SET ${sets.join(", ")} WHERE tenant_id = $1 AND product_id = $2 AND id = $3 RETURNING ${VARIANT_COLUMNS}`, params);
        return rows[0] ? toVariant(rows[0]) : null;
      } catch (error) {
        return mapWriteError(error, changes.sku ?? "");
      }
    },

    /** Adds `delta` to the product's (or variant's) stock and logs why; null when it does not exist. */
    async adjustStock(productId: string, variantId: string | null, delta: number, reason: string, userId: string | null): Promise<StockLevel | null> {
      if (!UUID.test(productId) || (variantId !== null && !UUID.test(variantId))) return null;
      try {
        const { rows } =
          variantId === null
            ? await db.query<{ sku: string; stock: number; stock_min: number }>(
                "UPDATE products SET stock = stock + $3, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING sku, stock, stock_min",
                [tenantId, productId, delta],
              )
            : await db.query<{ sku: string; stock: number; stock_min: number }>(
                "UPDATE product_variants SET stock = stock + $4, updated_at = now() WHERE tenant_id = $1 AND product_id = $2 AND id = $3 RETURNING sku, stock, stock_min",
                [tenantId, productId, variantId, delta],
              );
        const row = rows[0];
        if (!row) return null;
        await db.query("INSERT INTO stock_adjustments (tenant_id, product_id, variant_id, delta, stock_after, reason, user_id) VALUES ($1, $2, $3, $4, $5, $6, $7)", [tenantId, productId, variantId, delta, row.stock, reason, userId]);
        return { productId, variantId, sku: row.sku, stock: row.stock, stockMin: row.stock_min };
      } catch (error) {
        return mapWriteError(error, "");
      }
    },

    /** Active products for a shopper's words: every word must match (or, failing that, any word), typos corrected. */
    async search(request: SearchRequest): Promise<ProductRecord[]> {
      // The typo corrections first (a lookup in the tenant's word list, under a millisecond), then
      // one search with them. Searching as typed alongside, to save that millisecond when nothing
      // needs correcting, cost a whole second search (the expensive part: ranking every match)
      // whenever something did, and under load the database's time is what runs out first.
      const terms = await corrected(request.query.terms);
      let rows = await searchWith(request, terms, "&&");
      if (rows.length === 0 && terms.length > 1) rows = await searchWith(request, terms, "||");
      return withVariants(rows, true);
    },

    /** Every product, in SKU order (the CSV export). */
    async all(): Promise<ProductRecord[]> {
      const { rows } = await db.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products p WHERE p.tenant_id = $1 ORDER BY p.sku`, [tenantId]);
      return rows.map((row) => toProduct(row, []));
    },

    /**
     * Who owns each of `skus` (case-insensitive), keyed by the upper-cased SKU: a product or a
     * variant (its SKU as stored), and the SKU of the product it is or belongs to.
     */
    async skuOwners(skus: readonly string[]): Promise<Map<string, SkuOwner>> {
      const { rows } = await db.query<{ sku_key: string; sku: string; variant: boolean; product_sku: string }>(
        `SELECT s.sku_key, coalesce(v.sku, p.sku) AS sku, s.variant_id IS NOT NULL AS variant, p.sku AS product_sku
         FROM catalogue_skus s
         JOIN products p ON p.tenant_id = s.tenant_id AND p.id = s.product_id
         LEFT JOIN product_variants v ON v.tenant_id = s.tenant_id AND v.id = s.variant_id
         WHERE s.tenant_id = $1 AND s.sku_key = ANY($2::text[])`,
        [tenantId, skus.map((sku) => sku.toUpperCase())],
      );
      return new Map(rows.map((row) => [row.sku_key, { sku: row.sku, variant: row.variant, productSku: row.product_sku }]));
    },

    /** Every variant of the shop by product id, each product's in SKU order (the CSV export). */
    async allVariants(): Promise<Map<string, VariantRecord[]>> {
      const { rows } = await db.query<VariantRow>(`SELECT ${VARIANT_COLUMNS} FROM product_variants WHERE tenant_id = $1 ORDER BY sku`, [tenantId]);
      const byProduct = new Map<string, VariantRecord[]>();
      for (const row of rows) {
        const variants = byProduct.get(row.product_id);
        if (variants) variants.push(toVariant(row));
        else byProduct.set(row.product_id, [toVariant(row)]);
      }
      return byProduct;
    },

    /**
     * Inserts or updates (by SKU) every variant in a few statements, each under the product whose
     * own SKU is `productSku` (case-insensitive). Throws SKU_TAKEN when a SKU belongs to a product
     * or to another product's variant, or when a product is missing: the caller checked both, so
     * either means the catalogue changed meanwhile, and the transaction must not commit half.
     */
    async upsertVariants(variants: readonly { productSku: string; fields: VariantFields }[]): Promise<{ created: number; updated: number }> {
      let created = 0;
      let updated = 0;
      const CHUNK = 1000;
      for (let start = 0; start < variants.length; start += CHUNK) {
        const chunk = variants.slice(start, start + CHUNK);
        const column = <K extends keyof VariantFields>(key: K) => chunk.map((variant) => variant.fields[key]);
        let rows: { inserted: boolean }[];
        try {
          // Variants list by created_at, which is the transaction's time for all of them: a microsecond
          // per row keeps the file's order. The WHERE on the update leaves another product's variant
          // untouched (and unreturned), which the count below catches.
          ({ rows } = await db.query<{ inserted: boolean }>(
            `INSERT INTO product_variants (tenant_id, product_id, sku, size, colour, price_minor, stock, stock_min, active, created_at)
             SELECT $1, s.product_id, r.sku, r.size, r.colour, r.price_minor, r.stock, r.stock_min, r.active, now() + ($10::int + r.n) * interval '1 microsecond'
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::int[], $9::boolean[]) WITH ORDINALITY
               AS r(product_sku, sku, size, colour, price_minor, stock, stock_min, active, n),
               catalogue_skus s
             WHERE s.tenant_id = $1 AND s.sku_key = upper(r.product_sku) AND s.variant_id IS NULL
             ON CONFLICT (tenant_id, sku) DO UPDATE SET
               size = EXCLUDED.size, colour = EXCLUDED.colour, price_minor = EXCLUDED.price_minor, stock = EXCLUDED.stock,
               stock_min = EXCLUDED.stock_min, active = EXCLUDED.active, updated_at = now()
             WHERE product_variants.product_id = EXCLUDED.product_id
             RETURNING (xmax = 0) AS inserted`,
            [tenantId, chunk.map((variant) => variant.productSku), column("sku"), column("size"), column("colour"), column("priceMinor"), column("stock"), column("stockMin"), column("active"), start],
          ));
        } catch (error) {
          return mapWriteError(error, "");
        }
        if (rows.length !== chunk.length) throw new AppError("conflict", "SKU_TAKEN", "A variant's product is missing or its SKU belongs to another product; nothing was imported");
        for (const row of rows) {
          if (row.inserted) created++;
          else updated++;
        }
      }
      return { created, updated };
    },

    /** Inserts or updates (by SKU) every product in a few statements; throws SKU_TAKEN when a SKU belongs to a variant. */
    async upsertMany(products: readonly ProductFields[], currency: string): Promise<{ created: number; updated: number }> {
      let created = 0;
      let updated = 0;
      const CHUNK = 1000;
      for (let start = 0; start < products.length; start += CHUNK) {
        const chunk = products.slice(start, start + CHUNK);
        const column = <K extends keyof ProductFields>(key: K) => chunk.map((product) => product[key]);
        try {
          const { rows } = await db.query<{ inserted: boolean }>(
            `INSERT INTO products (tenant_id, sku, name, description, category, material, price_minor, cost_minor, currency, stock, stock_min, stock_max, image_urls, keywords, active)
             SELECT $1, r.sku, r.name, r.description, r.category, r.material, r.price_minor, r.cost_minor, $2, r.stock, r.stock_min, r.stock_max,
                    ARRAY(SELECT jsonb_array_elements_text(r.image_urls)), ARRAY(SELECT jsonb_array_elements_text(r.keywords)), r.active
             FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[], $10::int[], $11::int[], $12::int[], $13::jsonb[], $14::jsonb[], $15::boolean[])
               AS r(sku, name, description, category, material, price_minor, cost_minor, stock, stock_min, stock_max, image_urls, keywords, active)
             ON CONFLICT (tenant_id, sku) DO UPDATE SET
               name = EXCLUDED.name, description = EXCLUDED.description, category = EXCLUDED.category, material = EXCLUDED.material,
               price_minor = EXCLUDED.price_minor, cost_minor = EXCLUDED.cost_minor, stock = EXCLUDED.stock, stock_min = EXCLUDED.stock_min,
               stock_max = EXCLUDED.stock_max, image_urls = EXCLUDED.image_urls, keywords = EXCLUDED.keywords, active = EXCLUDED.active, updated_at = now()
             RETURNING (xmax = 0) AS inserted`,
            [
              tenantId,
              currency,
              column("sku"),
              column("name"),
              column("description"),
              column("category"),
              column("material"),
              column("priceMinor"),
              column("costMinor"),
              column("stock"),
              column("stockMin"),
              column("stockMax"),
              chunk.map((product) => JSON.stringify(product.imageUrls)),
              chunk.map((product) => JSON.stringify(product.keywords)),
              column("active"),
            ],
          );
          for (const row of rows) {
            if (row.inserted) created++;
            else updated++;
          }
        } catch (error) {
          return mapWriteError(error, "");
        }
      }
      return { created, updated };
    },

    /** The shop's currency (tenants.settings.currency), "MXN" when unset. */
    async currency(): Promise<string> {
      const { rows } = await db.query<{ currency: string | null }>("SELECT settings->>'currency' AS currency FROM tenants WHERE id = $1", [tenantId]);
      const currency = rows[0]?.currency ?? null;
      return currency !== null && /^[A-Z]{3}$/.test(currency) ? currency : "MXN";
    },
  };
}

export type TenantCatalogue = ReturnType<typeof tenantCatalogue>;

export function createCatalogueRepository(pool: pg.Pool) {
  return {
    forTenant: (tenantId: string): TenantCatalogue => tenantCatalogue(pool, tenantId),
    /** Runs `work` on one tenant's catalogue in a transaction (committed when it resolves). */
    transaction: <T>(tenantId: string, work: (catalogue: TenantCatalogue) => Promise<T>): Promise<T> => inTransaction(pool, (client) => work(tenantCatalogue(client, tenantId))),
    /**
     * Refreshes the planner's statistics of the catalogue tables. Autovacuum does it within a minute
     * or so of a bulk write; until then Postgres plans searches for the table as it was (after an
     * import of 10,000 products into an empty shop: scanning every product of the tenant instead of
     * the search index). Samples a bounded number of rows, however large the tables.
     */
    async refreshStatistics(): Promise<void> {
      await pool.query("ANALYZE products, product_variants, catalogue_words");
    },
  };
}

export type CatalogueRepository = ReturnType<typeof createCatalogueRepository>;
