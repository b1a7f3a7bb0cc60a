// GET /api/health: public, unauthenticated health of the whole fleet; 200 only
// when every service is ok, 503 otherwise (so a load balancer can use it).
import { Router } from "express";
import type { GetFleetHealth } from "../use-cases/fleet-health.use-case.js";

export function healthRoutes({ getFleetHealth }: { getFleetHealth: GetFleetHealth }): Router {
  const router = Router();
  router.get("/health", async (_req, res) => {
    const health = await getFleetHealth();
    res.setHeader("cache-control", "no-store");
    res.status(health.status === "ok" ? 200 : 503).json(health);
  });
  return router;
}
