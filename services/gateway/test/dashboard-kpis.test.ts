// KPI pushes on the dashboard WebSocket, with the `ws` client a dashboard uses, against two gateway
// replicas in-process (the gateway app on real HTTP servers, port 0; real Redis and Postgres): events
// the analytics worker counts bring each of the shop's sockets, on either replica, a "kpis" frame
// with the body of GET /api/analytics/metrics?range=24h; a burst across both replicas is pushed at
// most once per interval; other shops and events that change no KPI bring none.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { STREAMS, hourBucket, rollupKeys, type AnalyticsEvent } from "@fleet/contracts";
import { appendToStream, closeHttp, createMetrics, createRedisClient, type RedisClient } from "@fleet/service-kit";
import { memoryLogger } from "@fleet/testing";
import { createTokens } from "../src/auth/tokens.js";
import { createDashboardEventsConsumer, type DashboardEventsConsumer } from "../src/consumers/dashboard-events.consumer.js";
import { createUsersRepository } from "../src/repositories/users.repository.js";
import type { DashboardKpis } from "../src/ws/dashboard-messages.schema.js";
import { createDashboardSocket, type DashboardSocket } from "../src/ws/dashboard.socket.js";
import { KPI_EVENT_TYPES, createKpiPushes, type KpiPushes } from "../src/ws/kpi-pushes.js";
import { COUNTED_FIELD } from "../../analytics-worker/src/rollups/fold-event.js";
import { connectDashboard, fleetEvent, type DashboardClient } from "./dashboard-client.js";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";

const INTERVAL_MS = 600;
let h: GatewayHarness;
let alphaOwner: SeededUser;
let alphaViewer: SeededUser;
let betaOwner: SeededUser;

interface Replica {
  url: string;
  server: Server;
  socket: DashboardSocket;
  consumer: DashboardEventsConsumer;
  pushes: KpiPushes;
  connections: RedisClient[];
}
const replicas: Replica[] = [];
const clients: DashboardClient[] = [];

/** One gateway replica: the app on an HTTP server with the dashboard socket, the events consumer and the KPI pushes. */
async function startReplica(name: string): Promise<Replica> {
  const { logger } = memoryLogger("gateway", "error");
  const { registry } = createMetrics("gateway");
  const connections: RedisClient[] = [];
  const connection = (blocking: boolean) => {
    const client = createRedisClient({ url: h.testRedis.url, keyPrefix: h.testRedis.prefix, logger, name, blocking });
    connections.push(client);
    return client;
  };
  const server = createServer(h.app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const socket = createDashboardSocket({
    server,
    tokens: createTokens({ secret: h.jwtSecret, ttlSeconds: 900 }),
    users: createUsersRepository(h.pool),
    subscriber: connection(true),
    keyPrefix: h.testRedis.prefix,
    logger,
    registry,
  });
  const redis = connection(false);
  const pushes = createKpiPushes({ redis, keyPrefix: h.testRedis.prefix, intervalMs: INTERVAL_MS, kpis: (tenantId) => h.analytics.liveKpis(tenantId), logger });
  const consumer = createDashboardEventsConsumer({ redis, blockingRedis: connection(true), keyPrefix: h.testRedis.prefix, consumerName: name, logger, registry, maxAgeMs: 60_000, blockMs: 100, kpiPushes: pushes });
  await consumer.start();
  const replica = { url: `ws://127.0.0.1:${port}/ws`, server, socket, consumer, pushes, connections };
  replicas.push(replica);
  return replica;
}

async function connect(replica: Replica, user: SeededUser): Promise<DashboardClient> {
  const client = await connectDashboard(replica.url, await tokenFor(h, user));
  clients.push(client);
  return client;
}

const kpiFrames = (client: DashboardClient): DashboardKpis[] => client.messages.flatMap((message) => (message.kind === "kpis" ? [message] : []));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** An event as a service appends it, after the analytics worker has folded it (its hour bucket counts it). */
async function emit(tenantId: string, fields: Partial<AnalyticsEvent> = {}): Promise<void> {
  const event = fleetEvent(tenantId, fields);
  if (event.type === "message.received") await h.testRedis.redis.hincrby(rollupKeys.hour(tenantId, hourBucket(new Date(event.occurredAt))), "in", 1);
  await appendToStream(h.testRedis.redis, STREAMS.events, event);
}

let a: Replica;
let b: Replica;

beforeAll(async () => {
  h = await startGateway();
  alphaOwner = await h.createUser({ tenant: "kpis-alpha", email: "duena@kpis-alpha.test", role: "owner" });
  alphaViewer = await h.createUser({ tenant: "kpis-alpha", email: "mira@kpis-alpha.test", role: "viewer" });
  betaOwner = await h.createUser({ tenant: "kpis-beta", email: "duena@kpis-beta.test", role: "owner" });
  a = await startReplica("replica-a");
  b = await startReplica("replica-b");
});

afterAll(async () => {
  for (const client of clients) client.ws.terminate();
  for (const replica of replicas) {
    replica.pushes.stop();
    const closing = closeHttp(replica.server);
    await replica.socket.close();
    await closing;
    await replica.consumer.stop();
    await Promise.all(replica.connections.map((connection) => connection.quit()));
  }
  await h?.close();
});

describe("dashboard WebSocket: KPI pushes", () => {
  it("follows the analytics worker: the event types that trigger a push are exactly those it counts", () => {
    expect([...KPI_EVENT_TYPES].sort()).toEqual(Object.keys(COUNTED_FIELD).sort());
  });

  it("pushes the shop's last-24-h KPIs (the metrics body) to its sockets on every replica, throttled across replicas, and nothing to another shop", async () => {
    const owner = await connect(a, alphaOwner);
    const viewer = await connect(b, alphaViewer);
    const stranger = await connect(a, betaOwner);
    // A burst of received messages over ~1.5 intervals; the consumer group spreads it over both replicas.
    const started = Date.now();
    for (let i = 0; i < 9; i++) {
      await emit(alphaOwner.tenantId);
      await sleep(INTERVAL_MS / 6);
    }
    // The tail of the burst is pushed too: the last frame counts all nine.
    await eventually(() => kpiFrames(owner).at(-1)?.kpis.messagesIn === 9 && kpiFrames(viewer).at(-1)?.kpis.messagesIn === 9, 10 * INTERVAL_MS);
    await sleep(2 * INTERVAL_MS);

    for (const client of [owner, viewer]) {
      const frames = kpiFrames(client);
      const times = frames.map((frame) => Date.parse(frame.at));
      // At most one per interval (a little slack for timer drift), and never more than the elapsed time allows.
      for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(INTERVAL_MS - 50);
      expect(frames.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / INTERVAL_MS));
      expect(frames.length).toBeGreaterThanOrEqual(1);
    }
    // Both replicas' sockets got the same pushes (one publication per push).
    expect(kpiFrames(viewer).map((frame) => frame.at)).toEqual(kpiFrames(owner).map((frame) => frame.at));
    expect(kpiFrames(stranger)).toEqual([]);

    const last = kpiFrames(owner).at(-1);
    const http = await request(h.app).get("/api/analytics/metrics?range=24h").set("authorization", `Bearer ${await tokenFor(h, alphaOwner)}`);
    expect(http.status).toBe(200);
    expect({ ...last?.kpis, range: null }).toEqual({ ...http.body, range: null });
    expect(last).toMatchObject({ range: "24h", kpis: { messagesIn: 9, timeZone: expect.any(String), engagementByHour: expect.any(Array) } });
  });

  it("pushes nothing for events that change no KPI", async () => {
    const owner = await connect(a, betaOwner);
    await emit(betaOwner.tenantId, { type: "message.status", attributes: { status: "read" } });
    await emit(betaOwner.tenantId, { type: "order.status_changed", attributes: { from: "pending", to: "paid" } });
    await owner.waitForEvent((event) => event.type === "order.status_changed");
    await sleep(2 * INTERVAL_MS);
    expect(kpiFrames(owner)).toEqual([]);
  });
});
