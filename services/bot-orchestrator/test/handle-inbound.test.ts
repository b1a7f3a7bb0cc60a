// The handle-inbound use case with a scripted adapter client and a recording
// events repository, for a bot without a flow (its stateless echo; flows are
// covered by flow-runtime.test.ts): what is retried, what is recorded, and what
// the consumer is told to do with the entry (ack it, or leave it for a redelivery).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { InboundMessage } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
import { createTestRedis, memoryLogger, type TestRedis } from "@fleet/testing";
import { createCallRunner } from "../src/flows/runtime/call-runner.js";
import { createFlowSource } from "../src/flows/runtime/flow-source.js";
import { createConversationsRepository } from "../src/repositories/conversations.repository.js";
import type { EventInput, EventsRepository } from "../src/repositories/events.repository.js";
import { createFlowsRepository } from "../src/repositories/flows.repository.js";
import { createHandleInbound, type ReplySender } from "../src/use-cases/handle-inbound.use-case.js";
import { startFlowsDatabase, type FlowsDatabase } from "./flows.fixtures.js";

const { logger } = memoryLogger("bot-orchestrator", "error");

let db: FlowsDatabase;
let testRedis: TestRedis;
beforeAll(async () => {
  db = await startFlowsDatabase();
  testRedis = await createTestRedis();
});
afterAll(async () => {
  await testRedis?.cleanup();
  await db?.close();
});

/** The use case on real Redis and Postgres, for a bot that has no flow. */
function createHandler(sender: ReplySender, events: EventsRepository) {
  return createHandleInbound({
    sender,
    events,
    conversations: createConversationsRepository(testRedis.redis, { partitions: 4, stateTtlMs: 60_000 }),
    flows: createFlowSource(createFlowsRepository(db.pool), { activeTtlMs: 1000 }),
    calls: createCallRunner({ actions: {}, http: () => Promise.resolve({ ok: false, code: "host_not_allowed", message: "none" }), logger }),
    logger,
    tenants: { profile: async () => ({ timezone: "UTC" }) },
  });
}

const message: InboundMessage = {
  v: 1,
  kind: "message",
  id: "meta:wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjBDMEE0RDQ5RjI4RTY0QzQ2AA==",
  tenantId: "7d0f6a8e-2f4b-4d5a-9a51-0c2a8f6b1e11",
  botId: "0b7f3f0e-8a43-4a8e-9a9e-1d2c3b4a5f60",
  occurredAt: "2026-11-22T10:00:00.000Z",
  provider: "meta",
  providerMessageId: "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjBDMEE0RDQ5RjI4RTY0QzQ2AA==",
  from: "5215512345678",
  type: "text",
  text: "hola",
};

/** An adapter client whose answers are scripted in order; every call is recorded. */
function scriptedSender(answers: (AppError | { providerMessageId: string; provider: string })[]) {
  const keys: string[] = [];
  const sender: ReplySender = {
    async send(_target, _content, idempotencyKey) {
      keys.push(idempotencyKey);
      const answer = answers.shift() ?? { providerMessageId: "wamid.default", provider: "meta" };
      if (answer instanceof AppError) throw answer;
      return answer;
    },
  };
  return { sender, keys };
}

function recordingEvents() {
  const emitted: EventInput[] = [];
  const events: EventsRepository = {
    async emit(event) {
      emitted.push(event);
    },
    async emitMany(batch) {
      emitted.push(...batch);
    },
  };
  return { events, emitted };
}

const outcomeUnknown = () =>
  new AppError("failed_precondition", "SEND_OUTCOME_UNKNOWN", "The provider may or may not have accepted the message", { details: { provider: "meta", providerCode: "PROVIDER_TIMEOUT" } });

describe("handleInbound", () => {
  it("does not retry a reply whose outcome is unknown, records message.send_ambiguous with the codes, and acks the entry", async () => {
    const { sender, keys } = scriptedSender([outcomeUnknown()]);
    const { events, emitted } = recordingEvents();

    const outcome = await createHandler(sender, events)(message);

    expect(outcome).toBe("ambiguous");
    expect(outcome).not.toBe("retry_later");
    expect(keys).toEqual([`${message.id}:0`]);
    expect(emitted.map((e) => e.type)).toEqual(["message.received", "message.send_ambiguous"]);
    expect(emitted[1]).toMatchObject({
      id: `${message.id}:reply:0:ambiguous`,
      tenantId: message.tenantId,
      botId: message.botId,
      contact: message.from,
      attributes: { code: "SEND_OUTCOME_UNKNOWN", provider_code: "PROVIDER_TIMEOUT" },
    });
  });

  it("records the same event id when a redelivered entry meets the same unknown outcome, so analytics counts it once", async () => {
    const { sender } = scriptedSender([outcomeUnknown(), outcomeUnknown()]);
    const { events, emitted } = recordingEvents();
    const handleInbound = createHandler(sender, events);

    await handleInbound(message);
    await handleInbound(message);

    const ambiguous = emitted.filter((e) => e.type === "message.send_ambiguous").map((e) => e.id);
    expect(ambiguous).toHaveLength(2);
    expect(new Set(ambiguous).size).toBe(1);
  });

  it("retries a transient failure in place with the same idempotency key and records message.sent", async () => {
    const { sender, keys } = scriptedSender([new AppError("unavailable", "PROVIDER_UNAVAILABLE", "Meta answered 503"), { providerMessageId: "wamid.ok", provider: "meta" }]);
    const { events, emitted } = recordingEvents();

    const outcome = await createHandler(sender, events)(message);

    expect(outcome).toBe("replied");
    expect(keys).toEqual([`${message.id}:0`, `${message.id}:0`]);
    expect(emitted.map((e) => e.type)).toEqual(["message.received", "message.sent"]);
  });

  it("leaves the entry for a retry, not counted against it, when the adapter stays unavailable", async () => {
    const unavailable = () => new AppError("unavailable", "GRPC_UNAVAILABLE", "adapter down");
    const { sender, keys } = scriptedSender(Array.from({ length: 10 }, unavailable));
    const { events, emitted } = recordingEvents();

    const outcome = await createHandler(sender, events)(message);

    expect(outcome).toBe("unavailable");
    expect(keys.length).toBeGreaterThan(1);
    expect(keys.length).toBeLessThan(10);
    expect(emitted.map((e) => e.type)).toEqual(["message.received"]);
  });

  it("counts a reply the provider keeps failing as a failed attempt (retry_later)", async () => {
    const failing = () => new AppError("unavailable", "PROVIDER_UNAVAILABLE", "provider down");
    const { sender } = scriptedSender(Array.from({ length: 10 }, failing));
    const { events } = recordingEvents();

    expect(await createHandler(sender, events)(message)).toBe("retry_later");
  });

  it("reports a reply held back by the bot's pacing as throttled at once, without retrying it in place", async () => {
    const { sender, keys } = scriptedSender([new AppError("deadline_exceeded", "GRPC_DEADLINE_EXCEEDED", "deadline")]);
    const { events } = recordingEvents();

    expect(await createHandler(sender, events)(message)).toBe("throttled");
    expect(keys).toHaveLength(1);
  });

  it("records message.send_failed and acks the entry when the reply is rejected", async () => {
    const { sender, keys } = scriptedSender([new AppError("failed_precondition", "OUTSIDE_CUSTOMER_WINDOW", "needs a template")]);
    const { events, emitted } = recordingEvents();

    const outcome = await createHandler(sender, events)(message);

    expect(outcome).toBe("failed");
    expect(keys).toHaveLength(1);
    expect(emitted[1]).toMatchObject({ type: "message.send_failed", attributes: { code: "OUTSIDE_CUSTOMER_WINDOW" } });
  });
});
