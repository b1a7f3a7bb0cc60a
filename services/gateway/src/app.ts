// The gateway's HTTP app (no listen): used by main.ts and by component tests.
import type { Express } from "express";
import { createServiceApp, type HealthReport, type Logger, type Metrics } from "@fleet/service-kit";

export interface GatewayDeps {
  logger: Logger;
  metrics: Metrics;
  health: () => Promise<HealthReport>;
}

export function createApp(deps: GatewayDeps): Express {
  return createServiceApp(deps);
}
