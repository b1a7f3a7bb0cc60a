// The shopper search (REST /products/search and gRPC SearchProducts): the phrase parsed into words,
// a price range and an ordering, explicit filters added on top, active products only, cached per
// tenant until the catalogue changes.
import { authorize, type Caller } from "../../auth/permissions.js";
import type { CatalogueCache } from "./catalogue.cache.js";
import type { CatalogueRepository } from "./catalogue.repository.js";
import { SearchResultSchema, type SearchResult } from "./catalogue.schemas.js";
import { parseShopperQuery } from "./shopper-query.js";

export interface SearchInput {
  query: string;
  limit: number;
  minPriceMinor?: number;
  maxPriceMinor?: number;
  category?: string;
  material?: string;
}

export function createSearchProducts({ catalogue, cache }: { catalogue: CatalogueRepository; cache: CatalogueCache }) {
  const resultReads = cache.reads(SearchResultSchema);
  return async function searchProducts(caller: Caller, input: SearchInput): Promise<SearchResult> {
    authorize(caller, "products:read");
    const parsed = parseShopperQuery(input.query);
    // Explicit filters narrow what the phrase says.
    const query = {
      ...parsed,
      minPriceMinor: Math.max(parsed.minPriceMinor ?? 0, input.minPriceMinor ?? 0) || null,
      maxPriceMinor: input.maxPriceMinor !== undefined && parsed.maxPriceMinor !== null ? Math.min(input.maxPriceMinor, parsed.maxPriceMinor) : (input.maxPriceMinor ?? parsed.maxPriceMinor),
    };
    const field = `search:${JSON.stringify([query, input.limit, input.category ?? null, input.material ?? null])}`;
    return resultReads.read(caller.tenantId, field, async () => {
      const products = await catalogue.forTenant(caller.tenantId).search({ query, category: input.category, material: input.material, limit: input.limit });
      return {
        products,
        understood: { text: parsed.terms.map((group) => group[0]).join(" "), minPriceMinor: query.minPriceMinor, maxPriceMinor: query.maxPriceMinor, order: query.order },
      };
    });
  };
}

export type SearchProducts = ReturnType<typeof createSearchProducts>;
