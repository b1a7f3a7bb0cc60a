// The catalogue's records as the API answers them and the cache stores them (parsed back with
// these schemas, never cast), and the rules of a new product, shared by the REST create and the
// CSV import.
import { z } from "zod";

export const Sku = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/, "must be 1-64 letters, digits, . _ / -");
export const Minor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const Count = z.number().int().min(0).max(2_147_483_647);
export const Text = (max: number) => z.string().trim().max(max);
export const HttpsUrl = z.url({ protocol: /^https$/, error: "must be an https URL" }).max(2000);
export const Keyword = z.string().trim().min(1).max(60);

/** A new product as the REST create and the CSV import accept it. */
export const NewProductBody = z
  .object({
    sku: Sku,
    name: Text(200).min(1),
    description: Text(4000).default(""),
    category: Text(80).default(""),
    material: Text(80).default(""),
    priceMinor: Minor,
    costMinor: Minor.nullable().default(null),
    stock: Count.default(0),
    stockMin: Count.default(0),
    stockMax: Count.nullable().default(null),
    imageUrls: z.array(HttpsUrl).max(10).default([]),
    keywords: z.array(Keyword).max(30).default([]),
    active: z.boolean().default(true),
  })
  .strip()
  .refine((p) => p.stockMax === null || p.stockMax >= p.stockMin, { message: "stockMax must be at least stockMin", path: ["stockMax"] });

/** A new variant (REST create and CSV import): size and colour, its own SKU and stock, its own price or null for the product's. */
export const NewVariantBody = z
  .object({
    sku: Sku,
    size: Text(40).default(""),
    colour: Text(40).default(""),
    priceMinor: Minor.nullable().default(null),
    stock: Count.default(0),
    stockMin: Count.default(0),
    active: z.boolean().default(true),
  })
  .strip();

export const VariantSchema = z
  .object({
    id: z.uuid(),
    sku: z.string(),
    size: z.string(),
    colour: z.string(),
    priceMinor: z.number().int().nullable().meta({ description: "Null: the product's price" }),
    stock: z.number().int(),
    stockMin: z.number().int(),
    active: z.boolean(),
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: "ProductVariant" });

export const ProductSchema = z
  .object({
    id: z.uuid(),
    sku: z.string(),
    name: z.string(),
    description: z.string(),
    category: z.string(),
    material: z.string(),
    priceMinor: z.number().int().meta({ description: "Price in the currency's minor unit (cents)" }),
    costMinor: z.number().int().nullable(),
    currency: z.string().meta({ description: "ISO 4217" }),
    stock: z.number().int(),
    stockMin: z.number().int(),
    stockMax: z.number().int().nullable(),
    imageUrls: z.array(z.string()),
    keywords: z.array(z.string()),
    active: z.boolean(),
    variants: z.array(VariantSchema),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: "Product" });

export const ProductPageSchema = z.object({ items: z.array(ProductSchema), nextCursor: z.string().nullable() });

export const SearchResultSchema = z
  .object({
    products: z.array(ProductSchema),
    understood: z.object({
      text: z.string().meta({ description: "The words searched" }),
      minPriceMinor: z.number().int().nullable(),
      maxPriceMinor: z.number().int().nullable(),
      order: z.enum(["relevance", "price_asc", "price_desc"]),
    }),
  })
  .meta({ id: "ProductSearchResult" });

export type SearchResult = z.infer<typeof SearchResultSchema>;
