// The shop's settings: repository, use cases, routes and the GetBusinessHours handler. The use
// cases are also handed to the modules that read settings (sellers: the time zone and timeout).
import type pg from "pg";
import type { CommerceHandlers } from "../../app.js";
import type { Route } from "../../http/routes.js";
import { settingsCommerceHandlers } from "./settings.grpc.js";
import { createSettingsRepository } from "./settings.repository.js";
import { settingsRoutes } from "./settings.routes.js";
import { createSettingsUseCases, type SettingsUseCases } from "./settings.use-case.js";

export function createSettingsModule({ pool, now }: { pool: pg.Pool; now: () => Date }): { routes: Route[]; commerce: CommerceHandlers; settings: SettingsUseCases } {
  const settings = createSettingsUseCases({ settings: createSettingsRepository(pool), now });
  return { routes: settingsRoutes(settings), commerce: settingsCommerceHandlers(settings), settings };
}
