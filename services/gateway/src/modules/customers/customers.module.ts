// The customers domain: repository, use cases, routes and its part of CommerceService.
import type pg from "pg";
import type { CommerceHandlers } from "../../app.js";
import type { Route } from "../../http/routes.js";
import { customersCommerceHandlers } from "./customers-commerce.handler.js";
import { createCustomersDirectory } from "./customers.repository.js";
import { customersRoutes } from "./customers.routes.js";
import { createManageCustomers } from "./manage-customers.use-case.js";
import { createUpsertCustomer, type UpsertCustomer } from "./upsert-customer.use-case.js";

export interface CustomersModule {
  routes: Route[];
  commerce: CommerceHandlers;
  /** For the orders module: an order from a chat creates or refreshes its customer. */
  upsertCustomer: UpsertCustomer;
}

export function createCustomersModule({ pool }: { pool: pg.Pool }): CustomersModule {
  const customers = createCustomersDirectory(pool);
  const upsertCustomer = createUpsertCustomer({ customers });
  return {
    routes: customersRoutes({ customers: createManageCustomers({ customers }) }),
    commerce: customersCommerceHandlers({ upsertCustomer }),
    upsertCustomer,
  };
}
