// StreamConsumer on real Redis (a key prefix of its own): entries in hand are never
// taken over, a dead consumer's entries are, failed entries come back and end in
// the dead-letter stream after maxDeliveries, counted and logged one by one.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { Writable } from "node:stream";
import { Registry } from "prom-client";
import { createTestRedis, type TestRedis } from "@fleet/testing";
import { createLogger, type Logger } from "./logger.js";
import { createRedisClient, type RedisClient } from "./redis.js";
import { DEAD_LETTERED_METRIC } from "./stream-dead-letter.js";
import { parseEntryList, parsePendingDetails, parseReadReply } from "./stream-replies.js";
import { STREAM_DATA_FIELD, StreamConsumer, appendToStream, ensureStreamGroup, type StreamConsumerOptions, type StreamEntry } from "./streams.js";

const STREAM = "jobs";
const GROUP = "workers";

function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service: "streams-test", level: "debug", stream }), lines };
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function eventually<T>(probe: () => T | Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await delay(20);
  }
}

describe("StreamConsumer", () => {
  let test: TestRedis;
  const connections: RedisClient[] = [];
  const consumers: StreamConsumer[] = [];

  beforeEach(async () => {
    test = await createTestRedis();
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
    for (const connection of connections.splice(0)) connection.disconnect();
    await test.cleanup();
  });

  function connection(blocking: boolean): RedisClient {
    const redis = createRedisClient({ url: test.url, keyPrefix: test.prefix, logger: capturingLogger().logger, name: "streams-test", blocking });
    connections.push(redis);
    return redis;
  }

  function consumer(name: string, handle: (entry: StreamEntry) => Promise<boolean>, options: Partial<StreamConsumerOptions> = {}) {
    const { logger, lines } = capturingLogger();
    const created = new StreamConsumer({
      redis: connection(false),
      blockingRedis: connection(true),
      stream: STREAM,
      group: GROUP,
      consumer: name,
      logger,
      handle,
      blockMs: 50,
      claimIdleMs: 300,
      ...options,
    });
    consumers.push(created);
    created.start();
    return { consumer: created, lines };
  }

  async function pending(): Promise<{ id: string; consumer: string; deliveries: number }[]> {
    return parsePendingDetails(await test.redis.xpending(STREAM, GROUP, "-", "+", 100));
  }

  it("does not let a second consumer take over an entry whose handler is slower than claimIdleMs, and counts one delivery", async () => {
    const calls: string[] = [];
    let releaseSlow = () => {};
    const slowDone = new Promise<void>((resolve) => (releaseSlow = resolve));
    const { consumer: slow } = consumer("slow", async (entry) => {
      calls.push(`slow:${entry.id}`);
      await slowDone;
      return true;
    });
    const id = await appendToStream(test.redis, STREAM, { n: 1 });
    await eventually(() => calls.length, (n) => n === 1);

    consumer("fast", async (entry) => {
      calls.push(`fast:${entry.id}`);
      return true;
    });
    try {
      // Four times claimIdleMs: the fast consumer tries to take over every claimIdleMs / 2.
      await delay(1200);
      expect(calls).toEqual([`slow:${id}`]);
      expect(await pending()).toEqual([expect.objectContaining({ id, consumer: "slow", deliveries: 1 })]);
      expect(slow.busy).toBe(1);
    } finally {
      releaseSlow();
    }
    expect(await eventually(pending, (list) => list.length === 0)).toEqual([]);
    expect(calls).toEqual([`slow:${id}`]);
  });

  it("takes over the entries of a consumer that died holding them, once they were idle for claimIdleMs", async () => {
    await ensureStreamGroup(test.redis, STREAM, GROUP);
    const ids = [await appendToStream(test.redis, STREAM, { n: 1 }), await appendToStream(test.redis, STREAM, { n: 2 })];
    // A consumer that reads and then dies: nothing refreshes or acknowledges its entries.
    await test.redis.xreadgroup("GROUP", GROUP, "dead", "COUNT", 10, "STREAMS", STREAM, ">");
    const readAt = Date.now();

    const handled: { id: string; at: number }[] = [];
    const { lines } = consumer("survivor", async (entry) => {
      handled.push({ id: entry.id, at: Date.now() });
      return true;
    });

    await eventually(() => handled.length, (n) => n === 2);
    expect(handled.map((h) => h.id).sort()).toEqual(ids.sort());
    for (const { at } of handled) expect(at - readAt).toBeGreaterThanOrEqual(300);
    expect(await eventually(pending, (list) => list.length === 0)).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ message: "took over idle stream entries", count: 2 }));
  });

  it("delivers an entry whose handler failed again after claimIdleMs, and acks it once it succeeds", async () => {
    const attempts: number[] = [];
    consumer("only", async () => {
      attempts.push(Date.now());
      if (attempts.length === 1) throw new Error("transient");
      return true;
    });
    await appendToStream(test.redis, STREAM, { n: 1 });

    await eventually(() => attempts.length, (n) => n === 2);
    const [first, second] = attempts;
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(300);
    expect(await eventually(pending, (list) => list.length === 0)).toEqual([]);
    expect(await test.redis.xlen(`${STREAM}.dead`)).toBe(0);
    await delay(400);
    expect(attempts).toHaveLength(2);
  });

  it("moves an entry that failed maxDeliveries times to <stream>.dead with its reason, counts it and logs each entry", async () => {
    const registry = new Registry();
    const attempts = new Map<string, number>();
    const { lines } = consumer(
      "failing",
      async (entry) => {
        attempts.set(entry.id, (attempts.get(entry.id) ?? 0) + 1);
        return false;
      },
      { claimIdleMs: 150, maxDeliveries: 3, registry },
    );
    const ids = [await appendToStream(test.redis, STREAM, { n: 1 }), await appendToStream(test.redis, STREAM, { n: 2 })];

    const dead = await eventually(async () => parseEntryList(await test.redis.xrange(`${STREAM}.dead`, "-", "+")).entries, (list) => list.length === 2, 15_000);
    expect(dead.map((entry) => entry.fields.slice(0, 6))).toEqual(
      ids.map((id) => ["source_stream", STREAM, "source_id", id, "reason", "max_deliveries"]),
    );
    expect(dead[0]?.fields.slice(6)).toEqual([STREAM_DATA_FIELD, JSON.stringify({ n: 1 })]);
    expect([...attempts.values()]).toEqual([3, 3]);
    expect(await eventually(pending, (list) => list.length === 0)).toEqual([]);

    const counter = await registry.getSingleMetric(DEAD_LETTERED_METRIC)?.get();
    expect(counter?.values).toEqual([{ labels: { stream: STREAM, reason: "max_deliveries" }, value: 2 }]);
    const logged = lines.filter((line) => line.message === "stream entry moved to the dead-letter stream");
    expect(logged.map((line) => line.entryId)).toEqual(ids);
    expect(logged[0]).toMatchObject({ level: "error", reason: "max_deliveries", deliveries: 4, deadLetterStream: `${STREAM}.dead` });
  }, 20_000);

  it("shares one dead-letter counter between the consumers of a registry", () => {
    const registry = new Registry();
    const options = { redis: test.redis, blockingRedis: test.redis, stream: STREAM, group: GROUP, logger: capturingLogger().logger, handle: async () => true, registry };
    expect(() => [new StreamConsumer({ ...options, consumer: "a" }), new StreamConsumer({ ...options, consumer: "b" })]).not.toThrow();
    expect(registry.getMetricsAsArray().map((metric) => metric.name)).toEqual([DEAD_LETTERED_METRIC]);
  });

  it("on stop, waits for the entries in hand and acknowledges them", async () => {
    let started = 0;
    const { consumer: running } = consumer("stopping", async () => {
      started++;
      await delay(200);
      return true;
    });
    for (let n = 0; n < 3; n++) await appendToStream(test.redis, STREAM, { n });
    await eventually(() => started, (n) => n === 3);

    await running.stop();

    expect(running.busy).toBe(0);
    expect(await pending()).toEqual([]);
  });

  it("with lingerMs, hands over what arrived during the pause in one batch, and stops without waiting it out", async () => {
    // Entries handled in one turn of the event loop came from one read.
    const batches: number[][] = [];
    let current: number[] | null = null;
    const { consumer: lingering } = consumer(
      "lingering",
      async (entry) => {
        if (!current) {
          current = [];
          batches.push(current);
          setImmediate(() => (current = null));
        }
        current.push((JSON.parse(entry.fields[1] ?? "{}") as { n: number }).n);
        return true;
      },
      { lingerMs: 400, batchSize: 50 },
    );
    await appendToStream(test.redis, STREAM, { n: 0 });
    await eventually(() => batches.length, (n) => n === 1);
    for (let n = 1; n <= 5; n++) await appendToStream(test.redis, STREAM, { n });
    await eventually(() => batches.flat().length, (n) => n === 6);
    expect(batches).toEqual([[0], [1, 2, 3, 4, 5]]);

    // A read that found something starts a pause (here longer than the test's timeout): stop ends it.
    await lingering.stop();
    let handled = 0;
    const { consumer: patient } = consumer("patient", async () => ++handled > 0, { lingerMs: 60_000 });
    await appendToStream(test.redis, STREAM, { n: 6 });
    await eventually(() => handled, (n) => n === 1);
    await patient.stop();
    expect(await pending()).toEqual([]);
  });
});

describe("ensureStreamGroup", () => {
  let test: TestRedis;

  beforeEach(async () => {
    test = await createTestRedis();
  });

  afterEach(async () => {
    await test.cleanup();
  });

  it("creates the group under the client's key prefix once, from the stream's start", async () => {
    await appendToStream(test.redis, STREAM, { n: 1 });
    expect(await ensureStreamGroup(test.redis, STREAM, GROUP)).toBe(true);
    expect(await ensureStreamGroup(test.redis, STREAM, GROUP)).toBe(false);
    const read = parseReadReply(await test.redis.xreadgroup("GROUP", GROUP, "c", "STREAMS", STREAM, ">"));
    expect(read.entries.map((entry) => entry.fields)).toEqual([[STREAM_DATA_FIELD, JSON.stringify({ n: 1 })]]);
  });
});
