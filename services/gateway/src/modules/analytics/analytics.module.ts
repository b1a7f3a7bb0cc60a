// The analytics domain: the shop's KPIs and charts, read from the analytics worker's live rollups in
// Redis (the gateway never writes them) with the shop's time zone from its settings, and the shop's
// event log, asked of the analytics worker over gRPC (the gateway never reads MongoDB).
import type { RedisClient } from "@fleet/service-kit";
import type { Route } from "../../http/routes.js";
import type { SettingsUseCases } from "../settings/settings.use-case.js";
import type { AnalyticsWorkerClient } from "./analytics-worker.client.js";
import { createAnalyticsRepository } from "./analytics.repository.js";
import { analyticsRoutes } from "./analytics.routes.js";
import { createAnalytics } from "./analytics.use-case.js";
import { createListEvents } from "./list-events.use-case.js";

export interface AnalyticsModuleDeps {
  redis: RedisClient;
  settings: Pick<SettingsUseCases, "readSettings">;
  worker: Pick<AnalyticsWorkerClient, "listEvents">;
  now?: () => Date;
}

export function createAnalyticsModule({ redis, settings, worker, now }: AnalyticsModuleDeps) {
  const analytics = createAnalytics({ repository: createAnalyticsRepository(redis), settings, ...(now ? { now } : {}) });
  const routes: Route[] = analyticsRoutes(analytics, createListEvents({ worker }));
  return { routes, analytics };
}
