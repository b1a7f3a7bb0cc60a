import { describe, it, expect } from "@jest/globals";
import express from "express";
import { Writable } from "node:stream";
import request from "supertest";
import { currentContext } from "./context.js";
import { AppError } from "./errors.js";
import { createHealth, type DependencyCheck } from "./health.js";
import { createServiceApp } from "./http.js";
import { createLogger } from "./logger.js";
import { createMetrics } from "./metrics.js";

type LogLine = Record<string, unknown>;

interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: unknown };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A service app with a few representative routes, its metrics and what it logged. */
function setup(checks: Record<string, DependencyCheck> = {}, timeoutMs = 1000) {
  const logged: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) logged.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const logger = createLogger({ service: "test-service", stream });
  const metrics = createMetrics("test-service");
  const health = createHealth({ service: "test-service", version: "1.2.3", checks, timeoutMs });
  const app = createServiceApp({ logger, metrics, health }, (app) => {
    app.get("/things/:id", (req, res) => {
      if (req.params.id === "missing") {
        throw new AppError("not_found", "BOT_NOT_FOUND", "Bot missing does not exist", { details: { botId: "missing" } });
      }
      res.json({ id: req.params.id });
    });
    app.get("/boom", () => {
      throw new Error("connect ECONNREFUSED 10.0.0.5:5432 password=hunter2");
    });
    app.get("/async-boom", async () => {
      await Promise.resolve();
      throw new TypeError("Cannot read properties of undefined (reading 'tenant_id')");
    });
    app.get("/whoami", (_req, res) => {
      res.json({ requestId: currentContext().requestId });
    });
    app.post("/echo", express.json({ limit: "1kb" }), (req, res) => {
      res.json({ received: req.body as unknown, requestId: currentContext().requestId });
    });
    const api = express.Router();
    api.get("/bots/:botId", (req, res) => {
      if (req.params.botId === "missing") throw new AppError("not_found", "BOT_NOT_FOUND", "Bot missing does not exist");
      res.json({ botId: req.params.botId });
    });
    app.use("/api", api);
  });
  return { app, logged };
}

function errorOf(body: unknown): ErrorBody["error"] {
  return (body as ErrorBody).error;
}

describe("createServiceApp errors", () => {
  it("maps an AppError to its HTTP status and the uniform error body, with the request id in body and header", async () => {
    const { app } = setup();
    const res = await request(app).get("/things/missing");

    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: { code: "BOT_NOT_FOUND", message: "Bot missing does not exist", details: { botId: "missing" }, requestId: expect.stringMatching(UUID) },
    });
    expect(res.headers["x-request-id"]).toBe(errorOf(res.body).requestId);
  });

  it.each(["/boom", "/async-boom"])("answers an unknown error from %s with 500 INTERNAL and no internals", async (path) => {
    const { app, logged } = setup();
    const res = await request(app).get(path);

    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: "INTERNAL", message: "Internal error", requestId: res.headers["x-request-id"] } });
    for (const leaked of ["ECONNREFUSED", "hunter2", "tenant_id", "TypeError", "http.test"]) expect(res.text).not.toContain(leaked);

    // ...while operators find the real cause and stack under the same request id.
    const line = logged.find((l) => l.level === "error");
    expect(line).toMatchObject({ requestId: res.headers["x-request-id"], service: "test-service" });
    expect(JSON.stringify(line)).toMatch(/ECONNREFUSED|tenant_id/);
    expect(JSON.stringify(line)).toContain("http.test");
  });

  it("answers a malformed JSON body with 400 MALFORMED_REQUEST, not 500", async () => {
    const { app, logged } = setup();
    const res = await request(app).post("/echo").set("content-type", "application/json").send('{"text": "hi",');

    expect(res.status).toBe(400);
    expect(errorOf(res.body)).toMatchObject({ code: "MALFORMED_REQUEST", requestId: res.headers["x-request-id"] });
    expect(logged.filter((l) => l.level === "error")).toEqual([]);
  });

  it("answers a body over the limit with 413 PAYLOAD_TOO_LARGE", async () => {
    const { app } = setup();
    const res = await request(app)
      .post("/echo")
      .send({ text: "x".repeat(2048) });

    expect(res.status).toBe(413);
    expect(errorOf(res.body).code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers an unknown route with 404 ROUTE_NOT_FOUND", async () => {
    const { app } = setup();
    const res = await request(app).delete("/nowhere");

    expect(res.status).toBe(404);
    expect(errorOf(res.body)).toMatchObject({ code: "ROUTE_NOT_FOUND", requestId: res.headers["x-request-id"] });
  });
});

describe("createServiceApp request ids", () => {
  it("echoes a valid incoming x-request-id and makes it the context of the handler", async () => {
    const { app } = setup();
    const res = await request(app).get("/whoami").set("x-request-id", "edge-req.123:abc");

    expect(res.headers["x-request-id"]).toBe("edge-req.123:abc");
    expect(res.body).toEqual({ requestId: "edge-req.123:abc" });
  });

  it("keeps the request context after the JSON body parser", async () => {
    const { app } = setup();
    const res = await request(app).post("/echo").set("x-request-id", "req-after-body").send({ text: "hi" });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ received: { text: "hi" }, requestId: "req-after-body" });
  });

  it.each([
    ["a header injection attempt", "abc def<script>"],
    ["an oversized id", "a".repeat(200)],
  ])("replaces %s with a fresh id", async (_label, incoming) => {
    const { app } = setup();
    const res = await request(app).get("/whoami").set("x-request-id", incoming);

    expect(res.headers["x-request-id"]).toMatch(UUID);
    expect(res.body).toEqual({ requestId: res.headers["x-request-id"] });
  });

  it("gives every request its own id", async () => {
    const { app } = setup();
    const [a, b] = await Promise.all([request(app).get("/whoami"), request(app).get("/whoami")]);
    expect(a.headers["x-request-id"]).not.toBe(b.headers["x-request-id"]);
  });
});

describe("createServiceApp /metrics", () => {
  it("counts requests by route template, never by raw URL, and labels unknown routes `unmatched`", async () => {
    const { app } = setup();
    await request(app).get("/things/42").expect(200);
    await request(app).get("/things/43").expect(200);
    await request(app).get("/things/missing").expect(404);
    await request(app).get("/api/bots/bot-9").expect(200);
    await request(app).get("/api/bots/missing").expect(404);
    await request(app).get("/wp-login.php").expect(404);

    const res = await request(app).get("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toContain("text/plain");
    const text = res.text;
    expect(text).toContain('http_requests_total{method="GET",status="200",endpoint="/things/:id",service="test-service"} 2');
    expect(text).toContain('http_requests_total{method="GET",status="404",endpoint="/things/:id",service="test-service"} 1');
    expect(text).toContain('http_requests_total{method="GET",status="200",endpoint="/api/bots/:botId",service="test-service"} 1');
    // An error leaving a mounted router is still counted under the full template.
    expect(text).toContain('http_requests_total{method="GET",status="404",endpoint="/api/bots/:botId",service="test-service"} 1');
    expect(text).toContain('http_requests_total{method="GET",status="404",endpoint="unmatched",service="test-service"} 1');
    expect(text).toContain("http_request_duration_seconds_bucket");
    for (const raw of ["/things/42", "/things/43", "bot-9", "wp-login"]) expect(text).not.toContain(raw);
  });
});

describe("createServiceApp /health", () => {
  it("answers 200 with version, uptime and memory when every dependency answers", async () => {
    const { app } = setup({ postgres: () => Promise.resolve(), redis: async () => "PONG" });
    const res = await request(app).get("/health");

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "ok", service: "test-service", version: "1.2.3", dependencies: { postgres: "up", redis: "up" } });
    expect(res.body).not.toHaveProperty("details");
    expect(typeof res.body.uptime_s).toBe("number");
    expect(res.body.uptime_s).toBeGreaterThanOrEqual(0);
    expect(res.body.memory_mb).toBeGreaterThan(0);
  });

  it("answers 503 and names the dependency that fails", async () => {
    const { app } = setup({ postgres: () => Promise.resolve(), redis: () => Promise.reject(new Error("ECONNREFUSED 127.0.0.1:6379")) });
    const res = await request(app).get("/health");

    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: "degraded", dependencies: { postgres: "up", redis: "down" }, details: { redis: "ECONNREFUSED 127.0.0.1:6379" } });
  });

  it("answers 503 within the timeout when a dependency hangs", async () => {
    const { app } = setup({ postgres: () => Promise.resolve(), redis: () => new Promise(() => {}) }, 50);
    const started = Date.now();
    const res = await request(app).get("/health");

    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(503);
    expect(res.body.dependencies).toEqual({ postgres: "up", redis: "down" });
    expect(res.body.details.redis).toContain("50 ms");
  });

  it("answers /health/live with 200 alive while a dependency is down, without asking it", async () => {
    let asked = 0;
    const { app } = setup({
      postgres: () => {
        asked += 1;
        return Promise.reject(new Error("ECONNREFUSED 127.0.0.1:5432"));
      },
      redis: () => new Promise(() => {}),
    }, 50);
    const live = await request(app).get("/health/live");
    const ready = await request(app).get("/health");

    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: "alive" });
    expect(ready.status).toBe(503);
    // Only the readiness request ran the checks.
    expect(asked).toBe(1);
  });

  it("reports a dependency switched off by configuration as disabled and stays healthy", async () => {
    const { app } = setup({ postgres: () => Promise.resolve(), mongo: null });
    const res = await request(app).get("/health");

    expect(res.status).toBe(200);
    expect(res.body.dependencies).toEqual({ postgres: "up", mongo: "disabled" });
  });
});
