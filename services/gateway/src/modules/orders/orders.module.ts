// The orders domain: repository, use cases, routes and its part of CommerceService. An order
// without a named seller goes to the customer's current seller (the sellers module's open
// assignment, read with the customer); the tax rate comes from the settings module. Its reads are
// cached (`cache`, the orders part of the tenant read cache), dropped by every order written.
import type pg from "pg";
import type { Logger, RedisClient } from "@fleet/service-kit";
import type { CommerceHandlers } from "../../app.js";
import { createTenantReadsCache, type TenantReadsCache } from "../../cache/tenant-reads.cache.js";
import type { Route } from "../../http/routes.js";
import type { EventsRepository } from "../../repositories/events.repository.js";
import { createCatalogueCache } from "../catalogue/catalogue.cache.js";
import { createCustomersDirectory } from "../customers/customers.repository.js";
import type { UpsertCustomer } from "../customers/upsert-customer.use-case.js";
import type { SettingsUseCases } from "../settings/settings.use-case.js";
import { createChangeStatus } from "./change-status.use-case.js";
import { createCreateOrder } from "./create-order.use-case.js";
import { createPublisher, createStockChanges } from "./order-rules.js";
import { ordersCommerceHandlers } from "./orders-commerce.handler.js";
import { createOrdersStore } from "./orders.repository.js";
import { ordersRoutes } from "./orders.routes.js";
import { createReadOrders } from "./read-orders.use-case.js";
import { createRecordPayment } from "./record-payment.use-case.js";

export interface OrdersModuleDeps {
  pool: pg.Pool;
  /** The catalogue read cache's Redis (REDIS_CACHE_URL): its entries are dropped when orders change stock. */
  redis: RedisClient;
  /** The orders part of the tenant read cache. */
  cache: TenantReadsCache;
  events: Pick<EventsRepository, "emit">;
  logger: Logger;
  /** The customers module's upsert: an order from a chat creates or refreshes its customer. */
  upsertCustomer: UpsertCustomer;
  /** The shop's settings (the tax rate of every order), cached by the settings module. */
  settings: Pick<SettingsUseCases, "readSettings">;
}

/** The orders part of the tenant read cache. */
export const createOrdersCache = ({ redis, logger }: { redis: RedisClient; logger: Logger }): TenantReadsCache => createTenantReadsCache({ redis, logger, part: "orders" });

export function createOrdersModule({ pool, redis, cache, events, logger, upsertCustomer, settings }: OrdersModuleDeps): { routes: Route[]; commerce: CommerceHandlers } {
  const orders = createOrdersStore(pool);
  const customers = createCustomersDirectory(pool);
  const publish = createPublisher({ events, logger });
  const stock = createStockChanges({ cache: createCatalogueCache({ redis, logger }), events, logger });
  const read = createReadOrders({ orders, customers, cache });
  const createOrder = createCreateOrder({ orders, cache, customers, upsertCustomer, settings, publish, stock });
  return {
    routes: ordersRoutes({ read, createOrder, changeStatus: createChangeStatus({ orders, cache, publish, stock }), recordPayment: createRecordPayment({ orders, cache }) }),
    commerce: ordersCommerceHandlers({ createOrder, read }),
  };
}
