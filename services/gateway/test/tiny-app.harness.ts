// A tiny app on the service kit's skeleton (request ids, the uniform error
// body) for testing one middleware over HTTP, with what it logged.
import type { Express } from "express";
import { createHealth, createMetrics, createServiceApp, type Logger } from "@fleet/service-kit";
import { memoryLogger } from "@fleet/testing";
import { errorHeaders } from "../src/http/error-headers.middleware.js";

export interface TinyApp {
  app: Express;
  logger: Logger;
  /** JSON lines logged at warn and above. */
  logs: Record<string, unknown>[];
}

export function tinyApp(routes: (app: Express, logger: Logger) => void): TinyApp {
  const { logger, lines: logs } = memoryLogger("gateway");
  const app = createServiceApp({ logger, metrics: createMetrics("gateway"), health: createHealth({ service: "gateway", version: "0.0.0-test", checks: {} }) }, (app) => {
    routes(app, logger);
    app.use(errorHeaders());
  });
  return { app, logger, logs };
}
