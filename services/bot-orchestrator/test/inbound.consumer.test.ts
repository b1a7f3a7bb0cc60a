// The orchestrator's intake on real Redis streams — partitions, leases, two
// replicas — with the adapter replaced by a recording fake of its client (the
// adapter itself is covered end to end).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { AnalyticsEventSchema, INBOUND_DEAD_LETTER_STREAM, STREAMS, decodeStreamEntry, inboundPartition, inboundStream, type InboundEntry, type InboundMessage } from "@fleet/contracts";
import type pg from "pg";
import { AppError, appendToStream, createHealth, createLogger, createMetrics, createPostgresPool, createRedisClient, type RedisClient } from "@fleet/service-kit";
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from "@fleet/testing";
import request from "supertest";
import { createCommerceClient } from "../src/clients/commerce.client.js";
import { composeOrchestrator } from "../src/compose.js";
import { loadOrchestratorConfig } from "../src/config.js";
import type { OutboundContent } from "../src/flows/engine/effects.js";
import { timerEntry, timerKeys } from "../src/repositories/timers.repository.js";
import type { ReplySender, ReplyTarget } from "../src/use-cases/handle-inbound.use-case.js";

interface Call {
  to: string;
  text: string;
  key: string;
}

class FakeAdapter implements ReplySender {
  readonly calls: Call[] = [];
  /** Milliseconds a send to this contact takes. */
  readonly delays = new Map<string, number>();
  /** Errors the next sends to this contact throw, in order. */
  readonly failures = new Map<string, AppError[]>();
  /** Every send whose text contains the key fails with its error. */
  readonly failingTexts = new Map<string, AppError>();

  async send(target: ReplyTarget, content: OutboundContent, idempotencyKey: string) {
    const text = content.type === "text" ? content.body : "";
    await new Promise((resolve) => setTimeout(resolve, this.delays.get(target.recipient) ?? 0));
    const failure = this.failures.get(target.recipient)?.shift();
    if (failure) throw failure;
    for (const [fragment, error] of this.failingTexts) if (text.includes(fragment)) throw error;
    this.calls.push({ to: target.recipient, text, key: idempotencyKey });
    return { providerMessageId: `wamid.${this.calls.length}`, provider: "meta" };
  }
}

const PARTITIONS = 4;
const BOT = "2c9a4b1e-5d6f-4a3b-8c7d-9e0f1a2b3c4d";
let sequence = 0;
function message(from: string, text: string): InboundMessage {
  sequence++;
  return {
    v: 1,
    kind: "message",
    id: `meta:wamid.test${sequence}`,
    tenantId: "7d0f6a8e-2f4b-4d5a-9a51-0c2a8f6b1e11",
    botId: BOT,
    occurredAt: new Date().toISOString(),
    provider: "meta",
    providerMessageId: `wamid.test${sequence}`,
    from,
    type: "text",
    text,
  };
}

describe("inbound partitions consumer", () => {
  let testRedis: TestRedis;
  let database: TestDatabase;
  let pool: pg.Pool;
  let redis: RedisClient;
  let adapter: FakeAdapter;
  const logger = createLogger({ service: "bot-orchestrator", level: "error" });
  const replicas: ReturnType<typeof composeOrchestrator>[] = [];
  const noGateway = createCommerceClient("127.0.0.1:1", 500);

  function startReplica(name: string, partitions = PARTITIONS): ReturnType<typeof composeOrchestrator> {
    const config = loadOrchestratorConfig({ CONSUMER_NAME: name, INBOUND_PARTITIONS: String(partitions), PARTITION_LEASE_TTL_MS: "1000", INBOUND_BLOCK_MS: "200", RETRY_BASE_MS: "50", RETRY_MAX_MS: "200", MAX_ATTEMPTS: "5", TRIM_INTERVAL_MS: "200", SECRETS_ENCRYPTION_KEY: "inbound-consumer-test-key-0123456789abcdef", FLEET_KEY: "fleet-key-of-the-tests-0123456789abcdef" });
    const orchestrator = composeOrchestrator({
      config,
      pool,
      redis,
      blockingConnection: (connection) => createRedisClient({ url: testRedis.url, keyPrefix: testRedis.prefix, logger, name: connection, blocking: true }),
      sender: adapter,
      // No gateway here: the flows' actions are not called, and shops' profiles fall back to the default zone.
      commerce: noGateway,
      logger,
      metrics: createMetrics("bot-orchestrator"),
      health: createHealth({ service: "bot-orchestrator", version: "test", checks: {} }),
    });
    orchestrator.consumer.start();
    replicas.push(orchestrator);
    return orchestrator;
  }

  const streamOf = (botId: string, contact: string) => inboundStream(inboundPartition(botId, contact, PARTITIONS));
  const append = (entry: InboundMessage) => appendToStream(redis, streamOf(entry.botId, entry.from), entry);
  async function pending(): Promise<number> {
    let total = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const summary = (await redis.xpending(inboundStream(p), "bot-orchestrator").catch(() => [0])) as [number];
      total += summary[0];
    }
    return total;
  }
  const events = async () => (await redis.xrange(STREAMS.events, "-", "+")).map(([, fields]) => decodeStreamEntry(AnalyticsEventSchema, fields)).flatMap((r) => (r.success ? [r.data] : []));
  const deadLetters = async () => (await redis.xrange(INBOUND_DEAD_LETTER_STREAM, "-", "+")).map(([, fields]) => Object.fromEntries(fields.flatMap((value, i) => (i % 2 === 0 ? [[value, fields[i + 1] ?? ""]] : []))));
  async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error("condition not met in time");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  const owned = () => replicas.flatMap((replica) => replica.consumer.stats().partitions);

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPostgresPool({ url: database.url, schema: "orchestrator", logger });
    testRedis = await createTestRedis();
    redis = createRedisClient({ url: testRedis.url, keyPrefix: testRedis.prefix, logger, name: "test" });
    adapter = new FakeAdapter();
    startReplica("replica-a");
    await until(() => owned().length === PARTITIONS);
  });

  afterEach(() => {
    adapter.calls.length = 0;
    adapter.delays.clear();
    adapter.failures.clear();
    adapter.failingTexts.clear();
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.consumer.stop()));
    noGateway.close();
    redis?.disconnect();
    await testRedis?.cleanup();
    await pool?.end();
    await database?.drop();
  });

  it("keeps each conversation in order while other conversations go ahead in parallel", async () => {
    adapter.delays.set("5215500000001", 150);
    for (let i = 1; i <= 4; i++) await append(message("5215500000001", `slow ${i}`));
    await append(message("5215500000002", "fast"));
    await until(() => adapter.calls.length === 5);
    const slow = adapter.calls.filter((c) => c.to === "5215500000001").map((c) => c.text);
    expect(slow).toEqual([1, 2, 3, 4].map((i) => `Hello! You said: "slow ${i}"`));
    expect(adapter.calls[0]?.to).toBe("5215500000002");
    await until(async () => (await pending()) === 0);
  });

  it("derives reply idempotency keys from the inbound id, so a redelivery repeats the same keys", async () => {
    const entry = message("5215500000003", "twice");
    await append(entry);
    await append(entry);
    await until(() => adapter.calls.length === 2);
    expect(adapter.calls.map((c) => c.key)).toEqual([`${entry.id}:0`, `${entry.id}:0`]);
  });

  it("retries a message in place while the adapter is unavailable, holding that conversation's next message, not others", async () => {
    const unavailable = () => new AppError("unavailable", "GRPC_UNAVAILABLE", "adapter down");
    adapter.failures.set("5215500000004", Array.from({ length: 6 }, unavailable));
    await append(message("5215500000004", "patience 1"));
    await append(message("5215500000004", "patience 2"));
    await append(message("5215500000009", "meanwhile"));
    await until(() => adapter.calls.some((c) => c.to === "5215500000009"));
    expect(adapter.calls.filter((c) => c.to === "5215500000004")).toHaveLength(0);
    await until(() => adapter.calls.filter((c) => c.to === "5215500000004").length === 2, 8000);
    expect(adapter.calls.filter((c) => c.to === "5215500000004").map((c) => c.text)).toEqual(['Hello! You said: "patience 1"', 'Hello! You said: "patience 2"']);
    await until(async () => (await pending()) === 0);
  });

  it("dead-letters a message whose replies keep failing, with the reason, and goes on with the conversation", async () => {
    adapter.failingTexts.set("never answered", new AppError("unavailable", "PROVIDER_UNAVAILABLE", "provider down"));
    const doomed = message("5215500000010", "never answered");
    await append(doomed);
    await append(message("5215500000010", "answered"));
    await until(() => adapter.calls.some((c) => c.to === "5215500000010"), 10_000);
    expect(adapter.calls.filter((c) => c.to === "5215500000010").map((c) => c.text)).toEqual(['Hello! You said: "answered"']);
    const dead = (await deadLetters()).find((d) => d.source_id && JSON.parse(d.data ?? "{}").id === doomed.id);
    expect(dead).toMatchObject({ reason: "retries_exhausted:reply_not_accepted", source_stream: streamOf(BOT, "5215500000010") });
    await until(async () => (await pending()) === 0);
  }, 15_000);

  it("acks a message whose reply is rejected for good and records the failure as an event", async () => {
    const entry = message("5215500000005", "rejected");
    adapter.failures.set("5215500000005", [new AppError("invalid_argument", "PROVIDER_REJECTED_REQUEST", "bad")]);
    await append(entry);
    await until(async () => (await events()).some((e) => e.id === `${entry.id}:reply:0:failed`));
    const failed = (await events()).find((e) => e.id === `${entry.id}:reply:0:failed`);
    expect(failed).toMatchObject({ type: "message.send_failed", contact: "5215500000005", attributes: { code: "PROVIDER_REJECTED_REQUEST" } });
    await until(async () => (await pending()) === 0);
  });

  it("dead-letters a malformed entry at once without blocking the ones behind it", async () => {
    const stream = streamOf(BOT, "5215500000006");
    const brokenId = await appendToStream(redis, stream, { v: 1, kind: "message", id: "broken" });
    await append(message("5215500000006", "after the broken one"));
    await until(() => adapter.calls.some((c) => c.to === "5215500000006"));
    await until(async () => (await deadLetters()).some((d) => d.source_id === brokenId));
    expect((await deadLetters()).find((d) => d.source_id === brokenId)).toMatchObject({ reason: "malformed_entry", source_stream: stream });
    await until(async () => (await pending()) === 0);
  });

  it("turns a delivery status into a message.status event without replying", async () => {
    const status: InboundEntry = { v: 1, kind: "status", id: "meta:wamid.s1:delivered", tenantId: "t1", botId: "b1", occurredAt: new Date().toISOString(), provider: "meta", providerMessageId: "wamid.s1", recipient: "5215500000007", status: "delivered" };
    await appendToStream(redis, streamOf("b1", "5215500000007"), status);
    await until(async () => (await events()).some((e) => e.id === status.id));
    expect((await events()).find((e) => e.id === status.id)).toMatchObject({ type: "message.status", attributes: { status: "delivered" } });
    expect(adapter.calls).toHaveLength(0);
  });

  it("emits message.received and message.sent with the bot's response time", async () => {
    const entry = message("5215500000008", "metrics");
    await append(entry);
    await until(async () => (await events()).some((e) => e.id === `${entry.id}:reply:0`));
    const all = await events();
    expect(all.find((e) => e.id === `${entry.id}:received`)).toMatchObject({ type: "message.received", tenantId: entry.tenantId, botId: entry.botId });
    expect(all.find((e) => e.id === `${entry.id}:reply:0`)?.attributes.response_ms).toEqual(expect.any(Number));
  });

  it("trims what its group acknowledged from the partitions it owns", async () => {
    const contact = "5215500000011";
    for (let i = 0; i < 300; i++) await append(message(contact, `bulk ${i}`));
    await until(() => adapter.calls.filter((c) => c.to === contact).length === 300, 10_000);
    await until(async () => (await redis.xlen(streamOf(BOT, contact))) < 100, 5000);
  }, 20_000);

  it("fires the due timers of every partition it owns, and none that is not due yet", async () => {
    const due = Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, timerId: `due-${partition}-${sequence}` }));
    for (const { partition, timerId } of due) {
      const keys = timerKeys(partition);
      const entry = timerEntry({ tenantId: "7d0f6a8e-2f4b-4d5a-9a51-0c2a8f6b1e11", botId: BOT, contact: `52155000009${partition}`, timerId, dueAt: Date.now() - 1000 });
      await redis.multi().zadd(keys.set, Date.now() - 1000, timerId).hset(keys.data, timerId, JSON.stringify(entry)).exec();
    }
    const later = timerKeys(0);
    await redis.multi().zadd(later.set, Date.now() + 3_600_000, "later").hset(later.data, "later", "{}").exec();

    // Fired: out of the set and its entry moved on (the script appends it to the partition's stream,
    // where this replica handles it, acks it, and trims it soon after).
    const fired = async () => (await Promise.all(due.map(async ({ partition, timerId }) => (await redis.zscore(timerKeys(partition).set, timerId)) === null && (await redis.hexists(timerKeys(partition).data, timerId)) === 0))).every(Boolean);
    await until(fired);
    expect(await redis.zscore(later.set, "later")).not.toBeNull();
    expect(await redis.hexists(later.data, "later")).toBe(1);
    await redis.multi().zrem(later.set, "later").hdel(later.data, "later").exec();
  });

  it("exposes each partition's lag and pending entries, and the dead letters, as metrics", async () => {
    const [replica] = replicas;
    if (!replica) throw new Error("no replica");
    const response = await request(replica.app).get("/metrics");
    expect(response.status).toBe(200);
    for (let p = 0; p < PARTITIONS; p++) {
      expect(response.text).toMatch(new RegExp(`stream_lag_entries\\{stream="wa\\.inbound\\.\\{inbound\\.${p}\\}",group="bot-orchestrator"[^}]*\\} \\d+`));
      expect(response.text).toMatch(new RegExp(`stream_pending_entries\\{stream="wa\\.inbound\\.\\{inbound\\.${p}\\}",group="bot-orchestrator"[^}]*\\} \\d+`));
    }
    expect(response.text).toMatch(/stream_dead_lettered_total\{stream="wa\.inbound\.\{inbound\.\d\}",reason="malformed_entry"[^}]*\} [1-9]/);
    expect(response.text).toMatch(/orchestrator_partitions_owned\{[^}]*\} [1-9]/);
  });

  it("shares the partitions with a replica that joins and takes them all back when it leaves, answering every message once and in order", async () => {
    const contacts = Array.from({ length: 12 }, (_, i) => String(5215590000000 + i));
    let sent = 0;
    const sendRound = async () => {
      sent++;
      for (const contact of contacts) await append(message(contact, `n${sent}`));
    };
    await sendRound();
    const second = startReplica("replica-b");
    for (let i = 0; i < 5; i++) {
      await sendRound();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await until(() => second.consumer.stats().partitions.length > 0 && owned().length === PARTITIONS);
    expect(second.consumer.stats().partitions.length).toBe(PARTITIONS / 2);
    const [first] = replicas;
    await first?.consumer.stop();
    replicas.splice(0, 1);
    for (let i = 0; i < 3; i++) await sendRound();
    await until(() => second.consumer.stats().partitions.length === PARTITIONS, 5000);
    await until(() => adapter.calls.filter((c) => contacts.includes(c.to)).length >= contacts.length * sent, 10_000);
    await until(async () => (await pending()) === 0);
    for (const contact of contacts) {
      const texts = adapter.calls.filter((c) => c.to === contact).map((c) => c.text);
      expect(texts).toEqual(Array.from({ length: sent }, (_, i) => `Hello! You said: "n${i + 1}"`));
    }
  }, 20_000);

  it("takes no partition when configured with another partition count than the fleet's", async () => {
    const stray = startReplica("replica-stray", PARTITIONS * 2);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(stray.consumer.stats().partitions).toEqual([]);
    expect(owned()).toHaveLength(PARTITIONS);
  });
});
