// The analytics domain: the shop's KPIs and charts, read from the analytics worker's live rollups in
// Redis (the gateway never writes them) with the shop's time zone from its settings.
import type { RedisClient } from "@fleet/service-kit";
import type { Route } from "../../http/routes.js";
import type { SettingsUseCases } from "../settings/settings.use-case.js";
import { createAnalyticsRepository } from "./analytics.repository.js";
import { analyticsRoutes } from "./analytics.routes.js";
import { createAnalytics } from "./analytics.use-case.js";

export function createAnalyticsModule({ redis, settings, now }: { redis: RedisClient; settings: Pick<SettingsUseCases, "readSettings">; now?: () => Date }): { routes: Route[] } {
  return { routes: analyticsRoutes(createAnalytics({ repository: createAnalyticsRepository(redis), settings, ...(now ? { now } : {}) })) };
}
