// The dashboard's catalogue management: list, read, create, change and deactivate products and
// their variants, and adjust stock with a reason. Reads go through the shared cache; every write
// drops the tenant's cached reads. Deleting deactivates (orders and history keep pointing at it).
import { AppError } from "@fleet/service-kit";
import { authorize, isServiceActor, type Caller } from "../../auth/permissions.js";
import type { JsonText } from "../../http/json-text.js";
import { decodeCursor, pageOf } from "../../http/pagination.js";
import type { EventsRepository } from "../../repositories/events.repository.js";
import type { CatalogueCache } from "./catalogue.cache.js";
import type { CatalogueRepository, ListFilters, ProductChanges, ProductFields, ProductRecord, ProductSort, VariantChanges, VariantFields, VariantRecord } from "./catalogue.repository.js";
import { ProductPageSchema, ProductSchema } from "./catalogue.schemas.js";
import { emitLowStock } from "./stock-events.js";

export interface CatalogueDeps {
  catalogue: CatalogueRepository;
  cache: CatalogueCache;
  events: Pick<EventsRepository, "emit">;
}

export const productNotFound = () => new AppError("not_found", "PRODUCT_NOT_FOUND", "Product not found");
const variantNotFound = () => new AppError("not_found", "VARIANT_NOT_FOUND", "Variant not found");

export interface ListProductsInput {
  filters: ListFilters;
  sort: ProductSort;
  descending: boolean;
  limit: number;
  cursor?: string;
}

function positionOf(cursor: string | undefined, sort: ProductSort): [string | number, string] | null {
  if (cursor === undefined) return null;
  const [value, id] = decodeCursor(cursor, 2);
  const valueOk = sort === "price" || sort === "stock" ? typeof value === "number" : typeof value === "string";
  if (!valueOk || typeof id !== "string" || !/^[0-9a-f-]{36}$/i.test(id) || value === null || value === undefined) throw new AppError("invalid_argument", "INVALID_CURSOR", "The cursor is not one this list gave");
  return [value, id];
}

const sortValue = (product: ProductRecord, sort: ProductSort): string | number =>
  sort === "name" ? product.name : sort === "price" ? product.priceMinor : sort === "stock" ? product.stock : product.updatedAt;

export function createManageProducts({ catalogue, cache, events }: CatalogueDeps) {
  const pageReads = cache.reads(ProductPageSchema);
  const productReads = cache.reads(ProductSchema.nullable());
  async function changed<T>(tenantId: string, result: T): Promise<T> {
    await cache.invalidate(tenantId);
    return result;
  }

  return {
    /** A page of products, as the JSON the API answers (a cached page is not serialised again). */
    async list(caller: Caller, input: ListProductsInput): Promise<JsonText> {
      authorize(caller, "products:read");
      const after = positionOf(input.cursor, input.sort);
      const field = `list:${JSON.stringify([input.filters, input.sort, input.descending, input.limit, input.cursor ?? null])}`;
      return pageReads.readJson(caller.tenantId, field, async () => {
        const rows = await catalogue.forTenant(caller.tenantId).list({ filters: input.filters, sort: input.sort, descending: input.descending, limit: input.limit, after });
        return pageOf(rows, input.limit, (row) => [sortValue(row, input.sort), row.id]);
      });
    },

    /** By id; the orchestrator may also ask by SKU (the product's or a variant's). */
    async get(caller: Caller, by: { productId?: string; sku?: string }): Promise<ProductRecord> {
      authorize(caller, "products:read");
      const field = by.productId ? `product:${by.productId}` : `sku:${(by.sku ?? "").toUpperCase()}`;
      const product = await productReads.read(caller.tenantId, field, () => {
        const tenant = catalogue.forTenant(caller.tenantId);
        if (by.productId) return tenant.find(by.productId);
        return by.sku ? tenant.findBySku(by.sku) : Promise.resolve(null);
      });
      if (!product) throw productNotFound();
      return product;
    },

    async create(caller: Caller, fields: ProductFields): Promise<ProductRecord> {
      authorize(caller, "products:write");
      const tenant = catalogue.forTenant(caller.tenantId);
      const product = await tenant.create(fields, await tenant.currency());
      await emitLowStock(events, caller.tenantId, product.stockMin > 0 ? [{ productId: product.id, variantId: null, sku: product.sku, stock: product.stock, stockMin: product.stockMin }] : []);
      return changed(caller.tenantId, product);
    },

    async update(caller: Caller, productId: string, changes: ProductChanges): Promise<ProductRecord> {
      authorize(caller, "products:write");
      const product = await catalogue.forTenant(caller.tenantId).update(productId, changes);
      if (!product) throw productNotFound();
      return changed(caller.tenantId, product);
    },

    /** Deactivates: the product leaves the shop's search but stays for orders and reports. */
    async remove(caller: Caller, productId: string): Promise<void> {
      authorize(caller, "products:write");
      const product = await catalogue.forTenant(caller.tenantId).update(productId, { active: false });
      if (!product) throw productNotFound();
      await changed(caller.tenantId, undefined);
    },

    async listVariants(caller: Caller, productId: string): Promise<VariantRecord[]> {
      return (await this.get(caller, { productId })).variants;
    },

    async createVariant(caller: Caller, productId: string, fields: VariantFields): Promise<VariantRecord> {
      authorize(caller, "products:write");
      const variant = await catalogue.forTenant(caller.tenantId).createVariant(productId, fields);
      if (!variant) throw productNotFound();
      return changed(caller.tenantId, variant);
    },

    async updateVariant(caller: Caller, productId: string, variantId: string, changes: VariantChanges): Promise<VariantRecord> {
      authorize(caller, "products:write");
      const variant = await catalogue.forTenant(caller.tenantId).updateVariant(productId, variantId, changes);
      if (!variant) throw variantNotFound();
      return changed(caller.tenantId, variant);
    },

    async removeVariant(caller: Caller, productId: string, variantId: string): Promise<void> {
      await this.updateVariant(caller, productId, variantId, { active: false });
    },

    /** Adds (or, negative, removes) units with a reason; emits stock.low when it falls to the minimum or below. */
    async adjustStock(caller: Caller, productId: string, input: { delta: number; reason: string; variantId?: string }): Promise<{ stock: number; stockMin: number; low: boolean }> {
      authorize(caller, "products:write");
      const userId = isServiceActor(caller) ? null : caller.userId;
      const level = await catalogue.transaction(caller.tenantId, (tenant) => tenant.adjustStock(productId, input.variantId ?? null, input.delta, input.reason, userId));
      if (!level) throw input.variantId ? variantNotFound() : productNotFound();
      const low = input.delta < 0 ? (await emitLowStock(events, caller.tenantId, [level])) > 0 : false;
      await cache.invalidate(caller.tenantId);
      return { stock: level.stock, stockMin: level.stockMin, low: low || level.stock <= level.stockMin };
    },
  };
}

export type ManageProducts = ReturnType<typeof createManageProducts>;
