// CommerceService.SearchProducts and GetProduct for the orchestrator's flows: protobuf ↔ the same
// use cases as the REST routes, acting as the orchestrator for the request's tenant.
import { AppError } from "@fleet/service-kit";
import type { ServiceActor } from "../../auth/permissions.js";
import type { CommerceHandlers } from "../../app.js";
import type { ProductRecord } from "./catalogue.repository.js";
import type { ManageProducts } from "./manage-products.use-case.js";
import type { SearchProducts } from "./search-products.use-case.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function actorFor(tenantId: string): ServiceActor {
  if (!UUID.test(tenantId)) throw new AppError("invalid_argument", "VALIDATION_FAILED", "tenant_id must be a UUID");
  return { service: "bot-orchestrator", tenantId };
}

const money = (currency: string, amountMinor: number | null) => (amountMinor === null ? undefined : { currency, amountMinor: BigInt(amountMinor) });

function toProto(product: ProductRecord) {
  return {
    id: product.id,
    sku: product.sku,
    name: product.name,
    description: product.description,
    category: product.category,
    material: product.material,
    price: money(product.currency, product.priceMinor),
    imageUrls: product.imageUrls,
    stock: product.stock,
    variants: product.variants.map((variant) => ({ id: variant.id, sku: variant.sku, size: variant.size, colour: variant.colour, stock: variant.stock, price: money(product.currency, variant.priceMinor) })),
    active: product.active,
  };
}

/** A Money filter as minor units; 0 or absent means none. */
function minorOf(value: { amountMinor: bigint } | undefined): number | undefined {
  if (!value || value.amountMinor <= 0n) return undefined;
  return value.amountMinor > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value.amountMinor);
}

export function catalogueCommerceHandlers({ products, search }: { products: ManageProducts; search: SearchProducts }): CommerceHandlers {
  return {
    async searchProducts(request) {
      const caller = actorFor(request.tenantId);
      const limit = request.limit <= 0 ? 5 : Math.min(request.limit, 20);
      const result = await search(caller, {
        query: request.query.slice(0, 500),
        limit,
        minPriceMinor: minorOf(request.minPrice),
        maxPriceMinor: minorOf(request.maxPrice),
        category: request.category.trim() || undefined,
        material: request.material.trim() || undefined,
      });
      const currency = result.products[0]?.currency ?? "";
      return {
        products: result.products.map(toProto),
        understoodText: result.understood.text,
        understoodMinPrice: money(currency, result.understood.minPriceMinor),
        understoodMaxPrice: money(currency, result.understood.maxPriceMinor),
        understoodOrder: result.understood.order,
      };
    },
    async getProduct(request) {
      const caller = actorFor(request.tenantId);
      if (request.productId === "" && request.sku === "") throw new AppError("invalid_argument", "VALIDATION_FAILED", "name a product_id or a sku");
      const product = await products.get(caller, request.productId !== "" ? { productId: request.productId } : { sku: request.sku.slice(0, 64) });
      return { product: toProto(product) };
    },
  };
}
