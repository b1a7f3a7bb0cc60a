// Prometheus metrics of a service: one registry with the fleet's standard
// HTTP and gRPC series plus default process metrics. Labels stay bounded:
// endpoints are route templates, never raw URLs.
import type { NextFunction, Request, Response } from "express";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"method" | "status" | "endpoint">;
  httpDuration: Histogram<"method" | "endpoint">;
  grpcHandled: Counter<"grpc_service" | "grpc_method" | "grpc_code">;
  grpcDuration: Histogram<"grpc_service" | "grpc_method">;
}

export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  // prom-client exposes these gauges with a `_total` suffix, which Prometheus
  // reserves for counters (promtool rejects them); the per-type gauges without
  // the suffix carry the same information.
  for (const name of ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"]) {
    registry.removeSingleMetric(name);
  }
  return {
    registry,
    httpRequests: new Counter({
      name: "http_requests_total",
      help: "HTTP requests handled, by method, status code and route template.",
      labelNames: ["method", "status", "endpoint"],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration in seconds, by method and route template.",
      labelNames: ["method", "endpoint"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    grpcHandled: new Counter({
      name: "grpc_server_handled_total",
      help: "gRPC calls completed on the server, by service, method and status code.",
      labelNames: ["grpc_service", "grpc_method", "grpc_code"],
      registers: [registry],
    }),
    grpcDuration: new Histogram({
      name: "grpc_server_handling_seconds",
      help: "gRPC call handling time on the server in seconds.",
      labelNames: ["grpc_service", "grpc_method"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

/**
 * The route template that matched (e.g. `/api/bots/:botId`), or `unmatched` so 404 probes cannot blow up cardinality.
 * Recorded when express assigns `req.route`: by the time the response finishes, an error that left a mounted
 * router has already reset `req.baseUrl`, and the label would lose its mount path.
 */
function trackEndpoint(req: Request): () => string {
  let endpoint = "unmatched";
  let route: unknown = req.route;
  Object.defineProperty(req, "route", {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: unknown) => {
      route = value;
      if (value && typeof value === "object" && "path" in value && typeof value.path === "string") endpoint = `${req.baseUrl}${value.path}`;
    },
  });
  return () => endpoint;
}

export function httpMetricsMiddleware(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const stop = process.hrtime.bigint();
    const endpointOf = trackEndpoint(req);
    res.on("finish", () => {
      const endpoint = endpointOf();
      const seconds = Number(process.hrtime.bigint() - stop) / 1e9;
      metrics.httpRequests.inc({ method: req.method, status: String(res.statusCode), endpoint });
      metrics.httpDuration.observe({ method: req.method, endpoint }, seconds);
    });
    next();
  };
}
