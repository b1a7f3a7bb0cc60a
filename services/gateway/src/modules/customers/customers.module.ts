// The customers domain: repository, use cases, routes and its part of CommerceService. Its reads
// are cached (`caches.customers`), and dropped by every write here.
import type pg from "pg";
import type { Logger, RedisClient } from "@fleet/service-kit";
import type { CommerceHandlers } from "../../app.js";
import { createTenantReadsCache, type TenantReadsCache } from "../../cache/tenant-reads.cache.js";
import type { Route } from "../../http/routes.js";
import { customersCommerceHandlers } from "./customers-commerce.handler.js";
import { createCustomersDirectory } from "./customers.repository.js";
import { customersRoutes } from "./customers.routes.js";
import { createManageCustomers, type CustomersCaches } from "./manage-customers.use-case.js";
import { createUpsertCustomer, type UpsertCustomer } from "./upsert-customer.use-case.js";

export interface CustomersModule {
  routes: Route[];
  commerce: CommerceHandlers;
  /** For the orders module: an order from a chat creates or refreshes its customer. */
  upsertCustomer: UpsertCustomer;
}

/** The customers part of the tenant read cache (the gateway's, and the seller timeout job's). */
export const createCustomersCache = ({ redis, logger }: { redis: RedisClient; logger: Logger }): TenantReadsCache => createTenantReadsCache({ redis, logger, part: "customers" });

export function createCustomersModule({ pool, caches }: { pool: pg.Pool; caches: CustomersCaches }): CustomersModule {
  const customers = createCustomersDirectory(pool);
  const upsertCustomer = createUpsertCustomer({ customers, cache: caches.customers });
  return {
    routes: customersRoutes({ customers: createManageCustomers({ customers, caches }) }),
    commerce: customersCommerceHandlers({ upsertCustomer }),
    upsertCustomer,
  };
}
