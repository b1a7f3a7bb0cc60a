// The live rollups end to end on real Redis: events appended to the stream are folded by the rollups
// consumer (in its own group), malformed entries skipped and acked, trimming held back by both
// groups, and the worker process folding without any MongoDB configuration.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import type { Redis } from "ioredis";
import { Registry } from "prom-client";
import { STREAMS, dayBucket, hourBucket, rollupKeys } from "@fleet/contracts";
import { STREAM_DATA_FIELD, appendToStream, createRedisClient, prefixedKey, type RedisClient } from "@fleet/service-kit";
import { createTestRedis, startServiceProcess, type ServiceProcess, type TestRedis } from "@fleet/testing";
import { EVENTS_GROUP, EventsConsumer } from "../src/consumers/events.consumer.js";
import { ROLLUPS_GROUP, RollupsConsumer } from "../src/consumers/rollups.consumer.js";
import { createAnalyticsMetrics, type AnalyticsMetrics } from "../src/metrics.js";
import { createEventsStreamRepository } from "../src/repositories/events-stream.repository.js";
import { createFoldIntoRollups } from "../src/rollups/fold-into-rollups.use-case.js";
import { createRollupsRepository } from "../src/rollups/rollups.repository.js";
import { createRecordEvents } from "../src/use-cases/record-events.use-case.js";
import { FakeEventsRepository, analyticsEvent, capturingLogger, eventually } from "./fakes.js";

const WORKER = new URL("../dist/main.js", import.meta.url);

async function pendingCount(redis: Redis, group: string): Promise<number> {
  const [count] = (await redis.xpending(STREAMS.events, group)) as [number, ...unknown[]];
  return Number(count);
}

async function groupNames(redis: Redis): Promise<string[]> {
  if ((await redis.exists(STREAMS.events)) === 0) return [];
  const groups = (await redis.xinfo("GROUPS", prefixedKey(redis, STREAMS.events))) as unknown[][];
  return groups.map((fields) => String(fields[fields.indexOf("name") + 1])).sort();
}

async function outcomes(metrics: AnalyticsMetrics): Promise<Record<string, number>> {
  const { values } = await metrics.rollupEvents.get();
  return Object.fromEntries(values.map(({ labels, value }) => [String(labels.outcome), value]));
}

describe("rollups consumer on Redis", () => {
  let test: TestRedis;
  const blocking: RedisClient[] = [];
  const running: { stop(): Promise<void> }[] = [];

  beforeEach(async () => {
    test = await createTestRedis();
  });

  afterEach(async () => {
    for (const consumer of running.splice(0)) await consumer.stop();
    for (const connection of blocking.splice(0)) connection.disconnect();
    await test.cleanup();
  });

  function blockingConnection(name: string): RedisClient {
    const connection = createRedisClient({ url: test.url, keyPrefix: test.prefix, logger: capturingLogger().logger, name, blocking: true });
    blocking.push(connection);
    return connection;
  }

  function rollupsConsumer(options: { claimIdleMs?: number } = {}) {
    const { logger, lines } = capturingLogger();
    const registry = new Registry();
    const metrics = createAnalyticsMetrics(registry);
    const consumer = new RollupsConsumer({
      redis: test.redis,
      blockingRedis: blockingConnection("test-rollups"),
      fold: createFoldIntoRollups({ repository: createRollupsRepository(test.redis), logger }),
      logger,
      metrics,
      consumerName: "test-replica",
      batchSize: 50,
      blockMs: 100,
      claimIdleMs: options.claimIdleMs ?? 30_000,
      registry,
    });
    running.push(consumer);
    return { consumer, metrics, lines };
  }

  function storageConsumer(repository: FakeEventsRepository) {
    const { logger } = capturingLogger();
    const metrics = createAnalyticsMetrics(new Registry());
    const consumer = new EventsConsumer({
      redis: test.redis,
      blockingRedis: blockingConnection("test-events"),
      recordEvents: createRecordEvents({ repository, logger, metrics, batchSize: 50, flushIntervalMs: 20 }),
      storage: repository,
      logger,
      metrics,
      consumerName: "test-replica",
      batchSize: 50,
      claimIdleMs: 300,
      maxDeliveries: 1000,
      storageRetryMs: 50,
      blockMs: 100,
    });
    running.push(consumer);
    return consumer;
  }

  it("folds the events already in the stream and those appended later, counts duplicates once, and acks everything", async () => {
    const now = new Date();
    const tenantId = "shop-consumer";
    const before = [
      analyticsEvent({ tenantId, type: "message.received", occurredAt: now.toISOString() }),
      analyticsEvent({ tenantId, type: "message.sent", occurredAt: now.toISOString(), attributes: { response_ms: 1200 } }),
    ];
    for (const event of before) await appendToStream(test.redis, STREAMS.events, event);
    // A producer retry: the same event twice in the stream.
    await appendToStream(test.redis, STREAMS.events, before[0]);

    const { consumer, metrics } = rollupsConsumer();
    consumer.start();
    const hourKey = rollupKeys.hour(tenantId, hourBucket(now));
    await eventually(() => test.redis.hgetall(hourKey), (bucket) => bucket.out === "1");

    const later = analyticsEvent({ tenantId, type: "order.created", source: "gateway", botId: "bot-2", occurredAt: now.toISOString(), attributes: { totalMinor: 4500, currency: "MXN" } });
    await appendToStream(test.redis, STREAMS.events, later);
    await appendToStream(test.redis, STREAMS.events, analyticsEvent({ tenantId, type: "message.status", occurredAt: now.toISOString() }));

    const expected = { in: "1", out: "1", resp_ms_sum: "1200", resp_n: "1", resp_le_2000: "1", orders: "1", "sales:MXN": "4500" };
    expect(await eventually(() => test.redis.hgetall(hourKey), (bucket) => bucket.orders === "1")).toEqual(expected);
    expect(await test.redis.hgetall(rollupKeys.day(tenantId, dayBucket(now)))).toEqual(expected);
    expect((await test.redis.smembers(rollupKeys.hourBots(tenantId, hourBucket(now)))).sort()).toEqual(["bot-1", "bot-2"]);
    expect(await eventually(() => outcomes(metrics), (o) => o.ignored === 1)).toEqual({ folded: 3, duplicate: 1, ignored: 1, malformed: 0 });
    expect(await eventually(() => pendingCount(test.redis, ROLLUPS_GROUP), (n) => n === 0)).toBe(0);
    expect(consumer.status()).toEqual({ state: "running", inFlight: 0 });
    // Acked, not deleted: the stream keeps them for the other groups until trimmed.
    expect(await test.redis.xlen(STREAMS.events)).toBe(5);
  });

  it("skips malformed entries, counts them, acks them, and goes on folding", async () => {
    const tenantId = "shop-malformed";
    const now = new Date();
    const notJson = await test.redis.xadd(STREAMS.events, "*", STREAM_DATA_FIELD, "{not json");
    await appendToStream(test.redis, STREAMS.events, { ...analyticsEvent({ tenantId }), type: "message.teleported" });
    await test.redis.xadd(STREAMS.events, "*", "payload", JSON.stringify(analyticsEvent({ tenantId })));
    await appendToStream(test.redis, STREAMS.events, { ...analyticsEvent(), tenantId: undefined, text: "secret body 5511" });
    await appendToStream(test.redis, STREAMS.events, analyticsEvent({ tenantId, type: "error", occurredAt: now.toISOString() }));

    const { consumer, metrics, lines } = rollupsConsumer();
    consumer.start();

    expect(await eventually(() => test.redis.hgetall(rollupKeys.hour(tenantId, hourBucket(now))), (bucket) => bucket.errors === "1")).toEqual({ errors: "1" });
    expect(await eventually(() => outcomes(metrics), (o) => o.malformed === 4)).toEqual({ folded: 1, duplicate: 0, ignored: 0, malformed: 4 });
    expect(await eventually(() => pendingCount(test.redis, ROLLUPS_GROUP), (n) => n === 0)).toBe(0);
    const skipped = lines.filter((line) => line.message === "malformed events entry skipped by the rollups");
    expect(skipped.map((line) => line.entryId)).toContain(notJson);
    expect(skipped).toHaveLength(4);
    expect(JSON.stringify(lines)).not.toContain("secret body");
  });

  it("never lets the trim drop what either group (rollups, storage) has not acknowledged", async () => {
    const trim = createEventsStreamRepository(test.redis, STREAMS.events, EVENTS_GROUP);
    const tenantId = "shop-trim";
    const now = new Date();
    const hourKey = rollupKeys.hour(tenantId, hourBucket(now));
    const repository = new FakeEventsRepository();
    const storage = storageConsumer(repository);
    storage.start();
    await eventually(() => storage.status().state, (state) => state === "running");
    // The rollups group exists (a worker ran before) but its replica is down now.
    const rollups = rollupsConsumer();
    rollups.consumer.start();
    await eventually(() => groupNames(test.redis), (names) => names.length === 2);
    await rollups.consumer.stop();
    expect(await groupNames(test.redis)).toEqual([EVENTS_GROUP, ROLLUPS_GROUP].sort());

    // Storage ahead, rollups behind.
    for (let i = 0; i < 4; i++) await appendToStream(test.redis, STREAMS.events, analyticsEvent({ tenantId, occurredAt: now.toISOString() }));
    expect(await eventually(() => repository.storedCount, (n) => n === 4)).toBe(4);
    expect(await eventually(() => pendingCount(test.redis, EVENTS_GROUP), (n) => n === 0)).toBe(0);
    expect(await trim.trimStored()).toBe(0);
    expect(await test.redis.xlen(STREAMS.events)).toBe(4);

    rollups.consumer.start();
    expect(await eventually(() => test.redis.hgetall(hourKey), (bucket) => bucket.in === "4")).toEqual({ in: "4" });
    expect(await eventually(() => pendingCount(test.redis, ROLLUPS_GROUP), (n) => n === 0)).toBe(0);
    expect(await trim.trimStored()).toBe(4);
    expect(await test.redis.xlen(STREAMS.events)).toBe(0);

    // Rollups ahead, storage behind (MongoDB down).
    repository.unreachable = true;
    for (let i = 0; i < 3; i++) await appendToStream(test.redis, STREAMS.events, analyticsEvent({ tenantId, occurredAt: now.toISOString() }));
    expect(await eventually(() => storage.status().state, (state) => state === "waiting-for-storage")).toBe("waiting-for-storage");
    expect(await eventually(() => test.redis.hgetall(hourKey), (bucket) => bucket.in === "7")).toEqual({ in: "7" });
    expect(await eventually(() => pendingCount(test.redis, ROLLUPS_GROUP), (n) => n === 0)).toBe(0);
    expect(await trim.trimStored()).toBe(0);
    expect(await test.redis.xlen(STREAMS.events)).toBe(3);

    repository.unreachable = false;
    expect(await eventually(() => repository.storedCount, (n) => n === 7, 15_000)).toBe(7);
    expect(await eventually(() => pendingCount(test.redis, EVENTS_GROUP), (n) => n === 0)).toBe(0);
    expect(await trim.trimStored()).toBe(3);
    // The rollups were not disturbed by storage's outage or by the trims.
    expect(await test.redis.hgetall(hourKey)).toEqual({ in: "7" });
  }, 30_000);
});

describe("analytics-worker process without MongoDB", () => {
  let test: TestRedis;
  let worker: ServiceProcess | null = null;

  beforeAll(async () => {
    test = await createTestRedis();
  });

  afterEach(async () => {
    await worker?.stop("SIGKILL");
    worker = null;
  });

  afterAll(async () => {
    await test.cleanup();
  });

  it("folds every event into the rollups with no MongoDB configured, and stops cleanly", async () => {
    const tenantId = "shop-process";
    const now = new Date();
    const before = [analyticsEvent({ tenantId, occurredAt: now.toISOString() }), analyticsEvent({ tenantId, type: "conversation.started", occurredAt: now.toISOString() })];
    for (const event of before) await appendToStream(test.redis, STREAMS.events, event);

    worker = await startServiceProcess(WORKER, { REDIS_URL: test.url, REDIS_KEY_PREFIX: test.prefix, ROLLUPS_BLOCK_MS: "100" });
    await appendToStream(test.redis, STREAMS.events, analyticsEvent({ tenantId, type: "message.sent", occurredAt: now.toISOString(), attributes: { response_ms: 90 } }));

    const hourKey = rollupKeys.hour(tenantId, hourBucket(now));
    const expected = { in: "1", conv_started: "1", out: "1", resp_ms_sum: "90", resp_n: "1", resp_le_250: "1" };
    expect(await eventually(() => test.redis.hgetall(hourKey), (bucket) => bucket.out === "1")).toEqual(expected);
    expect(await test.redis.hgetall(rollupKeys.day(tenantId, dayBucket(now)))).toEqual(expected);

    const metrics = await (await fetch(`${worker.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/analytics_rollup_events_total\{[^}]*outcome="folded"[^}]*\} 3/);
    expect(metrics).toMatch(/analytics_rollup_events_total\{[^}]*outcome="malformed"[^}]*\} 0/);
    expect(metrics).toMatch(/stream_lag_entries\{[^}]*group="analytics-rollups"[^}]*\} 0/);
    const health = (await (await fetch(`${worker.httpUrl}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ dependencies: { redis: "up", mongo: "disabled" }, info: { rollups: { state: "running" } } });
    // Only the rollups group reads the stream: storage is disabled, its events stay.
    expect(await groupNames(test.redis)).toEqual([ROLLUPS_GROUP]);
    expect(await worker.stop("SIGTERM")).toBe(0);
    expect(await pendingCount(test.redis, ROLLUPS_GROUP)).toBe(0);
  }, 20_000);

  it("with MongoDB unreachable from the start, trims none of the events the rollups folded and storage never stored", async () => {
    await test.redis.del(STREAMS.events);
    const tenantId = "shop-mongo-down";
    const now = new Date();
    for (let i = 0; i < 3; i++) await appendToStream(test.redis, STREAMS.events, analyticsEvent({ tenantId, occurredAt: now.toISOString() }));

    worker = await startServiceProcess(WORKER, {
      REDIS_URL: test.url,
      REDIS_KEY_PREFIX: test.prefix,
      MONGO_URL: "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300",
      EVENTS_STORAGE_RETRY_MS: "100",
      EVENTS_TRIM_INTERVAL_MS: "100",
      ROLLUPS_BLOCK_MS: "100",
    });
    expect(await eventually(() => test.redis.hgetall(rollupKeys.hour(tenantId, hourBucket(now))), (bucket) => bucket.in === "3")).toEqual({ in: "3" });
    expect(await eventually(() => pendingCount(test.redis, ROLLUPS_GROUP), (n) => n === 0)).toBe(0);
    // Several trims ran meanwhile (every 100 ms): storage's group, made sure of before each, holds them.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await groupNames(test.redis)).toEqual([EVENTS_GROUP, ROLLUPS_GROUP].sort());
    expect(await test.redis.xlen(STREAMS.events)).toBe(3);
    expect(await worker.stop("SIGTERM")).toBe(0);
  }, 20_000);
});
