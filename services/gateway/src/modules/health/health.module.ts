// The fleet's health, as the public sees it.
import type { HealthReport } from "@fleet/service-kit";
import type { FleetHealthClient } from "../../clients/fleet-health.client.js";
import type { Route } from "../../http/routes.js";
import { createGetFleetHealth } from "./fleet-health.use-case.js";
import { healthRoutes } from "./health.routes.js";

export function createHealthModule({ self, fleet }: { self: () => Promise<HealthReport>; fleet: Pick<FleetHealthClient, "probeAll"> }): { routes: Route[] } {
  return { routes: healthRoutes({ getFleetHealth: createGetFleetHealth({ self, fleet }) }) };
}
