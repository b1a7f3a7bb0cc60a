// Cross-origin access for the dashboard when it is served from another origin
// than the API: only the configured origins (CORS_ORIGINS), with credentials
// so the browser sends the refresh-token cookie, and the headers the dashboard
// needs to read (request id, rate limits). No origins configured: no CORS
// headers at all, so browsers allow same-origin use only.
import type { RequestHandler } from "express";
import cors from "cors";

export interface DashboardCorsOptions {
  /** Exact origins, e.g. https://app.example.com (config CORS_ORIGINS). */
  origins: readonly string[];
}

export function dashboardCors({ origins }: DashboardCorsOptions): RequestHandler {
  if (origins.length === 0) return (_req, _res, next) => next();
  const crossOrigin = cors({
    // A list, not a function: cors then answers every origin with `Vary: Origin`
    // (so caches keep answers per origin) and reflects only listed ones.
    origin: [...origins],
    credentials: true,
    methods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    allowedHeaders: ["authorization", "content-type", "idempotency-key", "x-request-id"],
    exposedHeaders: ["x-request-id", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "ratelimit-policy"],
    maxAge: 600,
  });
  return (req, res, next) => {
    // Same-origin and non-browser requests carry no Origin: nothing to allow, only the Vary caches need.
    if (req.headers.origin === undefined) {
      res.vary("Origin");
      next();
      return;
    }
    crossOrigin(req, res, next);
  };
}
