// The health of the whole fleet for GET /api/health: the gateway's own report
// plus every other service's. "ok" only when every service says ok.
import type { HealthReport } from "@fleet/service-kit";
import { publicHealth, type FleetHealthClient, type ServiceHealth } from "../../clients/fleet-health.client.js";

export interface FleetHealth {
  status: "ok" | "degraded";
  services: Record<string, ServiceHealth>;
}

export interface FleetHealthDeps {
  /** The gateway's own /health report. */
  self: () => Promise<HealthReport>;
  fleet: Pick<FleetHealthClient, "probeAll">;
}

export function createGetFleetHealth({ self, fleet }: FleetHealthDeps) {
  // Concurrent callers share one round of probes: a burst on this public endpoint
  // must not multiply into a burst on every service.
  let inFlight: Promise<FleetHealth> | undefined;

  async function collect(): Promise<FleetHealth> {
    const [own, others] = await Promise.all([self(), fleet.probeAll()]);
    const services: Record<string, ServiceHealth> = {
      gateway: publicHealth(own) ?? { status: "degraded" },
      ...others,
    };
    const status = Object.values(services).every((s) => s.status === "ok") ? "ok" : "degraded";
    return { status, services };
  }

  return function getFleetHealth(): Promise<FleetHealth> {
    inFlight ??= collect().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

export type GetFleetHealth = ReturnType<typeof createGetFleetHealth>;
