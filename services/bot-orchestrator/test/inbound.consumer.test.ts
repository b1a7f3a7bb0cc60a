// The orchestrator's consumer on real Redis streams, with the adapter replaced
// by a recording fake of its client (the adapter itself is covered end to end).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import type { Redis } from "ioredis";
import { AnalyticsEventSchema, STREAMS, decodeStreamEntry, type InboundEntry, type InboundMessage } from "@fleet/contracts";
import { AppError, appendToStream, createHealth, createLogger, createMetrics, createRedisClient } from "@fleet/service-kit";
import { createTestRedis, type TestRedis } from "@fleet/testing";
import { composeOrchestrator } from "../src/compose.js";
import { loadOrchestratorConfig } from "../src/config.js";
import type { ReplySender } from "../src/use-cases/handle-inbound.use-case.js";

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

  async sendText(message: InboundMessage, text: string, idempotencyKey: string) {
    await new Promise((resolve) => setTimeout(resolve, this.delays.get(message.from) ?? 0));
    const failure = this.failures.get(message.from)?.shift();
    if (failure) throw failure;
    this.calls.push({ to: message.from, text, key: idempotencyKey });
    return { providerMessageId: `wamid.${this.calls.length}`, provider: "meta" };
  }
}

let sequence = 0;
function message(from: string, text: string): InboundMessage {
  sequence++;
  return {
    v: 1,
    kind: "message",
    id: `meta:wamid.test${sequence}`,
    tenantId: "7d0f6a8e-2f4b-4d5a-9a51-0c2a8f6b1e11",
    botId: "2c9a4b1e-5d6f-4a3b-8c7d-9e0f1a2b3c4d",
    occurredAt: new Date().toISOString(),
    provider: "meta",
    providerMessageId: `wamid.test${sequence}`,
    from,
    type: "text",
    text,
  };
}

describe("wa.inbound consumer", () => {
  let testRedis: TestRedis;
  let redis: Redis;
  let blocking: Redis;
  let adapter: FakeAdapter;
  let orchestrator: ReturnType<typeof composeOrchestrator>;

  const append = (entry: InboundEntry | Record<string, unknown>) => appendToStream(redis, STREAMS.inbound, entry);
  const pending = async () => ((await redis.xpending(STREAMS.inbound, "bot-orchestrator")) as [number])[0];
  const events = async () => (await redis.xrange(STREAMS.events, "-", "+")).map(([, fields]) => decodeStreamEntry(AnalyticsEventSchema, fields)).flatMap((r) => (r.success ? [r.data] : []));
  async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error("condition not met in time");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  beforeAll(async () => {
    testRedis = await createTestRedis();
    const logger = createLogger({ service: "bot-orchestrator", level: "error" });
    redis = createRedisClient({ url: testRedis.url, keyPrefix: testRedis.prefix, logger, name: "test" });
    blocking = createRedisClient({ url: testRedis.url, keyPrefix: testRedis.prefix, logger, name: "test-stream", blocking: true });
    adapter = new FakeAdapter();
    const config = loadOrchestratorConfig({ CLAIM_IDLE_MS: "400", MAX_DELIVERIES: "5" });
    const metrics = createMetrics("bot-orchestrator");
    orchestrator = composeOrchestrator({ config, redis, streamRedis: blocking, sender: adapter, logger, metrics, health: createHealth({ service: "bot-orchestrator", version: "test", checks: {} }) });
    orchestrator.consumer.start();
  });

  afterEach(() => {
    adapter.calls.length = 0;
    adapter.delays.clear();
    adapter.failures.clear();
  });

  afterAll(async () => {
    await orchestrator?.consumer.stop();
    redis?.disconnect();
    blocking?.disconnect();
    await testRedis?.cleanup();
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

  it("leaves a message pending while the adapter is unavailable and answers it once the adapter is back", async () => {
    const unavailable = () => new AppError("unavailable", "GRPC_UNAVAILABLE", "adapter down");
    adapter.failures.set("5215500000004", [unavailable(), unavailable(), unavailable()]);
    await append(message("5215500000004", "patience"));
    await until(async () => (await pending()) === 1);
    expect(adapter.calls).toHaveLength(0);
    await until(() => adapter.calls.length === 1, 8000);
    expect(adapter.calls[0]?.text).toBe('Hello! You said: "patience"');
    await until(async () => (await pending()) === 0);
  });

  it("acks a message whose reply is rejected for good and records the failure as an event", async () => {
    const entry = message("5215500000005", "rejected");
    adapter.failures.set("5215500000005", [new AppError("invalid_argument", "PROVIDER_REJECTED_REQUEST", "bad")]);
    await append(entry);
    await until(async () => (await events()).some((e) => e.id === `${entry.id}:reply:0:failed`));
    const failed = (await events()).find((e) => e.id === `${entry.id}:reply:0:failed`);
    expect(failed).toMatchObject({ type: "message.send_failed", contact: "5215500000005", attributes: { code: "PROVIDER_REJECTED_REQUEST" } });
    await until(async () => (await pending()) === 0);
  });

  it("drops a malformed entry without blocking the ones behind it", async () => {
    await append({ v: 1, kind: "message", id: "broken" });
    await append(message("5215500000006", "after the broken one"));
    await until(() => adapter.calls.some((c) => c.to === "5215500000006"));
    await until(async () => (await pending()) === 0);
  });

  it("turns a delivery status into a message.status event without replying", async () => {
    const status: InboundEntry = { v: 1, kind: "status", id: "meta:wamid.s1:delivered", tenantId: "t1", botId: "b1", occurredAt: new Date().toISOString(), provider: "meta", providerMessageId: "wamid.s1", recipient: "5215500000007", status: "delivered" };
    await append(status);
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
});
