// The sellers domain: sellers, schedules and assignments — repository, use cases, routes and the
// CommerceService handlers (AssignSeller, ReleaseSeller, ListSellersOnDuty).
import type pg from "pg";
import type { Logger, RedisClient } from "@fleet/service-kit";
import type { CommerceHandlers } from "../../app.js";
import { createTenantReadsCache, type TenantReadsCache } from "../../cache/tenant-reads.cache.js";
import type { Route } from "../../http/routes.js";
import type { EventsRepository } from "../../repositories/events.repository.js";
import type { UpsertCustomer } from "../customers/upsert-customer.use-case.js";
import type { SettingsUseCases } from "../settings/settings.use-case.js";
import { createAssignments } from "./assignments.use-case.js";
import { createManageSellers, type SellersCaches } from "./manage-sellers.use-case.js";
import { createSellerEvents } from "./seller-events.js";
import { sellersCommerceHandlers } from "./sellers.grpc.js";
import { createSellersRepository } from "./sellers.repository.js";
import { sellersRoutes } from "./sellers.routes.js";

export interface SellersModuleDeps {
  pool: pg.Pool;
  settings: Pick<SettingsUseCases, "readSettings">;
  events: Pick<EventsRepository, "emit">;
  logger: Pick<Logger, "warn">;
  /** The customers module's upsert: assigning a WhatsApp contact creates its customer the same way. */
  upsertCustomer: UpsertCustomer;
  /** The sellers' read cache, and the customers' (they show their current seller: assignments and sellers' changes drop them). */
  caches: SellersCaches;
  now: () => Date;
}

/** The sellers part of the tenant read cache (the gateway's, and the seller timeout job's). */
export const createSellersCache = ({ redis, logger }: { redis: RedisClient; logger: Logger }): TenantReadsCache => createTenantReadsCache({ redis, logger, part: "sellers" });

export function createSellersModule({ pool, settings, events, logger, upsertCustomer, caches, now }: SellersModuleDeps): { routes: Route[]; commerce: CommerceHandlers } {
  const sellers = createSellersRepository(pool);
  const assignments = createAssignments({ sellers, settings, events: createSellerEvents({ events, stale: [caches.customers, caches.sellers], logger }), upsertCustomer, now });
  const manage = createManageSellers({ sellers, caches, settings, now });
  return { routes: sellersRoutes({ manage, assignments }), commerce: sellersCommerceHandlers({ assignments, manage }) };
}
