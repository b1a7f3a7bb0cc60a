// The adapter's HTTP app (no listen): provider webhooks, health and metrics.
import type { Express } from "express";
import { createServiceApp, type HealthReport, type Logger, type Metrics } from "@fleet/service-kit";
import { metaWebhookRoutes } from "./http/meta-webhook.routes.js";
import type { ReceiveMetaWebhook } from "./use-cases/receive-meta-webhook.use-case.js";

export interface AdapterHttpDeps {
  logger: Logger;
  metrics: Metrics;
  health: () => Promise<HealthReport>;
  meta: { verifyToken: string; receive: ReceiveMetaWebhook };
}

export function createApp(deps: AdapterHttpDeps): Express {
  return createServiceApp(deps, (app) => {
    app.use(metaWebhookRoutes(deps.meta));
  });
}
