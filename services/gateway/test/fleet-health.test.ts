// GET /api/health: the gateway's own health plus every service's /health,
// fetched from real HTTP servers standing in for the services.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { IncomingMessage, ServerResponse } from "node:http";
import request from "supertest";
import { freePort, listen, type Listening } from "@fleet/testing";
import { startGateway, type GatewayHarness } from "./gateway.harness.js";

function report(status: "ok" | "degraded", service: string, extra: Record<string, unknown> = {}) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status === "ok" ? 200 : 503, { "content-type": "application/json" });
    res.end(JSON.stringify({ status, service, version: "1.2.3", uptime_s: 12, memory_mb: 80, dependencies: { postgres: "up", redis: status === "ok" ? "up" : "down" }, ...extra }));
  };
}

const servers: Listening[] = [];
const gateways: GatewayHarness[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = await listen(handler);
  servers.push(server);
  return server.url;
}

async function gatewayWith(services: Record<string, string>, healthTimeoutMs = 1000): Promise<GatewayHarness> {
  const gateway = await startGateway({ services, healthTimeoutMs });
  gateways.push(gateway);
  return gateway;
}

let okUrl: string;
let degradedUrl: string;
let closedUrl: string;

beforeAll(async () => {
  okUrl = await serve(report("ok", "whatsapp-adapter"));
  degradedUrl = await serve(report("degraded", "bot-orchestrator", { details: { redis: "connect ECONNREFUSED 10.0.0.7:6379" } }));
  closedUrl = `http://127.0.0.1:${await freePort()}`;
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await Promise.all(servers.map((s) => s.close()));
});

describe("GET /api/health", () => {
  it("is 503 with each service's status when one is degraded and one unreachable, without internal addresses", async () => {
    const gateway = await gatewayWith({ "whatsapp-adapter": okUrl, "bot-orchestrator": degradedUrl, "analytics-worker": closedUrl });
    const response = await request(gateway.app).get("/api/health");
    expect(response.status).toBe(503);
    expect(response.body).toEqual({
      status: "degraded",
      services: {
        gateway: expect.objectContaining({ status: "ok", dependencies: { postgres: "up", redis: "up" } }),
        "whatsapp-adapter": { status: "ok", version: "1.2.3", uptime_s: 12, memory_mb: 80, dependencies: { postgres: "up", redis: "up" } },
        "bot-orchestrator": { status: "degraded", version: "1.2.3", uptime_s: 12, memory_mb: 80, dependencies: { postgres: "up", redis: "down" } },
        "analytics-worker": { status: "unreachable", error: "connection refused" },
      },
    });
    const text = JSON.stringify(response.body);
    expect(text).not.toContain("127.0.0.1");
    expect(text).not.toContain("10.0.0.7");
  });

  it("is 200 and ok when every service is ok, without authentication", async () => {
    const gateway = await gatewayWith({ "whatsapp-adapter": okUrl, "bot-orchestrator": okUrl, "analytics-worker": okUrl });
    const response = await request(gateway.app).get("/api/health");
    expect(response.status).toBe(200);
    expect(response.body.status).toBe("ok");
    expect(Object.keys(response.body.services).sort()).toEqual(["analytics-worker", "bot-orchestrator", "gateway", "whatsapp-adapter"]);
    expect(response.body.services.gateway).toMatchObject({ status: "ok", version: "0.0.0-test" });
  });

  it("calls a service that does not answer in time unreachable, and answers within the timeout", async () => {
    const hanging = await serve(() => {
      // Never answers.
    });
    const gateway = await gatewayWith({ "whatsapp-adapter": okUrl, "bot-orchestrator": hanging, "analytics-worker": okUrl }, 300);
    const started = Date.now();
    const response = await request(gateway.app).get("/api/health");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(response.status).toBe(503);
    expect(response.body.services["bot-orchestrator"]).toEqual({ status: "unreachable", error: "no answer within 300 ms" });
    expect(response.body.services["whatsapp-adapter"].status).toBe("ok");
  });

  it("does not take an answer that is not a health report for one", async () => {
    const teapot = await serve((_req, res) => {
      res.writeHead(500, { "content-type": "text/html" });
      res.end("<h1>Internal Server Error at 10.1.2.3</h1>");
    });
    const gateway = await gatewayWith({ "whatsapp-adapter": teapot });
    const response = await request(gateway.app).get("/api/health");
    expect(response.status).toBe(503);
    expect(response.body.services["whatsapp-adapter"]).toEqual({ status: "unreachable", error: "unexpected answer (HTTP 500)" });
  });
});
