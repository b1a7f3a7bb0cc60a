// The engine in the service, on real Redis and Postgres: an inbound entry's transition is decided
// once and committed before any reply is sent, a redelivery replays the same replies with the same
// keys, timers live in the partition's sorted set and fire once into its stream, a contact's message
// cancels the wait it answers, and a bot without a flow keeps its stateless echo. The adapter is the
// boundary: a recording sender stands in for it (the adapter's idempotency is tested on its side).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { InboundEntrySchema, STREAMS, decodeStreamEntry, inboundPartition, inboundStream, type InboundMessage } from "@fleet/contracts";
import { AppError, type RedisClient } from "@fleet/service-kit";
import { createTestRedis, memoryLogger, type TestRedis } from "@fleet/testing";
import { z } from "zod";
import type { OutboundContent } from "../src/flows/engine/effects.js";
import { createCallRunner, type RunnableActions } from "../src/flows/runtime/call-runner.js";
import { createFlowSource } from "../src/flows/runtime/flow-source.js";
import { createConversationsRepository } from "../src/repositories/conversations.repository.js";
import { createEventsRepository } from "../src/repositories/events.repository.js";
import { createFlowsRepository, type FlowsRepository } from "../src/repositories/flows.repository.js";
import { createTimersRepository, timerKeys } from "../src/repositories/timers.repository.js";
import { createHandleInbound, sendInOrder, type OutboundReply, type ReplySender, type ReplyTarget } from "../src/use-cases/handle-inbound.use-case.js";
import { createPauseConversation } from "../src/use-cases/pause-conversation.use-case.js";
import { createResumeConversation } from "../src/use-cases/resume-conversation.use-case.js";
import { newId, startFlowsDatabase, type FlowsDatabase } from "./flows.fixtures.js";

const PARTITIONS = 4;
const { logger } = memoryLogger("bot-orchestrator", "error");

class RecordingSender implements ReplySender {
  readonly sent: { key: string; to: string; body: string }[] = [];
  /** Keys whose next send fails with this error (once). */
  readonly failOnce = new Map<string, AppError>();
  async send(target: ReplyTarget, content: OutboundContent, key: string) {
    const failure = this.failOnce.get(key);
    if (failure) {
      this.failOnce.delete(key);
      throw failure;
    }
    this.sent.push({ key, to: target.recipient, body: content.type === "text" ? content.body : content.type === "media" ? content.url : content.body });
    return { providerMessageId: `wamid.${this.sent.length}`, provider: "meta" };
  }
  bodiesTo(contact: string) {
    return this.sent.filter((s) => s.to === contact).map((s) => s.body);
  }
}

const followUpFlow = {
  schemaVersion: 1,
  id: "seguimiento",
  name: "Seguimiento",
  start: "saludo",
  triggers: [{ type: "keyword", keywords: ["hola"] }],
  steps: {
    saludo: { kind: "message", text: "Hola {{contact.first_name}}", next: "nombre" },
    nombre: { kind: "question", text: "¿Cómo te llamas?", variable: "nombre", validation: { type: "text", maxLength: 40 }, onFail: "fin", next: "buscar" },
    buscar: { kind: "action", action: "sellers.assign", input: { cliente: "{{nombre}}" }, resultVariable: "vendedora", next: "asignada", onError: "fin" },
    asignada: { kind: "message", text: "{{nombre}}, te atiende {{vendedora.name}}", next: "espera" },
    espera: { kind: "wait", seconds: 900, next: "atendida", onReply: "fin" },
    atendida: { kind: "message", text: "¿{{vendedora.name}} te atendió?", next: "fin" },
    fin: { kind: "end", message: "Gracias" },
  },
};

let db: FlowsDatabase;
let testRedis: TestRedis;
let redis: RedisClient;
let flowsRepository: FlowsRepository;
let sender: RecordingSender;
let clock: number;
let assigned: string[];
let handle: ReturnType<typeof createHandleInbound>;
let conversations: ReturnType<typeof createConversationsRepository>;
let timers: ReturnType<typeof createTimersRepository>;
const tenantId = newId();
const botId = newId();
const echoBot = newId();
const handoffBot = newId();

const handoffFlow = {
  schemaVersion: 1,
  id: "humano",
  name: "Humano",
  start: "pasar",
  triggers: [{ type: "keyword", keywords: ["hola"] }],
  steps: {
    pasar: { kind: "handoff", message: "Te paso con una persona", timeoutSeconds: 3600, next: "volver" },
    volver: { kind: "end", message: "El bot volvió 🤖" },
  },
};

const actions: RunnableActions = {
  "sellers.assign": {
    input: z.strictObject({ cliente: z.string() }),
    async run(input, context) {
      assigned.push(context.idempotencyKey);
      return { id: "s-1", name: "Ana", for: (input as { cliente: string }).cliente };
    },
  },
};

beforeAll(async () => {
  db = await startFlowsDatabase();
  testRedis = await createTestRedis();
  redis = testRedis.redis;
  flowsRepository = createFlowsRepository(db.pool);
  const created = await flowsRepository.create({ tenantId, botId, kind: "main", slug: "seguimiento", name: "Seguimiento", definition: followUpFlow, userId: null });
  await flowsRepository.activate({ tenantId, flowId: created.flow.id, version: created.version.version, userId: null }, () => {});
  const handoff = await flowsRepository.create({ tenantId, botId: handoffBot, kind: "main", slug: "humano", name: "Humano", definition: handoffFlow, userId: null });
  await flowsRepository.activate({ tenantId, flowId: handoff.flow.id, version: handoff.version.version, userId: null }, () => {});
});

afterAll(async () => {
  await testRedis?.cleanup();
  await db?.close();
});

beforeEach(() => {
  sender = new RecordingSender();
  clock = Date.parse("2026-11-30T16:00:00Z");
  assigned = [];
  conversations = createConversationsRepository(redis, { partitions: PARTITIONS, stateTtlMs: 24 * 3600_000, now: () => clock });
  timers = createTimersRepository(redis);
  handle = handlerFor(sender);
});

/** The use case as these tests run it (real Redis and Postgres, the test clock), replying through `replies`. */
function handlerFor(replies: ReplySender) {
  return createHandleInbound({
    sender: replies,
    events: createEventsRepository(redis),
    conversations,
    flows: createFlowSource(flowsRepository, { activeTtlMs: 1000 }),
    calls: createCallRunner({ actions, http: () => Promise.resolve({ ok: false, code: "host_not_allowed", message: "no" }), logger }),
    logger,
    tenants: { profile: async () => ({ name: "Joyería Luna", timezone: "America/Mexico_City" }) },
    now: () => clock,
  });
}

let sequence = 0;
function message(from: string, text: string, bot = botId): InboundMessage {
  sequence += 1;
  return { v: 1, kind: "message", id: `meta:wamid.rt${sequence}`, tenantId, botId: bot, occurredAt: new Date(clock).toISOString(), provider: "meta", providerMessageId: `wamid.rt${sequence}`, from, contactName: "Luisa Pérez", type: "text", text };
}

async function timerEntries(contact: string) {
  const stream = inboundStream(inboundPartition(botId, contact, PARTITIONS));
  const entries = await redis.xrange(stream, "-", "+");
  return entries.map(([, fields]) => decodeStreamEntry(InboundEntrySchema, fields)).flatMap((decoded) => (decoded.success && decoded.data.kind === "timer" && decoded.data.contact === contact ? [decoded.data] : []));
}

describe("decided once", () => {
  it("commits the transition before sending, and a redelivery carries out the same effects without deciding again", async () => {
    const contact = "5215510000001";
    const greeting = message(contact, "hola");
    await handle(greeting);
    const answer = message(contact, "Luisa");
    sender.failOnce.set(`${answer.id}:0`, new AppError("unavailable", "PACING_DEADLINE", "the bot's pacing held the reply back"));
    await expect(handle(answer)).resolves.toBe("throttled");
    // Decided and stored with its timer, though nothing went out.
    const partition = inboundPartition(botId, contact, PARTITIONS);
    const pendingBefore = await timers.pending(partition);
    expect(await conversations.view(tenantId, botId, contact)).toMatchObject({ step: "espera", variables: { nombre: "Luisa", vendedora: { name: "Ana" } }, version: 2 });
    expect(sender.sent.filter((s) => s.key.startsWith(answer.id))).toEqual([]);
    // The redelivery carries out the stored effects: the reply under its key; the timer is not scheduled twice.
    await expect(handle(answer)).resolves.toBe("replied");
    expect(sender.sent.filter((s) => s.key.startsWith(answer.id))).toEqual([{ key: `${answer.id}:0`, to: contact, body: "Luisa, te atiende Ana" }]);
    expect(await timers.pending(partition)).toBe(pendingBefore);
    expect((await redis.zrange(timerKeys(partition).set, 0, -1)).filter((id) => id.startsWith(`${greeting.id}:`))).toHaveLength(1);
    // Neither the action nor the state ran twice.
    expect(assigned).toEqual([`${answer.id}:buscar`]);
    expect((await conversations.view(tenantId, botId, contact))?.version).toBe(2);
  });

  it("an entry handled in full and delivered again sends the same replies under the same keys, not new ones", async () => {
    const contact = "5215510000002";
    const first = message(contact, "hola");
    await handle(first);
    await handle(first);
    const sent = sender.sent.filter((s) => s.key.startsWith(first.id));
    expect(sent).toEqual([
      { key: `${first.id}:0`, to: contact, body: "Hola Luisa" },
      { key: `${first.id}:1`, to: contact, body: "¿Cómo te llamas?" },
      { key: `${first.id}:0`, to: contact, body: "Hola Luisa" },
      { key: `${first.id}:1`, to: contact, body: "¿Cómo te llamas?" },
    ]);
    expect((await conversations.view(tenantId, botId, contact))?.version).toBe(1);
  });

  it("refuses to commit over a state another replica moved meanwhile", async () => {
    const contact = "5215510000003";
    await handle(message(contact, "hola"));
    const loaded = await conversations.load(tenantId, botId, contact, "meta:other");
    const stale = await conversations.commit({ tenantId, botId, contact, entryId: "meta:other", expectedVersion: loaded.version - 1, state: loaded.state, effects: [], firstConversation: null });
    expect(stale).toEqual({ kind: "conflict", version: loaded.version });
  });
});

/** The recording sender with the adapter's SendMessages: every call's keys are recorded. */
class BatchingSender extends RecordingSender {
  readonly calls: string[][] = [];
  async sendAll(target: ReplyTarget, replies: OutboundReply[]) {
    this.calls.push(replies.map((reply) => reply.idempotencyKey));
    return sendInOrder(this)(target, replies);
  }
}

describe("a turn's replies in one call", () => {
  it("sends every reply of the turn in one call, in order, under the entry's reply keys", async () => {
    const batching = new BatchingSender();
    const greeting = message("5215510000101", "hola");

    await expect(handlerFor(batching)(greeting)).resolves.toBe("replied");

    expect(batching.calls).toEqual([[`${greeting.id}:0`, `${greeting.id}:1`]]);
    expect(batching.bodiesTo("5215510000101")).toEqual(["Hola Luisa", "¿Cómo te llamas?"]);
  });

  it("retries a transient failure in place from the reply that failed, without sending the ones before it again", async () => {
    const batching = new BatchingSender();
    const greeting = message("5215510000102", "hola");
    batching.failOnce.set(`${greeting.id}:1`, new AppError("unavailable", "PROVIDER_UNAVAILABLE", "Graph answered 503"));

    await expect(handlerFor(batching)(greeting)).resolves.toBe("replied");

    expect(batching.calls).toEqual([[`${greeting.id}:0`, `${greeting.id}:1`], [`${greeting.id}:1`]]);
    expect(batching.sent.map((sent) => sent.key)).toEqual([`${greeting.id}:0`, `${greeting.id}:1`]);
  });

  it("stops at a reply held back by pacing, and the redelivery sends the turn again under the same keys", async () => {
    const batching = new BatchingSender();
    const greeting = message("5215510000103", "hola");
    batching.failOnce.set(`${greeting.id}:0`, new AppError("unavailable", "PACING_DEADLINE", "the bot's pacing held the reply back"));
    const handleTurn = handlerFor(batching);

    await expect(handleTurn(greeting)).resolves.toBe("throttled");
    expect(batching.sent).toEqual([]);
    await expect(handleTurn(greeting)).resolves.toBe("replied");

    expect(batching.calls).toEqual([
      [`${greeting.id}:0`, `${greeting.id}:1`],
      [`${greeting.id}:0`, `${greeting.id}:1`],
    ]);
    expect(batching.bodiesTo("5215510000103")).toEqual(["Hola Luisa", "¿Cómo te llamas?"]);
  });
});

describe("durable timers", () => {
  it("a wait's timer fires once into the conversation's partition, and its entry sends the follow-up", async () => {
    const contact = "5215510000004";
    await handle(message(contact, "hola"));
    await handle(message(contact, "Marta"));
    const partition = inboundPartition(botId, contact, PARTITIONS);
    // The state outlives its 24-hour TTL while a timer waits: kept until the timer's due time and 24 h after.
    const stateKey = (await redis.keys(`${testRedis.prefix}wa.conv.*:${botId}:${contact}`))[0]?.slice(testRedis.prefix.length);
    if (!stateKey) throw new Error("no state key");
    expect(await redis.pttl(stateKey)).toBeGreaterThan(24 * 3600_000 + 899_000);
    expect(await timers.fireDue(partition, clock + 899_000)).toBe(0);
    // Two replicas racing for the same due timer: one entry.
    const fired = await Promise.all([timers.fireDue(partition, clock + 900_000), timers.fireDue(partition, clock + 900_000)]);
    expect(fired.sort()).toEqual([0, 1]);
    const entries = await timerEntries(contact);
    expect(entries).toHaveLength(1);
    const timer = entries[0];
    if (!timer) throw new Error("no timer entry");
    expect(timer).toMatchObject({ kind: "timer", id: `timer:${timer.timerId}`, botId, contact, tenantId });
    clock += 900_000;
    await expect(handle(timer)).resolves.toBe("replied");
    expect(sender.bodiesTo(contact).slice(-2)).toEqual(["¿Ana te atendió?", "Gracias"]);
    // Fired again (a redelivery): the same replies under the same keys; a stale timer does nothing.
    await handle(timer);
    expect(sender.sent.filter((s) => s.key.startsWith(timer.id)).map((s) => s.key)).toEqual([`${timer.id}:0`, `${timer.id}:1`, `${timer.id}:0`, `${timer.id}:1`]);
  });

  it("a message from the contact cancels the wait it answers", async () => {
    const contact = "5215510000005";
    await handle(message(contact, "hola"));
    await handle(message(contact, "Rosa"));
    const partition = inboundPartition(botId, contact, PARTITIONS);
    const before = await timers.pending(partition);
    await handle(message(contact, "ya me atendieron"));
    expect(await timers.pending(partition)).toBe(before - 1);
    await timers.fireDue(partition, clock + 3600_000);
    expect(await timerEntries(contact)).toEqual([]);
    expect(sender.bodiesTo(contact).at(-1)).toBe("Gracias");
  });
});

describe("hand-off", () => {
  it("stays silent while staff has the conversation, and staff resuming it enters the partition and continues the flow", async () => {
    const contact = "5215510000007";
    await handle(message(contact, "hola", handoffBot));
    expect(sender.bodiesTo(contact)).toEqual(["Te paso con una persona"]);
    await expect(handle(message(contact, "¿hay alguien?", handoffBot))).resolves.toBe("recorded");
    expect(sender.bodiesTo(contact)).toHaveLength(1);
    const resume = createResumeConversation({ redis, conversations, partitions: PARTITIONS, now: () => clock });
    await expect(resume(tenantId, handoffBot, contact, "user-1")).resolves.toBe(true);
    const stream = inboundStream(inboundPartition(handoffBot, contact, PARTITIONS));
    const resumed = (await redis.xrange(stream, "-", "+")).map(([, fields]) => decodeStreamEntry(InboundEntrySchema, fields)).flatMap((d) => (d.success && d.data.kind === "resume" && d.data.contact === contact ? [d.data] : []));
    expect(resumed).toHaveLength(1);
    const entry = resumed[0];
    if (!entry) throw new Error("no resume entry");
    await expect(handle(entry)).resolves.toBe("replied");
    expect(sender.bodiesTo(contact)).toEqual(["Te paso con una persona", "El bot volvió 🤖"]);
    // Not paused any more: another resume does nothing.
    await expect(resume(tenantId, handoffBot, contact)).resolves.toBe(false);
    // Another tenant cannot resume (or see) it.
    await expect(resume(newId(), handoffBot, contact)).resolves.toBe(false);
  });
});

describe("staff pausing the bot", () => {
  async function queued(bot: string, contact: string, kind: "pause" | "resume") {
    const stream = inboundStream(inboundPartition(bot, contact, PARTITIONS));
    return (await redis.xrange(stream, "-", "+")).map(([, fields]) => decodeStreamEntry(InboundEntrySchema, fields)).flatMap((d) => (d.success && d.data.kind === kind && d.data.contact === contact ? [d.data] : []));
  }
  async function eventsOf(contact: string) {
    const entries = await redis.xrange(STREAMS.events, "-", "+");
    return entries.map(([, fields]) => JSON.parse(fields[1] ?? "{}") as { type: string; contact?: string; attributes: Record<string, unknown> }).filter((e) => e.contact === contact);
  }

  it("pauses a conversation in the middle of a flow: silent while paused, back at the step it waited at when the pause ends, and said on the events stream", async () => {
    const contact = "5215510000011";
    await handle(message(contact, "hola"));
    expect(sender.bodiesTo(contact)).toEqual(["Hola Luisa", "¿Cómo te llamas?"]);
    const pause = createPauseConversation({ redis, flows: flowsRepository, partitions: PARTITIONS, now: () => clock });
    const until = await pause(tenantId, botId, contact, 30, "seller:Ana");
    expect(until?.getTime()).toBe(clock + 30 * 60_000);
    const [entry] = await queued(botId, contact, "pause");
    if (!entry) throw new Error("no pause entry");
    expect(entry).toMatchObject({ kind: "pause", until: clock + 30 * 60_000, by: "seller:Ana", botId, contact, tenantId });
    await handle(entry);
    await expect(handle(message(contact, "Marta"))).resolves.toBe("recorded");
    expect(sender.bodiesTo(contact)).toHaveLength(2);
    expect(await conversations.view(tenantId, botId, contact)).toMatchObject({ step: "nombre", pausedUntil: new Date(clock + 30 * 60_000).toISOString() });
    const paused = (await eventsOf(contact)).filter((e) => e.type === "conversation.paused");
    expect(paused).toEqual([expect.objectContaining({ attributes: expect.objectContaining({ by: "seller:Ana", step: "nombre" }) })]);
    // The pause ends: its timer fires and the bot asks again where it was.
    const partition = inboundPartition(botId, contact, PARTITIONS);
    expect(await timers.fireDue(partition, clock + 30 * 60_000)).toBe(1);
    clock += 30 * 60_000;
    const fired = (await timerEntries(contact)).at(-1);
    if (!fired) throw new Error("no timer entry");
    await handle(fired);
    expect(sender.bodiesTo(contact)).toEqual(["Hola Luisa", "¿Cómo te llamas?", "¿Cómo te llamas?"]);
    expect((await eventsOf(contact)).map((e) => e.type)).toContain("conversation.resumed");
  });

  it("pauses a contact with no conversation yet: their first messages get no reply until staff resumes, then the flow starts normally", async () => {
    const contact = "5215510000012";
    const pause = createPauseConversation({ redis, flows: flowsRepository, partitions: PARTITIONS, now: () => clock });
    await pause(tenantId, botId, contact, 60, "seller:Ana");
    const [entry] = await queued(botId, contact, "pause");
    if (!entry) throw new Error("no pause entry");
    await handle(entry);
    await expect(handle(message(contact, "hola"))).resolves.toBe("recorded");
    expect(sender.bodiesTo(contact)).toEqual([]);
    const resume = createResumeConversation({ redis, conversations, partitions: PARTITIONS, now: () => clock });
    await expect(resume(tenantId, botId, contact, "user-1")).resolves.toBe(true);
    const [resumed] = await queued(botId, contact, "resume");
    if (!resumed) throw new Error("no resume entry");
    await handle(resumed);
    await handle(message(contact, "hola"));
    expect(sender.bodiesTo(contact)).toEqual(["Hola Luisa", "¿Cómo te llamas?"]);
  });

  it("an echo bot (no flow) cannot be paused, and nothing is queued", async () => {
    const pause = createPauseConversation({ redis, flows: flowsRepository, partitions: PARTITIONS, now: () => clock });
    await expect(pause(tenantId, echoBot, "5215510000013", 10)).resolves.toBeNull();
    expect(await queued(echoBot, "5215510000013", "pause")).toEqual([]);
    await expect(pause(tenantId, botId, "5215510000013", 0)).rejects.toMatchObject({ code: "INVALID_PAUSE" });
  });
});

describe("without a flow", () => {
  it("a bot with no active flow keeps the stateless echo, and keeps no conversation", async () => {
    const contact = "5215510000006";
    await expect(handle(message(contact, "¿tienen anillos?", echoBot))).resolves.toBe("replied");
    expect(sender.bodiesTo(contact)).toEqual(['Hello Luisa Pérez! You said: "¿tienen anillos?"']);
    expect(await conversations.view(tenantId, echoBot, contact)).toBeNull();
  });
});
