// The catalogue domain: repository, cache, use cases, routes and its part of CommerceService.
import type pg from "pg";
import type { Logger, RedisClient } from "@fleet/service-kit";
import type { CommerceHandlers } from "../../app.js";
import type { Route } from "../../http/routes.js";
import type { EventsRepository } from "../../repositories/events.repository.js";
import { createCatalogueCache } from "./catalogue.cache.js";
import { catalogueCommerceHandlers } from "./catalogue.grpc.js";
import { createCatalogueRepository } from "./catalogue.repository.js";
import { catalogueRoutes } from "./catalogue.routes.js";
import { createExportProducts } from "./export-products.use-case.js";
import { createImportProducts } from "./import-products.use-case.js";
import { createManageProducts } from "./manage-products.use-case.js";
import { createSearchProducts } from "./search-products.use-case.js";

export interface CatalogueModuleDeps {
  pool: pg.Pool;
  /** The catalogue read cache's Redis (REDIS_CACHE_URL); nothing else of the module uses Redis. */
  redis: RedisClient;
  logger: Logger;
  events: Pick<EventsRepository, "emit">;
}

export function createCatalogueModule({ pool, redis, logger, events }: CatalogueModuleDeps): { routes: Route[]; commerce: CommerceHandlers } {
  const catalogue = createCatalogueRepository(pool);
  const cache = createCatalogueCache({ redis, logger });
  const products = createManageProducts({ catalogue, cache, events });
  const search = createSearchProducts({ catalogue, cache });
  const importProducts = createImportProducts({ catalogue, cache, logger });
  const exportProducts = createExportProducts({ catalogue });
  return { routes: catalogueRoutes({ products, search, importProducts, exportProducts }), commerce: catalogueCommerceHandlers({ products, search }) };
}
