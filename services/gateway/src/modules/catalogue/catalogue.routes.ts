// /api/products: the catalogue for the dashboard (products, variants, stock) and the shopper search.
// Static paths (/products/search, /products/export) are declared before /products/:productId so they match first.
import { z } from "zod";
import { PageQuery, pageSchema } from "../../http/pagination.js";
import { userRoute, type Route } from "../../http/routes.js";
import { Count, HttpsUrl, Keyword, Minor, NewProductBody, NewVariantBody, ProductSchema, SearchResultSchema, Sku, Text, VariantSchema } from "./catalogue.schemas.js";
import { CSV_COLUMNS, MAX_IMPORT_ROWS } from "./catalogue-csv.js";
import type { ExportProducts } from "./export-products.use-case.js";
import type { ImportProducts } from "./import-products.use-case.js";
import type { ManageProducts } from "./manage-products.use-case.js";
import type { SearchProducts } from "./search-products.use-case.js";

const ProductChangesBody = z
  .object({
    sku: Sku.optional(),
    name: Text(200).min(1).optional(),
    description: Text(4000).optional(),
    category: Text(80).optional(),
    material: Text(80).optional(),
    priceMinor: Minor.optional(),
    costMinor: Minor.nullable().optional(),
    stockMin: Count.optional(),
    stockMax: Count.nullable().optional(),
    imageUrls: z.array(HttpsUrl).max(10).optional(),
    keywords: z.array(Keyword).max(30).optional(),
    active: z.boolean().optional(),
  })
  .strip()
  .refine((changes) => Object.keys(changes).length > 0, "name at least one field to change (stock changes through /stock)");

const VariantChangesBody = z
  .object({ sku: Sku.optional(), size: Text(40).optional(), colour: Text(40).optional(), priceMinor: Minor.nullable().optional(), stockMin: Count.optional(), active: z.boolean().optional() })
  .strip()
  .refine((changes) => Object.keys(changes).length > 0, "name at least one field to change");

const StockBody = z
  .object({
    delta: z.number().int().min(-1_000_000).max(1_000_000).refine((delta) => delta !== 0, "must not be zero"),
    reason: Text(200).min(1),
    variantId: z.uuid("must be a UUID").optional(),
  })
  .strip();

const Bool = z.enum(["true", "false"]).transform((value) => value === "true");
/** The column of a `sort` value, without its direction. */
const SortColumn = z.enum(["name", "price", "updatedAt", "stock"]);
const QueryMinor = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const ListQuery = PageQuery.extend({
  q: z.string().max(200).optional(),
  category: z.string().max(80).optional(),
  material: z.string().max(80).optional(),
  active: Bool.optional(),
  lowStock: Bool.optional(),
  minPrice: QueryMinor.optional().meta({ description: "Minor units" }),
  maxPrice: QueryMinor.optional().meta({ description: "Minor units" }),
  sort: z.enum(["name", "-name", "price", "-price", "updatedAt", "-updatedAt", "stock", "-stock"]).default("name").meta({ description: "A leading - sorts descending" }),
});

const SearchQuery = z.object({
  q: z.string().max(500).default(""),
  limit: z.coerce.number().int().min(1).max(50).default(10),
  minPrice: QueryMinor.optional(),
  maxPrice: QueryMinor.optional(),
  category: z.string().max(80).optional(),
  material: z.string().max(80).optional(),
});

const ImportQuery = z.object({
  dryRun: Bool.default(false).meta({ description: "true: check the file and report, write nothing" }),
});

const ImportProblemSchema = z.object({
  line: z.number().int().meta({ description: "Line of the file where the row starts (the header is line 1)" }),
  column: z.string().optional(),
  code: z.string().meta({
    description:
      "INVALID_VALUE, INVALID_MONEY, INVALID_NUMBER, DUPLICATE_SKU (a product's or variant's SKU earlier in the file), SKU_TAKEN (held by a variant, by a product for a variant row, or by another product's variant), PARENT_NOT_FOUND (variant_of names no product of the file or the catalogue), COLUMN_NOT_APPLICABLE (a product-only cell on a variant row, size or colour on a product row), CURRENCY_MISMATCH, COLUMN_COUNT, UNKNOWN_COLUMN, DUPLICATE_COLUMN, MISSING_COLUMN, CSV_MALFORMED",
  }),
  message: z.string(),
});

const ImportReportSchema = z
  .object({
    ok: z.boolean(),
    rows: z.number().int().meta({ description: "Data rows in the file, products and variants" }),
    created: z.number().int().meta({ description: "Products and variants created (in a dry run or a refused import: that would be)" }),
    updated: z.number().int().meta({ description: "Products and variants updated by SKU" }),
    errors: z.array(ImportProblemSchema),
  })
  .meta({ id: "ProductImportReport" });

const ProductParams = z.object({ productId: z.uuid("must be a UUID") });
const VariantParams = z.object({ productId: z.uuid("must be a UUID"), variantId: z.uuid("must be a UUID") });

export interface CatalogueRouteDeps {
  products: ManageProducts;
  search: SearchProducts;
  importProducts: ImportProducts;
  exportProducts: ExportProducts;
}

export function catalogueRoutes({ products, search, importProducts, exportProducts }: CatalogueRouteDeps): Route[] {
  const tags = ["products"];
  const notFound = { 404: { description: "PRODUCT_NOT_FOUND" } };
  return [
    userRoute({
      method: "get",
      path: "/products/search",
      operationId: "searchProducts",
      summary: "Shopper search: words (typos, accents, Spanish and English), price phrases and quality words; active products only",
      tags,
      permission: "products:read",
      query: SearchQuery,
      responses: { 200: { description: "Matches, best first, and how the phrase was understood", schema: SearchResultSchema } },
      handle: async ({ actor, query }) => ({
        status: 200,
        body: await search(actor, { query: query.q, limit: query.limit, minPriceMinor: query.minPrice, maxPriceMinor: query.maxPrice, category: query.category, material: query.material }),
      }),
    }),
    userRoute({
      method: "get",
      path: "/products",
      operationId: "listProducts",
      summary: "The catalogue, filtered and sorted, a page at a time",
      tags,
      permission: "products:read",
      query: ListQuery,
      responses: { 200: { description: "A page of products", schema: pageSchema(ProductSchema) } },
      handle: async ({ actor, query }) => {
        const descending = query.sort.startsWith("-");
        const sort = SortColumn.parse(query.sort.replace(/^-/, ""));
        const filters = { q: query.q, category: query.category, material: query.material, active: query.active, lowStock: query.lowStock, minPriceMinor: query.minPrice, maxPriceMinor: query.maxPrice };
        return { status: 200, body: await products.list(actor, { filters, sort, descending, limit: query.limit, cursor: query.cursor }) };
      },
    }),
    userRoute({
      method: "post",
      path: "/products",
      operationId: "createProduct",
      summary: "Add a product, priced in the shop's currency",
      tags,
      permission: "products:write",
      body: NewProductBody,
      responses: { 201: { description: "Created", schema: ProductSchema }, 409: { description: "SKU_TAKEN" } },
      handle: async ({ actor, body }) => ({ status: 201, body: await products.create(actor, body) }),
    }),
    userRoute({
      method: "post",
      path: "/products/import",
      operationId: "importProducts",
      summary: `Create or update products and their variants by SKU from a CSV file (columns ${CSV_COLUMNS.join(",")}; a row with variant_of is a variant of that product SKU; at most ${MAX_IMPORT_ROWS} rows, 8 MB); all rows or none, nothing deleted`,
      tags,
      permission: "products:write",
      query: ImportQuery,
      body: z.string().meta({ description: "The CSV file, UTF-8, header first" }),
      bodyContentType: "text/csv",
      responses: {
        200: { description: "Imported (or, in a dry run, the report of what would be)", schema: ImportReportSchema },
        400: { description: "IMPORT_TOO_LARGE: more rows than an import takes; VALIDATION_FAILED: the body is not a CSV text" },
        422: { description: "IMPORT_INVALID: a row is not valid, nothing was written; details is the report with every problem" },
      },
      handle: async ({ actor, query, body, res }) => {
        const report = await importProducts(actor, body, { dryRun: query.dryRun });
        if (query.dryRun || report.ok) return { status: 200, body: report };
        const message = `${report.errors.length} problem(s) in the file; nothing was imported`;
        return { status: 422, body: { error: { code: "IMPORT_INVALID", message, details: report, requestId: String(res.locals.requestId ?? "") } } };
      },
    }),
    userRoute({
      method: "get",
      path: "/products/export",
      operationId: "exportProducts",
      summary: "The whole catalogue as CSV, in the import's columns: products in SKU order, each followed by its variants' rows (variant_of set), in SKU order",
      tags,
      permission: "products:read",
      responses: { 200: { description: "catalogue.csv", contentType: "text/csv" } },
      handle: async ({ actor }) => ({
        status: 200,
        body: Buffer.from(await exportProducts(actor), "utf8"),
        headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="catalogue.csv"' },
      }),
    }),
    userRoute({
      method: "get",
      path: "/products/:productId",
      operationId: "getProduct",
      summary: "One product with its variants",
      tags,
      permission: "products:read",
      params: ProductParams,
      responses: { 200: { description: "The product", schema: ProductSchema }, ...notFound },
      handle: async ({ actor, params }) => ({ status: 200, body: await products.get(actor, { productId: params.productId }) }),
    }),
    userRoute({
      method: "patch",
      path: "/products/:productId",
      operationId: "updateProduct",
      summary: "Change a product (stock changes through /stock)",
      tags,
      permission: "products:write",
      params: ProductParams,
      body: ProductChangesBody,
      responses: { 200: { description: "The product as changed", schema: ProductSchema }, ...notFound, 409: { description: "SKU_TAKEN" } },
      handle: async ({ actor, params, body }) => ({ status: 200, body: await products.update(actor, params.productId, body) }),
    }),
    userRoute({
      method: "delete",
      path: "/products/:productId",
      operationId: "deleteProduct",
      summary: "Deactivate a product (kept for orders and reports; PATCH active=true brings it back)",
      tags,
      permission: "products:write",
      params: ProductParams,
      responses: { 204: { description: "Deactivated" }, ...notFound },
      handle: async ({ actor, params }) => {
        await products.remove(actor, params.productId);
        return { status: 204 };
      },
    }),
    userRoute({
      method: "get",
      path: "/products/:productId/variants",
      operationId: "listProductVariants",
      summary: "A product's variants",
      tags,
      permission: "products:read",
      params: ProductParams,
      responses: { 200: { description: "Variants", schema: z.object({ variants: z.array(VariantSchema) }) }, ...notFound },
      handle: async ({ actor, params }) => ({ status: 200, body: { variants: await products.listVariants(actor, params.productId) } }),
    }),
    userRoute({
      method: "post",
      path: "/products/:productId/variants",
      operationId: "createProductVariant",
      summary: "Add a variant (size, colour) with its own SKU and stock",
      tags,
      permission: "products:write",
      params: ProductParams,
      body: NewVariantBody,
      responses: { 201: { description: "Created", schema: VariantSchema }, ...notFound, 409: { description: "SKU_TAKEN" } },
      handle: async ({ actor, params, body }) => ({ status: 201, body: await products.createVariant(actor, params.productId, body) }),
    }),
    userRoute({
      method: "patch",
      path: "/products/:productId/variants/:variantId",
      operationId: "updateProductVariant",
      summary: "Change a variant",
      tags,
      permission: "products:write",
      params: VariantParams,
      body: VariantChangesBody,
      responses: { 200: { description: "The variant as changed", schema: VariantSchema }, 404: { description: "VARIANT_NOT_FOUND" }, 409: { description: "SKU_TAKEN" } },
      handle: async ({ actor, params, body }) => ({ status: 200, body: await products.updateVariant(actor, params.productId, params.variantId, body) }),
    }),
    userRoute({
      method: "delete",
      path: "/products/:productId/variants/:variantId",
      operationId: "deleteProductVariant",
      summary: "Deactivate a variant",
      tags,
      permission: "products:write",
      params: VariantParams,
      responses: { 204: { description: "Deactivated" }, 404: { description: "VARIANT_NOT_FOUND" } },
      handle: async ({ actor, params }) => {
        await products.removeVariant(actor, params.productId, params.variantId);
        return { status: 204 };
      },
    }),
    userRoute({
      method: "post",
      path: "/products/:productId/stock",
      operationId: "adjustProductStock",
      summary: "Add or remove units of a product or one of its variants, with a reason; stock.low when it reaches the minimum",
      tags,
      permission: "products:write",
      params: ProductParams,
      body: StockBody,
      responses: {
        200: { description: "The stock after the change", schema: z.object({ stock: z.number().int(), stockMin: z.number().int(), low: z.boolean() }) },
        ...notFound,
        409: { description: "INSUFFICIENT_STOCK: stock would go below zero" },
      },
      handle: async ({ actor, params, body }) => ({ status: 200, body: await products.adjustStock(actor, params.productId, body) }),
    }),
  ];
}
