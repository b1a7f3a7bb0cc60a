// The shop's settings: repository (cached per tenant, see settings.cache.ts), use cases, routes and
// the GetBusinessHours handler. The use cases are also handed to the modules that read settings
// (sellers: the time zone; orders: the tax rate).
import type pg from "pg";
import type { CommerceHandlers } from "../../app.js";
import type { Route } from "../../http/routes.js";
import type { InvalidationBus } from "../../repositories/invalidation-bus.js";
import { createCachedSettingsRepository } from "./settings.cache.js";
import { settingsCommerceHandlers } from "./settings.grpc.js";
import { createSettingsRepository } from "./settings.repository.js";
import { settingsRoutes } from "./settings.routes.js";
import { createSettingsUseCases, type SettingsUseCases } from "./settings.use-case.js";

export function createSettingsModule({ pool, bus, now }: { pool: pg.Pool; bus: InvalidationBus; now: () => Date }): { routes: Route[]; commerce: CommerceHandlers; settings: SettingsUseCases } {
  const settings = createSettingsUseCases({ settings: createCachedSettingsRepository({ settings: createSettingsRepository(pool), bus }), now });
  return { routes: settingsRoutes(settings), commerce: settingsCommerceHandlers(settings), settings };
}
