// The dashboard WebSocket as main.ts wires it, in the real gateway process: a
// client gets events from the stream, and SIGTERM closes it with 1001 without
// the open socket holding the HTTP server's close until the shutdown deadline.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { STREAMS } from "@fleet/contracts";
import { appendToStream, createLogger, createPostgresPool, prefixedKey } from "@fleet/service-kit";
import { createTestDatabase, createTestRedis, startServiceProcess, type ServiceProcess, type TestDatabase, type TestRedis } from "@fleet/testing";
import { createTokens } from "../src/auth/tokens.js";
import { DASHBOARD_EVENTS_GROUP } from "../src/consumers/dashboard-events.consumer.js";
import { connectDashboard, fleetEvent, seedUser, type SeededUser } from "./dashboard-client.js";

const entry = new URL("../dist/main.js", import.meta.url);
const jwtSecret = randomBytes(32).toString("hex");

let database: TestDatabase;
let testRedis: TestRedis;
let pool: pg.Pool;
let owner: SeededUser;
let service: ServiceProcess;

async function groupExists(): Promise<boolean> {
  if ((await testRedis.redis.exists(STREAMS.events)) === 0) return false;
  const groups = (await testRedis.redis.xinfo("GROUPS", prefixedKey(testRedis.redis, STREAMS.events))) as unknown[][];
  return groups.some((group) => group.includes(DASHBOARD_EVENTS_GROUP));
}

beforeAll(async () => {
  [database, testRedis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  pool = createPostgresPool({ url: database.url, schema: "gateway", logger: createLogger({ service: "test", level: "error" }) });
  owner = await seedUser(pool, "alpha", "owner");
  service = await startServiceProcess(entry, {
    DATABASE_URL: database.url,
    REDIS_URL: testRedis.url,
    REDIS_KEY_PREFIX: testRedis.prefix,
    JWT_SECRET: jwtSecret,
    ADAPTER_GRPC_URL: "127.0.0.1:1",
  });
});

afterAll(async () => {
  await service?.stop("SIGKILL");
  await pool?.end();
  await Promise.all([testRedis?.cleanup(), database?.drop()]);
});

describe("gateway process: dashboard WebSocket", () => {
  it("pushes stream events to /ws, and on SIGTERM closes the socket with 1001 and exits cleanly at once", async () => {
    const { token } = await createTokens({ secret: jwtSecret, ttlSeconds: 900 }).issueAccessToken({ userId: owner.id, tenantId: owner.tenantId, role: "owner" });
    const client = await connectDashboard(`${service.httpUrl.replace(/^http/, "ws")}/ws`, token);

    const deadline = Date.now() + 5000;
    while (!(await groupExists()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const event = fleetEvent(owner.tenantId, { type: "conversation.started" });
    await appendToStream(testRedis.redis, STREAMS.events, event);
    await client.waitForEvent((e) => e.id === event.id);

    const metrics = await (await fetch(`${service.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^dashboard_ws_connections\{[^}]*\} 1$/m);

    const started = Date.now();
    const code = await service.stop("SIGTERM");
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await client.closed).toEqual({ code: 1001, reason: "server shutting down" });
    expect(service.logs.some((line) => line.message === "stopped" && line.clean === true)).toBe(true);
  });
});
