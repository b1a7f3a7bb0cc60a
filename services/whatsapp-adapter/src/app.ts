// The adapter's HTTP app (no listen): health, metrics and, later, provider webhooks.
import type { Express } from "express";
import { createServiceApp, type HealthReport, type Logger, type Metrics } from "@fleet/service-kit";

export interface AdapterHttpDeps {
  logger: Logger;
  metrics: Metrics;
  health: () => Promise<HealthReport>;
}

export function createApp(deps: AdapterHttpDeps): Express {
  return createServiceApp(deps);
}
