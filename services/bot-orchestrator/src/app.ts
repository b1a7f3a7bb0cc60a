// The orchestrator's HTTP app (no listen): health and metrics.
import type { Express } from "express";
import { createServiceApp, type HealthReport, type Logger, type Metrics } from "@fleet/service-kit";

export interface OrchestratorHttpDeps {
  logger: Logger;
  metrics: Metrics;
  health: () => Promise<HealthReport>;
}

export function createApp(deps: OrchestratorHttpDeps): Express {
  return createServiceApp(deps);
}
