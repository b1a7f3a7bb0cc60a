// The dashboard WebSocket on real HTTP servers (port 0), real Redis and Postgres,
// with the `ws` client a dashboard would use: who gets in, which events reach
// whom (across two gateway replicas), and how slow, dead and departing clients
// are dealt with.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT } from "jose";
import type pg from "pg";
import { STREAMS } from "@fleet/contracts";
import { STREAM_DATA_FIELD, appendToStream, closeHttp, createMetrics, createPostgresPool, createRedisClient, type RedisClient } from "@fleet/service-kit";
import { createTestDatabase, createTestRedis, memoryLogger, type TestDatabase, type TestRedis } from "@fleet/testing";
import { AUDIENCE, ISSUER, createTokens } from "../src/auth/tokens.js";
import { createDashboardEventsConsumer, type DashboardEventsConsumer } from "../src/consumers/dashboard-events.consumer.js";
import { createUsersRepository, type UsersRepository } from "../src/repositories/users.repository.js";
import { createDashboardPublisher, dashboardChannel } from "../src/ws/dashboard-channels.repository.js";
import { toDashboardEvent } from "../src/ws/dashboard-messages.schema.js";
import { createDashboardSocket, type DashboardSocket, type DashboardSocketOptions } from "../src/ws/dashboard.socket.js";
import { connectDashboard, dashboardProtocols, fleetEvent, refusedUpgrade, seedUser, type DashboardClient, type SeededUser } from "./dashboard-client.js";

const jwtSecret = randomBytes(32).toString("hex");
const tokens = createTokens({ secret: jwtSecret, ttlSeconds: 900 });

let database: TestDatabase;
let testRedis: TestRedis;
let pool: pg.Pool;
let users: UsersRepository;
let alphaOwner: SeededUser;
let alphaViewer: SeededUser;
let betaOwner: SeededUser;

interface Instance {
  url: string;
  server: Server;
  socket: DashboardSocket;
  registry: ReturnType<typeof createMetrics>["registry"];
  logs: Record<string, unknown>[];
  consumer: DashboardEventsConsumer | null;
  close(): Promise<void>;
}

const instances: Instance[] = [];
const clients: DashboardClient[] = [];
let replica = 0;


/** One gateway replica: an HTTP server with the dashboard socket and, unless `consume` is false, the events consumer. */
async function startInstance(options: Partial<Omit<DashboardSocketOptions, "server">> & { consume?: boolean } = {}): Promise<Instance> {
  const { consume = true, ...socketOptions } = options;
  const name = `replica-${++replica}`;
  const { logger, lines } = memoryLogger("gateway", "info");
  const { registry } = createMetrics("gateway");
  const connection = (blocking: boolean): RedisClient => createRedisClient({ url: testRedis.url, keyPrefix: testRedis.prefix, logger, name, blocking });
  const server = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const subscriber = connection(true);
  const socket = createDashboardSocket({ server, tokens, users, subscriber, keyPrefix: testRedis.prefix, logger, registry, ...socketOptions });
  const redis = connection(false);
  const blockingRedis = connection(true);
  const consumer = consume
    ? createDashboardEventsConsumer({ redis, blockingRedis, keyPrefix: testRedis.prefix, consumerName: name, logger, registry, maxAgeMs: 60_000, blockMs: 200 })
    : null;
  await consumer?.start();
  const instance: Instance = {
    url: `ws://127.0.0.1:${port}/ws`,
    server,
    socket,
    registry,
    logs: lines,
    consumer,
    async close() {
      const closing = server.listening ? closeHttp(server) : Promise.resolve();
      await socket.close();
      await closing;
      await consumer?.stop();
      await Promise.all([subscriber.quit(), redis.quit(), blockingRedis.quit()]);
    },
  };
  instances.push(instance);
  return instance;
}

async function connect(instance: Instance, user: SeededUser, options?: Parameters<typeof connectDashboard>[2]): Promise<DashboardClient> {
  const { token } = await tokens.issueAccessToken({ userId: user.id, tenantId: user.tenantId, role: user.role });
  const client = await connectDashboard(instance.url, token, options);
  clients.push(client);
  return client;
}

async function metricValue(instance: Instance, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = instance.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values.filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted)).reduce((sum, value) => sum + value.value, 0);
}

async function eventually(probe: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  [database, testRedis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  const { logger } = memoryLogger("gateway", "info");
  pool = createPostgresPool({ url: database.url, schema: "gateway", logger });
  users = createUsersRepository(pool);
  alphaOwner = await seedUser(pool, "alpha", "owner");
  alphaViewer = await seedUser(pool, "alpha", "viewer");
  betaOwner = await seedUser(pool, "beta", "owner");
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await Promise.all(instances.splice(0).map((instance) => instance.close()));
});

afterAll(async () => {
  await pool?.end();
  await Promise.all([testRedis?.cleanup(), database?.drop()]);
});

describe("dashboard WebSocket: events", () => {
  it("pushes its tenant's events appended to the events stream, without the tenant or the emitting service", async () => {
    const gateway = await startInstance();
    const client = await connect(gateway, alphaOwner);
    expect(client.ws.protocol).toBe("fleet.v1");

    const event = fleetEvent(alphaOwner.tenantId, { type: "message.sent", attributes: { provider: "meta", response_ms: 420 } });
    await appendToStream(testRedis.redis, STREAMS.events, event);

    const received = await client.waitForEvent((e) => e.id === event.id);
    expect(received).toEqual({
      kind: "event",
      id: event.id,
      type: "message.sent",
      occurredAt: event.occurredAt,
      botId: "bot-1",
      contact: "5215550001",
      attributes: { provider: "meta", response_ms: 420 },
    });
    const frame = client.raw.find((text) => text.includes(event.id)) ?? "";
    expect(frame).not.toContain(alphaOwner.tenantId);
    expect(frame).not.toContain("bot-orchestrator");
    expect(await metricValue(gateway, "dashboard_events_published_total")).toBeGreaterThanOrEqual(1);
    expect(await metricValue(gateway, "dashboard_ws_messages_sent_total")).toBeGreaterThanOrEqual(2);
  });

  it("never pushes another tenant's events", async () => {
    const gateway = await startInstance();
    const alpha = await connect(gateway, alphaOwner);
    const beta = await connect(gateway, betaOwner);

    const betaEvents = Array.from({ length: 5 }, () => fleetEvent(betaOwner.tenantId, { contact: "5215559999" }));
    const alphaEvent = fleetEvent(alphaOwner.tenantId);
    for (const event of [...betaEvents, alphaEvent]) await appendToStream(testRedis.redis, STREAMS.events, event);

    await alpha.waitForEvent((e) => e.id === alphaEvent.id);
    for (const event of betaEvents) await beta.waitForEvent((e) => e.id === event.id);
    // Both tenants' events came through the same subscriber connection: a misrouted one would be here by now.
    const betaIds = new Set(betaEvents.map((event) => event.id));
    expect(alpha.events().filter((e) => betaIds.has(e.id))).toEqual([]);
    expect(alpha.raw.join("\n")).not.toContain("5215559999");
    expect(beta.events().some((e) => e.id === alphaEvent.id)).toBe(false);
  });

  it("delivers to a client on replica B an event consumed by replica A", async () => {
    const replicaA = await startInstance();
    const replicaB = await startInstance({ consume: false });
    const onB = await connect(replicaB, alphaOwner);

    const event = fleetEvent(alphaOwner.tenantId, { type: "handoff.requested" });
    await appendToStream(testRedis.redis, STREAMS.events, event);

    await onB.waitForEvent((e) => e.id === event.id && e.type === "handoff.requested");
    expect(await metricValue(replicaA, "dashboard_events_published_total")).toBeGreaterThanOrEqual(1);
    expect(await metricValue(replicaB, "dashboard_events_published_total")).toBe(0);
  });

  it("delivers each event once to each client when every replica consumes the stream", async () => {
    const replicaA = await startInstance();
    const replicaB = await startInstance();
    const onA = await connect(replicaA, alphaOwner);
    const onB = await connect(replicaB, alphaViewer);

    const events = Array.from({ length: 30 }, () => fleetEvent(alphaOwner.tenantId));
    for (const event of events) await appendToStream(testRedis.redis, STREAMS.events, event);
    const ids = new Set(events.map((event) => event.id));

    for (const client of [onA, onB]) {
      await eventually(() => new Set(client.events().filter((e) => ids.has(e.id)).map((e) => e.id)).size === events.length);
    }
    await sleep(300);
    for (const client of [onA, onB]) expect(client.events().filter((e) => ids.has(e.id))).toHaveLength(events.length);
  });

  it("skips and counts entries that are not valid events, and events too old to be live, and keeps going", async () => {
    const gateway = await startInstance();
    const client = await connect(gateway, alphaOwner);

    await testRedis.redis.xadd(STREAMS.events, "*", STREAM_DATA_FIELD, "{not json");
    await appendToStream(testRedis.redis, STREAMS.events, { ...fleetEvent(alphaOwner.tenantId), type: "message.teleported" });
    await appendToStream(testRedis.redis, STREAMS.events, { ...fleetEvent(alphaOwner.tenantId), tenantId: undefined });
    const old = fleetEvent(alphaOwner.tenantId, { occurredAt: new Date(Date.now() - 3_600_000).toISOString() });
    await appendToStream(testRedis.redis, STREAMS.events, old);
    const fine = fleetEvent(alphaOwner.tenantId);
    await appendToStream(testRedis.redis, STREAMS.events, fine);

    await client.waitForEvent((e) => e.id === fine.id);
    await eventually(async () => (await metricValue(gateway, "dashboard_events_skipped_total", { reason: "malformed" })) === 3);
    expect(await metricValue(gateway, "dashboard_events_skipped_total", { reason: "stale" })).toBe(1);
    expect(client.events().some((e) => e.id === old.id || e.type === "message.teleported")).toBe(false);
    // Skipped entries are acknowledged: nothing stays pending in the group.
    await eventually(async () => ((await testRedis.redis.xpending(STREAMS.events, "gateway-dashboard")) as [number])[0] === 0);
  });

  it("refuses a channel message that names another tenant than its channel's", async () => {
    const gateway = await startInstance({ consume: false });
    const alpha = await connect(gateway, alphaOwner);
    const forged = toDashboardEvent(fleetEvent(betaOwner.tenantId));
    await testRedis.redis.publish(dashboardChannel(testRedis.prefix, alphaOwner.tenantId), JSON.stringify({ tenantId: betaOwner.tenantId, event: forged }));
    const proper = toDashboardEvent(fleetEvent(alphaOwner.tenantId));
    await createDashboardPublisher({ redis: testRedis.redis, keyPrefix: testRedis.prefix }).publish(alphaOwner.tenantId, proper);

    await alpha.waitForEvent((e) => e.id === proper.id);
    expect(alpha.events().some((e) => e.id === forged.id)).toBe(false);
    expect(await metricValue(gateway, "dashboard_events_skipped_total", { reason: "bad_publication" })).toBe(1);
  });

  it("publishes what one turn gives a tenant as one publication, in order, and still reads a publication of one event", async () => {
    const gateway = await startInstance({ consume: false });
    const alpha = await connect(gateway, alphaOwner);
    const listener = testRedis.redis.duplicate();
    const publications: string[] = [];
    try {
      await listener.subscribe(dashboardChannel(testRedis.prefix, alphaOwner.tenantId));
      listener.on("message", (_channel: string, message: string) => publications.push(message));
      const publisher = createDashboardPublisher({ redis: testRedis.redis, keyPrefix: testRedis.prefix });
      const events = Array.from({ length: 3 }, () => toDashboardEvent(fleetEvent(alphaOwner.tenantId)));
      // This test's listener and the gateway's subscriber: two receivers, told to every caller.
      expect(await Promise.all(events.map((event) => publisher.publish(alphaOwner.tenantId, event)))).toEqual([2, 2, 2]);
      await eventually(() => publications.length === 1);
      expect((JSON.parse(publications[0] ?? "{}") as { events: { id: string }[] }).events.map((event) => event.id)).toEqual(events.map((event) => event.id));
      for (const event of events) await alpha.waitForEvent((e) => e.id === event.id);
      expect(alpha.events().filter((e) => events.some((event) => event.id === e.id)).map((e) => e.id)).toEqual(events.map((event) => event.id));

      const single = toDashboardEvent(fleetEvent(alphaOwner.tenantId));
      await testRedis.redis.publish(dashboardChannel(testRedis.prefix, alphaOwner.tenantId), JSON.stringify({ tenantId: alphaOwner.tenantId, event: single }));
      await alpha.waitForEvent((e) => e.id === single.id);
    } finally {
      listener.disconnect();
    }
  });

  it("sends bot pairing events (QR codes) only to roles that may connect bots", async () => {
    const gateway = await startInstance({ consume: false });
    const owner = await connect(gateway, alphaOwner);
    const viewer = await connect(gateway, alphaViewer);
    const publisher = createDashboardPublisher({ redis: testRedis.redis, keyPrefix: testRedis.prefix });
    const qr = { ...toDashboardEvent(fleetEvent(alphaOwner.tenantId)), type: "bot.qr_updated", attributes: { qr: "2@abc" } };
    const after = toDashboardEvent(fleetEvent(alphaOwner.tenantId));
    await publisher.publish(alphaOwner.tenantId, qr);
    await publisher.publish(alphaOwner.tenantId, after);

    await owner.waitForEvent((e) => e.id === qr.id);
    await viewer.waitForEvent((e) => e.id === after.id);
    expect(viewer.events().some((e) => e.id === qr.id)).toBe(false);
  });
});

describe("dashboard WebSocket: authentication", () => {
  async function signed(claims: Record<string, unknown>, { secret = jwtSecret, expiresIn = "10m" as string | number } = {}) {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(new TextEncoder().encode(secret));
  }

  it("refuses with 401 an upgrade without a token, or with the token in the URL, before any WebSocket exists", async () => {
    const gateway = await startInstance({ consume: false });
    const { token } = await tokens.issueAccessToken({ userId: alphaOwner.id, tenantId: alphaOwner.tenantId, role: "owner" });

    expect(await refusedUpgrade(gateway.url)).toMatchObject({ status: 401, body: { error: { code: "UNAUTHENTICATED", requestId: expect.any(String) } } });
    expect((await refusedUpgrade(gateway.url, ["fleet.v1"])).status).toBe(401);
    expect((await refusedUpgrade(`${gateway.url}?access_token=${token}`, ["fleet.v1"])).status).toBe(401);
    expect(await metricValue(gateway, "dashboard_ws_upgrades_refused_total", { reason: "missing_token" })).toBe(3);
    expect(gateway.socket.connections).toBe(0);
  });

  it("refuses with 401 a forged, expired or malformed token and logs the refusal without the token", async () => {
    const gateway = await startInstance({ consume: false });
    const claims = { sub: alphaOwner.id, tid: alphaOwner.tenantId, role: "owner" };
    const forged = await signed(claims, { secret: randomBytes(32).toString("hex") });
    const expired = await signed(claims, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    for (const token of [forged, expired, "not-a-jwt"]) {
      expect((await refusedUpgrade(gateway.url, dashboardProtocols(token))).status).toBe(401);
    }
    expect(await metricValue(gateway, "dashboard_ws_upgrades_refused_total", { reason: "invalid_token" })).toBe(3);
    const refusals = gateway.logs.filter((line) => line.message === "websocket upgrade refused");
    expect(refusals).toHaveLength(3);
    const logged = JSON.stringify(gateway.logs);
    for (const token of [forged, expired]) expect(logged).not.toContain(token.split(".")[2]);
  });

  it("refuses with 401 a valid token of a disabled user", async () => {
    const gateway = await startInstance({ consume: false });
    const disabled = await seedUser(pool, "alpha", "agent");
    await pool.query("UPDATE users SET disabled_at = now() WHERE id = $1", [disabled.id]);
    const { token } = await tokens.issueAccessToken({ userId: disabled.id, tenantId: disabled.tenantId, role: "agent" });
    expect((await refusedUpgrade(gateway.url, dashboardProtocols(token))).status).toBe(401);
    expect(await metricValue(gateway, "dashboard_ws_upgrades_refused_total", { reason: "inactive_user" })).toBe(1);
  });

  it("refuses with 400 a client that does not offer the fleet.v1 subprotocol", async () => {
    const gateway = await startInstance({ consume: false });
    const { token } = await tokens.issueAccessToken({ userId: alphaOwner.id, tenantId: alphaOwner.tenantId, role: "owner" });
    expect((await refusedUpgrade(gateway.url, [`bearer.${token}`])).status).toBe(400);
  });

  it("closes the socket with 4401 when its token expires", async () => {
    const gateway = await startInstance({ consume: false });
    const token = await signed({ sub: alphaOwner.id, tid: alphaOwner.tenantId, role: "owner" }, { expiresIn: Math.floor(Date.now() / 1000) + 2 });
    const client = await connectDashboard(gateway.url, token);
    clients.push(client);
    expect(await client.closed).toEqual({ code: 4401, reason: "token expired" });
  });

  it("closes with 4401 the socket of a user disabled while connected", async () => {
    const gateway = await startInstance({ consume: false, userRecheckIntervalMs: 200 });
    const agent = await seedUser(pool, "alpha", "agent");
    const client = await connect(gateway, agent);
    const other = await connect(gateway, alphaOwner);
    await pool.query("UPDATE users SET disabled_at = now() WHERE id = $1", [agent.id]);
    expect(await client.closed).toEqual({ code: 4401, reason: "user disabled" });
    expect(other.ws.readyState).toBe(other.ws.OPEN);
  });

  it("refuses with 429 a tenant's connection beyond the per-tenant limit, other tenants unaffected", async () => {
    const gateway = await startInstance({ consume: false, maxConnectionsPerTenant: 1 });
    await connect(gateway, alphaOwner);
    const { token } = await tokens.issueAccessToken({ userId: alphaViewer.id, tenantId: alphaViewer.tenantId, role: "viewer" });
    expect((await refusedUpgrade(gateway.url, dashboardProtocols(token))).status).toBe(429);
    await connect(gateway, betaOwner);
    expect(gateway.socket.connections).toBe(2);
  });
});

describe("dashboard WebSocket: slow, dead and departing clients", () => {
  it("closes with 4008 a client that stops reading once its send buffer passes the limit, while others keep receiving", async () => {
    const gateway = await startInstance({ maxBufferedBytes: 64 * 1024, pingIntervalMs: 60_000 });
    const slow = await connect(gateway, alphaOwner);
    const fast = await connect(gateway, alphaViewer);
    slow.ws.pause();

    // The kernel's socket buffers take several megabytes before anything stays queued in the gateway.
    const bulk = "x".repeat(32 * 1024);
    let appended = 0;
    while ((await metricValue(gateway, "dashboard_ws_slow_clients_dropped_total")) === 0) {
      if (appended >= 3000) throw new Error("the slow client was never dropped");
      for (let i = 0; i < 50; i++) await appendToStream(testRedis.redis, STREAMS.events, fleetEvent(alphaOwner.tenantId, { attributes: { bulk } }));
      appended += 50;
      await sleep(50);
    }

    const last = fleetEvent(alphaOwner.tenantId);
    await appendToStream(testRedis.redis, STREAMS.events, last);
    await fast.waitForEvent((e) => e.id === last.id, 15_000);
    expect(fast.ws.readyState).toBe(fast.ws.OPEN);

    slow.ws.resume();
    expect(await slow.closed).toEqual({ code: 4008, reason: "slow consumer" });
    expect(slow.events().some((e) => e.id === last.id)).toBe(false);
    expect(gateway.logs.some((line) => line.message === "dashboard client too slow: closing it")).toBe(true);
  }, 60_000);

  it("cuts a client that stops answering pings, and keeps one that answers", async () => {
    const gateway = await startInstance({ consume: false, pingIntervalMs: 200 });
    const dead = await connect(gateway, alphaOwner, { autoPong: false });
    const alive = await connect(gateway, alphaViewer);

    const { code } = await dead.closed;
    expect(code).toBe(1006);
    expect(await metricValue(gateway, "dashboard_ws_heartbeat_timeouts_total")).toBe(1);
    await sleep(500);
    expect(alive.ws.readyState).toBe(alive.ws.OPEN);
    await eventually(async () => (await metricValue(gateway, "dashboard_ws_connections")) === 1);
  });

  it("on shutdown closes every client with 1001 and lets the HTTP server close at once", async () => {
    const gateway = await startInstance();
    const first = await connect(gateway, alphaOwner);
    const second = await connect(gateway, betaOwner);

    const started = Date.now();
    // The runtime's order: stop accepting, close the sockets, wait for the server.
    const httpClosed = closeHttp(gateway.server);
    await gateway.socket.close();
    await httpClosed;
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await first.closed).toEqual({ code: 1001, reason: "server shutting down" });
    expect(await second.closed).toEqual({ code: 1001, reason: "server shutting down" });
    expect(await metricValue(gateway, "dashboard_ws_connections")).toBe(0);
    // Unsubscribed: this replica no longer receives its former tenants' channels.
    const [, listeners] = (await testRedis.redis.pubsub("NUMSUB", dashboardChannel(testRedis.prefix, alphaOwner.tenantId))) as [string, number];
    expect(listeners).toBe(0);
  });

  it("answers 503 to an upgrade that arrives while it is closing", async () => {
    const gateway = await startInstance({ consume: false, closeTimeoutMs: 1000 });
    // A client that never finishes the closing handshake keeps close() busy for closeTimeoutMs.
    const stubborn = await connect(gateway, alphaOwner);
    stubborn.ws.pause();
    const closing = gateway.socket.close();
    const { token } = await tokens.issueAccessToken({ userId: betaOwner.id, tenantId: betaOwner.tenantId, role: "owner" });
    expect((await refusedUpgrade(gateway.url, dashboardProtocols(token))).status).toBe(503);
    await closing;
  });
});
