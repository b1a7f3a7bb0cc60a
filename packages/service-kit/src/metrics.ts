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

const ROUTE = Symbol("route");
const ENDPOINT = Symbol("endpoint");

interface Tracked {
  [ROUTE]?: unknown;
  [ENDPOINT]?: string;
  baseUrl: string;
}

/**
 * Makes every request of `app` remember the route template that matched (e.g. `/api/bots/:botId`)
 * when express assigns `req.route`: by the time the response finishes, an error that left a mounted
 * router has already reset `req.baseUrl`, and the label would lose its mount path. One accessor on
 * the app's request prototype, so no request pays for a property definition or closures of its own.
 * A handler that dispatches routes itself sets `req.route = { path }` the same way.
 */
export function trackEndpoints(app: { request: object }): void {
  Object.defineProperty(app.request, "route", {
    configurable: true,
    enumerable: true,
    get(this: Tracked) {
      return this[ROUTE];
    },
    set(this: Tracked, value: unknown) {
      this[ROUTE] = value;
      if (value && typeof value === "object" && "path" in value && typeof value.path === "string") this[ENDPOINT] = `${this.baseUrl}${value.path}`;
    },
  });
}

/** The template `trackEndpoints` recorded, or `unmatched` so 404 probes cannot blow up cardinality. */
function endpointOf(req: Request): string {
  return (req as unknown as Tracked)[ENDPOINT] ?? "unmatched";
}

/** Children of the HTTP series per label set, so a request does not hash its labels twice. */
interface HttpSeries {
  inc(): void;
  observe(seconds: number): void;
}

export function httpMetricsMiddleware(metrics: Metrics) {
  // Bounded: methods × statuses × route templates (raw URLs never become labels).
  const series = new Map<string, HttpSeries>();
  const seriesOf = (method: string, status: number, endpoint: string): HttpSeries => {
    const key = `${method} ${status} ${endpoint}`;
    let found = series.get(key);
    if (!found) {
      const requests = metrics.httpRequests.labels({ method, status: String(status), endpoint });
      const duration = metrics.httpDuration.labels({ method, endpoint });
      found = { inc: () => requests.inc(), observe: (seconds) => duration.observe(seconds) };
      series.set(key, found);
    }
    return found;
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    res.on("finish", () => {
      const measured = seriesOf(req.method, res.statusCode, endpointOf(req));
      measured.inc();
      measured.observe(Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}
