// GET /api/health: public health of the whole fleet; 200 only when every
// service is ok, 503 otherwise (so a load balancer can use it).
import { z } from "zod";
import { publicRoute, type Route } from "../../http/routes.js";
import type { GetFleetHealth } from "./fleet-health.use-case.js";

const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    services: z.record(z.string(), z.object({ status: z.string() }).loose()),
  })
  .meta({ id: "FleetHealth" });

export function healthRoutes({ getFleetHealth }: { getFleetHealth: GetFleetHealth }): Route[] {
  return [
    publicRoute({
      method: "get",
      path: "/health",
      operationId: "getFleetHealth",
      summary: "Health of every service of the fleet",
      tags: ["health"],
      responses: { 200: { description: "Every service is ok", schema: HealthSchema }, 503: { description: "Some service is degraded or unreachable", schema: HealthSchema } },
      handle: async () => {
        const health = await getFleetHealth();
        return { status: health.status === "ok" ? 200 : 503, body: health, headers: { "cache-control": "no-store" } };
      },
    }),
  ];
}
