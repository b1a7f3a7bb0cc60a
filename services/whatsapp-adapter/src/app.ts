// The adapter's HTTP app (no listen): provider webhooks, health and metrics.
import type { Express } from "express";
import { createServiceApp, type HealthReport, type Logger, type Metrics } from "@fleet/service-kit";
import { webhookRoutes, type WebhookRoutesDeps } from "./http/webhooks.routes.js";

export interface AdapterHttpDeps {
  logger: Logger;
  metrics: Metrics;
  health: () => Promise<HealthReport>;
  webhooks: WebhookRoutesDeps;
}

export function createApp(deps: AdapterHttpDeps): Express {
  return createServiceApp(deps, (app) => {
    app.use(webhookRoutes(deps.webhooks));
  });
}
