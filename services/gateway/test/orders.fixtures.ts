// Catalogue rows for the orders tests, written straight to the test database (the catalogue's own
// API is tested elsewhere): products and variants with the stock a test needs.
import type pg from "pg";

export interface SeedProduct {
  sku: string;
  name?: string;
  priceMinor: number;
  stock: number;
  stockMin?: number;
  currency?: string;
  active?: boolean;
}

export async function seedProduct(pool: pg.Pool, tenantId: string, product: SeedProduct): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    "INSERT INTO products (tenant_id, sku, name, price_minor, currency, stock, stock_min, active) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    [tenantId, product.sku, product.name ?? product.sku, product.priceMinor, product.currency ?? "MXN", product.stock, product.stockMin ?? 0, product.active ?? true],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error("product not inserted");
  return id;
}

export async function seedVariant(pool: pg.Pool, tenantId: string, productId: string, variant: { sku: string; size?: string; priceMinor?: number | null; stock: number }): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    "INSERT INTO product_variants (tenant_id, product_id, sku, size, price_minor, stock) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    [tenantId, productId, variant.sku, variant.size ?? "", variant.priceMinor ?? null, variant.stock],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error("variant not inserted");
  return id;
}

export async function stockOf(pool: pg.Pool, table: "products" | "product_variants", id: string): Promise<number> {
  const { rows } = await pool.query<{ stock: number }>(`SELECT stock FROM ${table} WHERE id = $1`, [id]);
  const stock = rows[0]?.stock;
  if (stock === undefined) throw new Error(`no ${table} row ${id}`);
  return stock;
}

export async function setTaxRate(pool: pg.Pool, tenantId: string, taxRateBps: number): Promise<void> {
  await pool.query("UPDATE tenants SET settings = settings || jsonb_build_object('taxRateBps', $2::integer) WHERE id = $1", [tenantId, taxRateBps]);
}
