// A tiny app on the service kit's skeleton (request ids, the uniform error
// body) for testing one middleware over HTTP, with what it logged.
import { Writable } from "node:stream";
import type { Express } from "express";
import { createHealth, createLogger, createMetrics, createServiceApp, type Logger } from "@fleet/service-kit";
import { errorHeaders } from "../src/http/error-headers.middleware.js";

export interface TinyApp {
  app: Express;
  logger: Logger;
  /** JSON lines logged at warn and above. */
  logs: Record<string, unknown>[];
}

export function tinyApp(routes: (app: Express, logger: Logger) => void): TinyApp {
  const logs: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ service: "gateway", level: "warn", stream });
  const app = createServiceApp({ logger, metrics: createMetrics("gateway"), health: createHealth({ service: "gateway", version: "0.0.0-test", checks: {} }) }, (app) => {
    routes(app, logger);
    app.use(errorHeaders());
  });
  return { app, logger, logs };
}
