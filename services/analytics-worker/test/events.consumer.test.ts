// The events consumer on real Redis: with an in-memory repository (always), and
// end to end into MongoDB when MONGO_URL is set. The worker process itself is
// driven too, with storage disabled and with MongoDB unreachable.
import { describe, it, expect, beforeAll, beforeEach, afterAll, afterEach } from "@jest/globals";
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import mongodb from "mongodb";
import { Registry } from "prom-client";
import { STREAMS } from "@fleet/contracts";
import { STREAM_DATA_FIELD, appendToStream, createRedisClient, prefixedKey, type RedisClient } from "@fleet/service-kit";
import { createTestRedis, startServiceProcess, type ServiceProcess, type TestRedis } from "@fleet/testing";
import { EVENTS_GROUP, EventsConsumer } from "../src/consumers/events.consumer.js";
import { createAnalyticsMetrics } from "../src/metrics.js";
import { createEventsStreamRepository } from "../src/repositories/events-stream.repository.js";
import { mongoConnection, type MongoConnection } from "../src/repositories/mongo.js";
import { createEventsRepository, type EventsRepository, type StoredEvent } from "../src/repositories/events.repository.js";
import { createDescribeEvents } from "../src/use-cases/describe-events.use-case.js";
import { createRecordEvents } from "../src/use-cases/record-events.use-case.js";
import { FakeEventsRepository, analyticsEvent, capturingLogger, eventually } from "./fakes.js";

const MONGO_URL = process.env.MONGO_URL;
const MONGO_SKIP_REASON = "skipped: MONGO_URL not set (no mongod on this machine)";
if (!MONGO_URL) console.log(`analytics-worker events consumer: MongoDB tests ${MONGO_SKIP_REASON}`);
const itWithMongo = MONGO_URL ? it : it.skip;

const WORKER = new URL("../dist/main.js", import.meta.url);

async function pendingCount(redis: Redis): Promise<number> {
  try {
    const [count] = (await redis.xpending(STREAMS.events, EVENTS_GROUP)) as [number, ...unknown[]];
    return Number(count);
  } catch (error) {
    if (error instanceof Error && error.message.includes("NOGROUP")) return 0;
    throw error;
  }
}

async function groupNames(redis: Redis): Promise<string[]> {
  if ((await redis.exists(STREAMS.events)) === 0) return [];
  const groups = (await redis.xinfo("GROUPS", prefixedKey(redis, STREAMS.events))) as unknown[][];
  return groups.map((fields) => String(fields[fields.indexOf("name") + 1]));
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("events consumer on Redis", () => {
  let test: TestRedis;
  let blocking: RedisClient;
  let consumer: EventsConsumer | null = null;

  beforeEach(async () => {
    test = await createTestRedis();
    blocking = createRedisClient({ url: test.url, keyPrefix: test.prefix, logger: capturingLogger().logger, name: "test-events", blocking: true });
  });

  afterEach(async () => {
    await consumer?.stop();
    consumer = null;
    blocking.disconnect();
    await test.cleanup();
  });

  function startConsumer(repository: EventsRepository, options: { batchSize?: number; flushIntervalMs?: number; claimIdleMs?: number; maxDeliveries?: number } = {}) {
    const { logger, lines } = capturingLogger();
    const registry = new Registry();
    const metrics = createAnalyticsMetrics(registry);
    const batchSize = options.batchSize ?? 500;
    const recordEvents = createRecordEvents({ repository, logger, metrics, batchSize, flushIntervalMs: options.flushIntervalMs ?? 30 });
    consumer = new EventsConsumer({
      redis: test.redis,
      blockingRedis: blocking,
      recordEvents,
      storage: repository,
      logger,
      metrics,
      consumerName: "test-replica",
      batchSize,
      claimIdleMs: options.claimIdleMs ?? 30_000,
      maxDeliveries: options.maxDeliveries ?? 20,
      storageRetryMs: 50,
      blockMs: 100,
      registry,
    });
    consumer.start();
    const eventsStream = createEventsStreamRepository(test.redis, STREAMS.events, EVENTS_GROUP);
    const describeEvents = createDescribeEvents({ stream: eventsStream, consumer });
    return { consumer, metrics, registry, lines, describeEvents, eventsStream };
  }

  it("stores valid events and acks them; malformed entries are logged, counted, acked and do not stop the consumer", async () => {
    const repository = new FakeEventsRepository();
    const valid = analyticsEvent({ type: "message.received" });
    const failure = analyticsEvent({ type: "error", attributes: { code: "PROVIDER_DOWN" } });
    await appendToStream(test.redis, STREAMS.events, valid);
    const notJson = await test.redis.xadd(STREAMS.events, "*", STREAM_DATA_FIELD, "{not json");
    await appendToStream(test.redis, STREAMS.events, { ...analyticsEvent(), type: "message.teleported" });
    await test.redis.xadd(STREAMS.events, "*", "payload", JSON.stringify(analyticsEvent()));
    await appendToStream(test.redis, STREAMS.events, { ...analyticsEvent(), tenantId: undefined, text: "secret body 5511" });
    await appendToStream(test.redis, STREAMS.events, failure);

    const { metrics, lines } = startConsumer(repository);

    await eventually(() => repository.storedCount, (n) => n === 2);
    expect(repository.idsIn("message_logs")).toEqual([valid.id]);
    expect(repository.idsIn("system_logs")).toEqual([failure.id]);
    expect(await eventually(() => pendingCount(test.redis), (n) => n === 0)).toBe(0);
    expect((await metrics.eventsRejected.get()).values[0]?.value).toBe(4);
    const rejections = lines.filter((l) => l.message === "malformed event acknowledged without storing it");
    expect(rejections).toHaveLength(4);
    expect(rejections.map((l) => l.entryId)).toContain(notJson);
    expect(JSON.stringify(lines)).not.toContain("secret body");

    const later = analyticsEvent({ type: "order.created" });
    await appendToStream(test.redis, STREAMS.events, later);
    await eventually(() => repository.idsIn("analytics_events"), (ids) => ids.length === 1);
    expect(repository.idsIn("analytics_events")).toEqual([later.id]);
  });

  it("stores an event appended twice (a producer retry) once and acks both entries", async () => {
    const repository = new FakeEventsRepository();
    const event = analyticsEvent();
    await appendToStream(test.redis, STREAMS.events, event);
    await appendToStream(test.redis, STREAMS.events, event);

    startConsumer(repository);

    await eventually(() => repository.calls.flatMap((c) => c.ids), (ids) => ids.length === 2);
    expect(repository.calls.flatMap((c) => c.ids)).toEqual([event.id, event.id]);
    expect(repository.idsIn("message_logs")).toEqual([event.id]);
    expect(await eventually(() => pendingCount(test.redis), (n) => n === 0)).toBe(0);
    expect(await test.redis.xlen(STREAMS.events)).toBe(2);
  });

  it("pauses intake while MongoDB is unreachable, keeps every event in the stream, and writes them all when it returns", async () => {
    const repository = new FakeEventsRepository();
    const { consumer: running, describeEvents } = startConsumer(repository, { claimIdleMs: 400 });
    await eventually(() => running.status().state, (s) => s === "running");

    repository.unreachable = true;
    const first = Array.from({ length: 5 }, () => analyticsEvent());
    for (const event of first) await appendToStream(test.redis, STREAMS.events, event);
    await eventually(() => running.status().state, (s) => s === "waiting-for-storage");
    // Read and not acknowledged: they stay pending in the group.
    expect(await eventually(() => pendingCount(test.redis), (n) => n === 5)).toBe(5);
    // The read blocked at the moment of the pause (blockMs 100) has returned by now.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const second = Array.from({ length: 3 }, () => analyticsEvent({ type: "conversation.started" }));
    for (const event of second) await appendToStream(test.redis, STREAMS.events, event);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Intake is paused: the new events are not even read.
    expect(await pendingCount(test.redis)).toBe(5);
    expect(repository.storedCount).toBe(0);
    const info = await describeEvents();
    expect(info).toEqual({ events: expect.objectContaining({ storage: "mongo", consumer: "waiting-for-storage", pending: 8, unread: 3, unacked: 5 }) });

    repository.unreachable = false;
    await eventually(() => repository.storedCount, (n) => n === 8, 15_000);
    expect(repository.idsIn("message_logs")).toEqual(first.map((e) => e.id).sort());
    expect(repository.idsIn("analytics_events")).toEqual(second.map((e) => e.id).sort());
    expect(await eventually(() => pendingCount(test.redis), (n) => n === 0)).toBe(0);
    expect(await test.redis.xlen(`${STREAMS.events}.dead`)).toBe(0);
    expect(await describeEvents()).toEqual({ events: expect.objectContaining({ consumer: "running", pending: 0 }) });
  }, 30_000);

  it("trims nothing while MongoDB is down (nothing is acknowledged), and trims the events once they are stored", async () => {
    const repository = new FakeEventsRepository();
    const { consumer: running, eventsStream } = startConsumer(repository, { claimIdleMs: 300 });
    await eventually(() => running.status().state, (s) => s === "running");

    repository.unreachable = true;
    const events = Array.from({ length: 6 }, () => analyticsEvent());
    for (const event of events) await appendToStream(test.redis, STREAMS.events, event);
    await eventually(() => running.status().state, (s) => s === "waiting-for-storage");
    expect(await eventually(() => pendingCount(test.redis), (n) => n === 6)).toBe(6);
    const unread = analyticsEvent();
    await appendToStream(test.redis, STREAMS.events, unread);

    expect(await eventsStream.trimStored()).toBe(0);
    expect(await test.redis.xlen(STREAMS.events)).toBe(7);

    repository.unreachable = false;
    await eventually(() => repository.storedCount, (n) => n === 7, 15_000);
    expect(await eventually(() => pendingCount(test.redis), (n) => n === 0)).toBe(0);
    expect(await eventsStream.trimStored()).toBe(7);
    expect(await test.redis.xlen(STREAMS.events)).toBe(0);
  }, 30_000);

  it("moves an event MongoDB keeps refusing to events.dead after maxDeliveries, counted and logged", async () => {
    const repository = new FakeEventsRepository();
    const refused = analyticsEvent();
    const fine = analyticsEvent();
    repository.refused.add(refused.id);
    await appendToStream(test.redis, STREAMS.events, refused);
    await appendToStream(test.redis, STREAMS.events, fine);

    const { registry, lines } = startConsumer(repository, { claimIdleMs: 150, maxDeliveries: 2 });

    await eventually(() => test.redis.xlen(`${STREAMS.events}.dead`), (n) => n === 1, 15_000);
    const [[deadId, fields] = ["", []]] = await test.redis.xrange(`${STREAMS.events}.dead`, "-", "+");
    expect(deadId).not.toBe("");
    expect(fields.slice(0, 6)).toEqual(["source_stream", STREAMS.events, "source_id", expect.any(String), "reason", "max_deliveries"]);
    expect(fields.slice(6)).toEqual([STREAM_DATA_FIELD, JSON.stringify(refused)]);
    expect(repository.calls.flatMap((call) => call.ids).filter((id) => id === refused.id)).toHaveLength(2);
    expect(repository.idsIn("message_logs")).toEqual([fine.id]);
    expect(await eventually(() => pendingCount(test.redis), (n) => n === 0)).toBe(0);
    const counter = await registry.getSingleMetric("stream_dead_lettered_total")?.get();
    expect(counter?.values).toEqual([{ labels: { stream: STREAMS.events, reason: "max_deliveries" }, value: 1 }]);
    expect(lines.filter((line) => line.message === "stream entry moved to the dead-letter stream")).toHaveLength(1);
  }, 20_000);

  it("does not read the stream before MongoDB answers at start", async () => {
    const repository = new FakeEventsRepository();
    repository.unreachable = true;
    const event = analyticsEvent();
    await appendToStream(test.redis, STREAMS.events, event);

    const { consumer: waiting, describeEvents } = startConsumer(repository);
    await eventually(() => repository.prepareCalls, (n) => n >= 3);
    expect(waiting.status().state).toBe("waiting-for-storage");
    expect(await groupNames(test.redis)).toEqual([]);
    expect(await describeEvents()).toEqual({ events: expect.objectContaining({ consumer: "waiting-for-storage", pending: 1 }) });

    repository.unreachable = false;
    await eventually(() => repository.storedCount, (n) => n === 1);
    expect(repository.idsIn("message_logs")).toEqual([event.id]);
  });

  it("on stop, writes and acknowledges the events in hand before returning", async () => {
    const repository = new FakeEventsRepository();
    const { consumer: running } = startConsumer(repository, { flushIntervalMs: 60_000 });
    for (let i = 0; i < 3; i++) await appendToStream(test.redis, STREAMS.events, analyticsEvent());
    await eventually(() => running.status().buffered, (n) => n === 3);
    expect(await pendingCount(test.redis)).toBe(3);

    await running.stop();
    consumer = null;

    expect(repository.storedCount).toBe(3);
    expect(await pendingCount(test.redis)).toBe(0);
    expect(running.status().state).toBe("stopped");
  });

  describe(`with MongoDB${MONGO_URL ? "" : ` (${MONGO_SKIP_REASON})`}`, () => {
    let connection: MongoConnection | null = null;

    beforeAll(async () => {
      if (!MONGO_URL) return;
      connection = mongoConnection(new mongodb.MongoClient(MONGO_URL, { serverSelectionTimeoutMS: 5000 }), `analytics_test_${randomBytes(4).toString("hex")}`);
      await connection.connect();
    });

    afterAll(async () => {
      await connection?.db.dropDatabase();
      await connection?.client.close();
    });

    itWithMongo("writes events from the stream into their collections, once each, with BSON dates", async () => {
      if (!connection) throw new Error("MongoDB not connected");
      const { db } = connection;
      const repository = createEventsRepository(connection, { retentionDays: 30 });
      const received = analyticsEvent({ type: "message.received" });
      const order = analyticsEvent({ type: "order.created", contact: undefined });
      const failure = analyticsEvent({ type: "error" });
      for (const event of [received, order, failure, received]) await appendToStream(test.redis, STREAMS.events, event);
      await test.redis.xadd(STREAMS.events, "*", STREAM_DATA_FIELD, "{broken");

      startConsumer(repository);

      const counts = () => Promise.all(["message_logs", "analytics_events", "system_logs"].map((name) => db.collection(name).countDocuments()));
      expect(await eventually(counts, (c) => c.join() === "1,1,1", 15_000)).toEqual([1, 1, 1]);
      expect(await eventually(() => pendingCount(test.redis), (n) => n === 0)).toBe(0);
      expect(await db.collection("message_logs").find().toArray()).toEqual([
        expect.objectContaining({ _id: received.id, tenantId: received.tenantId, type: "message.received", occurredAt: new Date(received.occurredAt) }),
      ]);
      const [stored] = await db.collection<StoredEvent>("analytics_events").find({ _id: order.id }).toArray();
      expect(stored?.occurredAt).toBeInstanceOf(Date);
      expect(stored).not.toHaveProperty("contact");
    }, 30_000);
  });
});

describe("analytics-worker process", () => {
  let test: TestRedis;
  let worker: ServiceProcess | null = null;

  beforeAll(async () => {
    test = await createTestRedis();
  });

  afterEach(async () => {
    await worker?.stop("SIGKILL");
    worker = null;
    await test.redis.del(STREAMS.events, `${STREAMS.events}.dead`);
  });

  afterAll(async () => {
    await test.cleanup();
  });

  it("without MONGO_URL leaves events untouched in the stream and reports how many wait", async () => {
    const events = Array.from({ length: 4 }, () => analyticsEvent());
    for (const event of events.slice(0, 2)) await appendToStream(test.redis, STREAMS.events, event);

    worker = await startServiceProcess(WORKER, { REDIS_URL: test.url, REDIS_KEY_PREFIX: test.prefix, EVENTS_CLAIM_IDLE_MS: "100" });
    for (const event of events.slice(2)) await appendToStream(test.redis, STREAMS.events, event);
    await new Promise((resolve) => setTimeout(resolve, 800));

    const { status, body } = await getJson(`${worker.httpUrl}/health`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: "ok",
      dependencies: { redis: "up", mongo: "disabled" },
      info: { events: { storage: "disabled", pending: 4, note: "events stay in the stream until MONGO_URL is set" } },
    });
    expect(await test.redis.xlen(STREAMS.events)).toBe(4);
    // Only the live rollups read the stream, in their own group; storage has none.
    expect(await groupNames(test.redis)).toEqual(["analytics-rollups"]);
    expect(await pendingCount(test.redis)).toBe(0);

    const metrics = await (await fetch(`${worker.httpUrl}/metrics`)).text();
    for (const collection of ["message_logs", "analytics_events", "system_logs"]) {
      expect(metrics).toMatch(new RegExp(`analytics_events_written_total\\{[^}]*collection="${collection}"[^}]*\\} 0`));
    }
    expect(metrics).toMatch(/analytics_events_rejected_total\{[^}]*\} 0/);
    expect(metrics).toMatch(/analytics_write_failures_total\{[^}]*\} 0/);
    // Storage consumes nothing: the stream's length shows its backlog, and its group has no lag series.
    expect(metrics).toMatch(/stream_length_entries\{stream="events",[^}]*\} 4/);
    expect(metrics).toMatch(/stream_length_entries\{stream="events.dead",[^}]*\} 0/);
    expect(metrics).not.toMatch(/^stream_lag_entries\{[^}]*group="analytics-worker"/m);
    expect(await worker.stop("SIGTERM")).toBe(0);
  });

  itWithMongo("with MongoDB stores the events, reports the consumer running and caches the KPIs in Redis", async () => {
    const dbName = `analytics_test_${randomBytes(4).toString("hex")}`;
    const tenantId = `shop-${randomBytes(3).toString("hex")}`;
    const types = ["message.received", "message.sent", "message.received", "order.created"] as const;
    for (const type of types) await appendToStream(test.redis, STREAMS.events, analyticsEvent({ tenantId, type }));

    worker = await startServiceProcess(WORKER, {
      REDIS_URL: test.url,
      REDIS_KEY_PREFIX: test.prefix,
      MONGO_URL: MONGO_URL ?? "",
      MONGO_DB: dbName,
      EVENTS_FLUSH_INTERVAL_MS: "50",
      KPI_INTERVAL_MS: "300",
    });
    try {
      const key = `analytics:metrics:${tenantId}:messages_24h`;
      const cached = await eventually(() => test.redis.get(key), (value) => value !== null && (JSON.parse(value) as { messages: number }).messages === 3, 15_000);
      expect(JSON.parse(cached ?? "null")).toMatchObject({ tenantId, messages: 3, received: 2, sent: 1, windowHours: 24 });

      const settled = (r: { status: number; body: Record<string, unknown> }) => r.status === 200 && JSON.stringify(r.body.info).includes('"pending":0');
      const { body } = await eventually(() => getJson(`${worker?.httpUrl ?? ""}/health`), settled);
      expect(body).toMatchObject({ status: "ok", dependencies: { redis: "up", mongo: "up" }, info: { events: { storage: "mongo", consumer: "running", pending: 0 } } });
      expect(await worker.stop("SIGTERM")).toBe(0);
    } finally {
      const client = await new mongodb.MongoClient(MONGO_URL ?? "").connect();
      await client.db(dbName).dropDatabase();
      await client.close();
    }
  }, 30_000);

  it("with MongoDB unreachable starts anyway, reports degraded, and keeps every event in the stream", async () => {
    for (let i = 0; i < 3; i++) await appendToStream(test.redis, STREAMS.events, analyticsEvent());

    worker = await startServiceProcess(WORKER, {
      REDIS_URL: test.url,
      REDIS_KEY_PREFIX: test.prefix,
      MONGO_URL: "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300",
      EVENTS_STORAGE_RETRY_MS: "100",
      EVENTS_CLAIM_IDLE_MS: "100",
      EVENTS_MAX_DELIVERIES: "1",
      EVENTS_TRIM_INTERVAL_MS: "100",
    });
    // It listens although MongoDB never answers (how fast is bench-startup's business, not a test's).

    const url = `${worker.httpUrl}/health`;
    // Right after start Redis may still be connecting: wait for the steady state.
    const { status, body } = await eventually(() => getJson(url), (r) => JSON.stringify(r.body.dependencies) === JSON.stringify({ redis: "up", mongo: "down" }));
    expect(status).toBe(503);
    expect(body).toMatchObject({
      status: "degraded",
      dependencies: { redis: "up", mongo: "down" },
      info: { events: { storage: "mongo", consumer: "waiting-for-storage", pending: 3 } },
    });
    // Several trims ran meanwhile (every 100 ms): nothing was stored, so nothing went.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await test.redis.xlen(STREAMS.events)).toBe(3);
    // Even with a single allowed delivery nothing was dead-lettered: nothing was delivered.
    expect(await test.redis.xlen(`${STREAMS.events}.dead`)).toBe(0);
    expect(await worker.stop("SIGTERM")).toBe(0);
  }, 20_000);
});
