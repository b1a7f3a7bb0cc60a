// The HTTP skeleton every service shares: request ids and context, metrics,
// /health (readiness), /health/live (liveness) and /metrics, and the uniform error body at the edge.
import { randomUUID } from "node:crypto";
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import { runWithContext } from "./context.js";
import { AppError, httpStatusOf, toAppError } from "./errors.js";
import type { HealthReport } from "./health.js";
import type { Logger } from "./logger.js";
import { httpMetricsMiddleware, trackEndpoints, type Metrics } from "./metrics.js";

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function requestContextMiddleware(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader("x-request-id", requestId);
    res.locals.requestId = requestId;
    runWithContext({ requestId }, next);
  };
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const requestId = String(res.locals.requestId ?? "");
    let appError = toAppError(error);
    let status = httpStatusOf(appError.kind);
    // express.json() and friends throw http-errors with a 4xx status: those are the client's fault.
    if (!(error instanceof AppError) && isHttpError(error)) {
      const tooLarge = error.status === 413;
      appError = new AppError("invalid_argument", tooLarge ? "PAYLOAD_TOO_LARGE" : "MALFORMED_REQUEST", tooLarge ? "Request body is too large" : "Request body is not valid");
      status = error.status;
    }
    res.status(status);
    if (appError.kind === "internal") {
      logger.error("unhandled error", { requestId, error: appError.cause ?? appError });
    }
    res.json({
      error: {
        code: appError.code,
        message: appError.message,
        ...(appError.details !== undefined && appError.kind !== "internal" ? { details: appError.details } : {}),
        requestId,
      },
    });
  };
}

function isHttpError(error: unknown): error is { status: number } {
  return typeof error === "object" && error !== null && "status" in error && typeof error.status === "number" && error.status >= 400 && error.status < 500;
}

export interface ServiceAppOptions {
  /**
   * Which proxies' X-Forwarded-For to believe (express "trust proxy"): the
   * loopback nginx locally, the proxy network's range in containers.
   */
  trustProxy?: string;
  logger: Logger;
  metrics: Metrics;
  health: () => Promise<HealthReport>;
}

/**
 * An express app with the fleet's standard middleware and the /health and
 * /metrics endpoints. The caller mounts its routes with `routes` and the
 * 404 + error handlers are added last.
 */
export function createServiceApp({ logger, metrics, health, trustProxy = "loopback" }: ServiceAppOptions, routes: (app: Express) => void = () => {}): Express {
  const app = express();
  app.disable("x-powered-by");
  // No ETag: answers are per caller and rarely repeated, and express would hash every body (SHA-1) to make one.
  app.disable("etag");
  app.set("trust proxy", trustProxy);
  app.use(requestContextMiddleware());
  trackEndpoints(app);
  app.use(httpMetricsMiddleware(metrics));
  // Liveness: the process answers. Never asks Redis or Postgres, so an orchestrator does not
  // restart every replica while a dependency is down (that is what /health, readiness, reports).
  app.get("/health/live", (_req, res) => {
    res.json({ status: "alive" });
  });
  app.get("/health", async (_req, res) => {
    const report = await health();
    res.status(report.status === "ok" ? 200 : 503).json(report);
  });
  app.get("/metrics", async (_req, res) => {
    res.setHeader("content-type", metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  routes(app);
  app.use((req, _res, next) => next(new AppError("not_found", "ROUTE_NOT_FOUND", `No route for ${req.method} ${req.path}`)));
  app.use(errorMiddleware(logger));
  return app;
}
