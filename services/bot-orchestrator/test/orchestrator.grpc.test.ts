// OrchestratorService over a real gRPC client on port 0, backed by the flows module on real
// Postgres and its conversation store on real Redis: flow documents round-trip as JSON, activation
// answers its problems in the message, errors keep their stable codes, simulations run the real
// engine (its replies as the adapter's messages, its calls, timers and the shop's clock), and
// conversations are read, reset and handed back to the bot through the contact's partition.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { InboundEntrySchema, decodeStreamEntry, entryContact, inboundPartition, inboundStream, type InboundEntry } from "@fleet/contracts";
import { MediaKind } from "@fleet/contracts/adapter";
import { FlowKind, FlowVersionStatus, SimulatedCallKind } from "@fleet/contracts/orchestrator";
import { memoryLogger, type TestRedis } from "@fleet/testing";
import type { ConversationState } from "../src/flows/engine/conversation-state.js";
import { exampleActions, shopMenuFlow } from "../src/flows/language/flow-examples.js";
import { MAX_DEFINITION_BYTES } from "../src/grpc/orchestrator.handler.js";
import type { ConversationsRepository } from "../src/repositories/conversations.repository.js";
import { brokenFlow, greetingFlow, newId } from "./flows.fixtures.js";
import { SERVICE_PARTITIONS, startFlowsService, type FlowsService, type OrchestratorClient } from "./flows.service.js";
import { rejectionOf as rejection } from "@fleet/testing";

const PARTITIONS = SERVICE_PARTITIONS;
const HOUR_MS = 3600_000;
/** What the catalogue search answers in simulations. */
const catalogueResult = { count: 2, items: [{ name: "Anillo Luna" }, { name: "Anillo Sol" }] };

const { logger } = memoryLogger("bot-orchestrator", "error");
let service: FlowsService;
let testRedis: TestRedis;
let conversations: ConversationsRepository;
let client: OrchestratorClient;

beforeAll(async () => {
  const search = exampleActions["catalogue.search"];
  if (!search) throw new Error("the example actions have no catalogue.search");
  const actions = { ...exampleActions, "catalogue.search": { ...search, example: catalogueResult } };
  service = await startFlowsService({ actions, logger, stateTtlMs: HOUR_MS });
  ({ testRedis, conversations, client } = service);
});

afterAll(async () => {
  await service?.stop();
});


async function createdFlow(tenantId: string, definition: unknown, botId = "", kind = FlowKind.MAIN) {
  const response = await client.createFlow({ tenantId, botId, kind, definitionJson: JSON.stringify(definition), userId: "user-ana" });
  const id = response.flow?.id;
  if (!id) throw new Error("CreateFlow answered without a flow");
  return id;
}

describe("flows over gRPC", () => {
  it("creates a flow and reads it back with its versions and one version's document", async () => {
    const tenantId = newId();
    const botId = newId();
    const created = await client.createFlow({ tenantId, botId, kind: FlowKind.MAIN, definitionJson: JSON.stringify(shopMenuFlow), userId: "user-ana" });
    expect(created.flow).toMatchObject({ tenantId, botId, slug: "bienvenida", kind: FlowKind.MAIN, name: "Bienvenida y menú", activeVersion: 0, latestVersion: 1, revision: 1 });
    expect(created.version?.summary).toMatchObject({ version: 1, status: FlowVersionStatus.DRAFT, createdBy: "user-ana" });
    expect(created.version?.summary?.activateTime).toBeUndefined();
    const flowId = created.flow?.id ?? "";

    const read = await client.getFlow({ tenantId, flowId, version: 1 });
    expect(JSON.parse(read.version?.definitionJson ?? "null")).toEqual(shopMenuFlow);
    expect(read.versions.map((v) => v.version)).toEqual([1]);
    const summaryOnly = await client.getFlow({ tenantId, flowId });
    expect(summaryOnly.version).toBeUndefined();
  });

  it("answers activation of an invalid version with activated = false and the problems, then activates a fixed draft", async () => {
    const tenantId = newId();
    const flowId = await createdFlow(tenantId, brokenFlow("bienvenida"));
    const refused = await client.activateFlowVersion({ tenantId, flowId, version: 1, userId: "user-ana" });
    expect(refused).toMatchObject({ activated: false, problems: [{ path: "/steps/hola/next", code: "step_not_found" }], flow: { activeVersion: 0 } });

    const saved = await client.updateFlowDraft({ tenantId, flowId, definitionJson: JSON.stringify(greetingFlow("bienvenida")), expectedVersion: 1, expectedRevision: 1, userId: "user-ana" });
    expect(saved).toMatchObject({ created: false, flow: { revision: 2 } });
    const validation = await client.validateFlow({ tenantId, flowId, source: { case: "version", value: 1 } });
    expect(validation).toMatchObject({ ok: true, problems: [], version: 1 });
    const activated = await client.activateFlowVersion({ tenantId, flowId, version: 1, userId: "user-ana" });
    expect(activated).toMatchObject({ activated: true, problems: [], flow: { activeVersion: 1 }, deactivatedFlowId: "" });
    const read = await client.getFlow({ tenantId, flowId });
    expect(read.versions[0]).toMatchObject({ status: FlowVersionStatus.ACTIVE, activatedBy: "user-ana" });
    expect(read.versions[0]?.activateTime).toBeDefined();
  });

  it("swaps the scope's main flow and names the one it deactivated", async () => {
    const tenantId = newId();
    const first = await createdFlow(tenantId, greetingFlow("uno"));
    const second = await createdFlow(tenantId, greetingFlow("dos"));
    await client.activateFlowVersion({ tenantId, flowId: first, version: 1 });
    expect(await client.activateFlowVersion({ tenantId, flowId: second, version: 1 })).toMatchObject({ activated: true, deactivatedFlowId: first });
  });

  it("validates a submitted document without storing it, with JSON pointers into it", async () => {
    const tenantId = newId();
    const flowId = await createdFlow(tenantId, greetingFlow("bienvenida"));
    const check = await client.validateFlow({ tenantId, flowId, source: { case: "definitionJson", value: JSON.stringify(brokenFlow("bienvenida")) } });
    expect(check).toMatchObject({ ok: false, version: 0, problems: [{ path: "/steps/hola/next", code: "step_not_found" }] });
    const latest = await client.validateFlow({ tenantId, flowId });
    expect(latest).toMatchObject({ ok: true, version: 1 });
  });

  it("lists all flows, the default scope's only (empty bot_id) or one bot's", async () => {
    const tenantId = newId();
    const botId = newId();
    await createdFlow(tenantId, greetingFlow("general"));
    await createdFlow(tenantId, greetingFlow("tienda"), botId);
    await createdFlow(tenantId, greetingFlow("catalogo"), botId, FlowKind.SUBFLOW);
    expect((await client.listFlows({ tenantId })).flows.map((f) => f.slug)).toEqual(["general", "tienda", "catalogo"]);
    expect((await client.listFlows({ tenantId, botId: "" })).flows.map((f) => f.slug)).toEqual(["general"]);
    expect((await client.listFlows({ tenantId, botId })).flows.map((f) => [f.slug, f.kind])).toEqual([
      ["tienda", FlowKind.MAIN],
      ["catalogo", FlowKind.SUBFLOW],
    ]);
  });

  it("keeps the stable codes of its errors on the wire", async () => {
    const tenantId = newId();
    const flowId = await createdFlow(tenantId, greetingFlow("bienvenida"));
    expect(await rejection(client.getFlow({ tenantId: newId(), flowId }))).toMatchObject({ kind: "not_found", code: "FLOW_NOT_FOUND" });
    expect(await rejection(client.activateFlowVersion({ tenantId: newId(), flowId, version: 1 }))).toMatchObject({ kind: "not_found", code: "FLOW_NOT_FOUND" });
    expect(await rejection(client.getFlow({ tenantId, flowId, version: 4 }))).toMatchObject({ kind: "not_found", code: "FLOW_VERSION_NOT_FOUND" });
    expect(await rejection(client.createFlow({ tenantId, definitionJson: "{ not json" }))).toMatchObject({ kind: "invalid_argument", code: "FLOW_INVALID", details: { problems: [{ path: "", code: "json_invalid" }] } });
    expect(await rejection(client.createFlow({ tenantId, definitionJson: JSON.stringify(greetingFlow("bienvenida")) }))).toMatchObject({ kind: "conflict", code: "FLOW_SLUG_TAKEN" });
    const huge = JSON.stringify({ ...greetingFlow("enorme"), description: "x".repeat(MAX_DEFINITION_BYTES) });
    expect(await rejection(client.createFlow({ tenantId, definitionJson: huge }))).toMatchObject({ kind: "invalid_argument", code: "FLOW_TOO_LARGE" });
    expect(await rejection(client.updateFlowDraft({ tenantId, flowId, definitionJson: JSON.stringify(greetingFlow("bienvenida")), expectedRevision: 5 }))).toMatchObject({ kind: "conflict", code: "FLOW_VERSION_CONFLICT" });
    expect(await rejection(client.createFlow({ tenantId: "not-a-tenant", definitionJson: JSON.stringify(greetingFlow("x")) }))).toMatchObject({ kind: "invalid_argument", code: "INVALID_FLOW_REQUEST" });
  });
});

/** A contact's conversation as the engine stores it after a turn: waiting at the menu, not paused. */
function conversationState(overrides: Partial<ConversationState> = {}): ConversationState {
  return {
    v: 1,
    id: `meta:wamid.${newId()}`,
    flow: { id: newId(), slug: "bienvenida", version: 3 },
    step: "menu",
    vars: { nombre: "Lupita" },
    retries: 0,
    timer: null,
    pausedUntil: null,
    pending: [],
    lastError: null,
    seq: 1,
    startedAt: Date.parse("2026-11-22T10:00:00.000Z"),
    updatedAt: Date.parse("2026-11-22T10:05:00.500Z"),
    ...overrides,
  };
}

/** A conversation handed to a person: the bot is paused for an hour, then goes back to the menu. */
function pausedState(): ConversationState {
  const state = conversationState({ step: "sin_asesor" });
  const dueAt = Date.now() + HOUR_MS;
  return { ...state, pausedUntil: dueAt, timer: { id: `${state.id}:1`, purpose: "handoff", dueAt, next: "menu" } };
}

/** Stores a conversation as the engine would after a turn (replacing any stored one). */
async function seedConversation(tenantId: string, botId: string, contact: string, state: ConversationState): Promise<void> {
  const entryId = `seed:${newId()}`;
  const stored = await conversations.load(tenantId, botId, contact, entryId);
  const result = await conversations.commit({ tenantId, botId, contact, entryId, expectedVersion: stored.version, state, effects: [], firstConversation: state.id });
  if (result.kind !== "committed") throw new Error(`seeding the conversation of ${contact} answered ${result.kind}`);
}

/** The entries about this contact on its inbound partition stream, oldest first. */
async function inboundEntries(botId: string, contact: string): Promise<InboundEntry[]> {
  const entries: InboundEntry[] = [];
  for (const [id, fields] of await testRedis.redis.xrange(inboundStream(inboundPartition(botId, contact, PARTITIONS)), "-", "+")) {
    const decoded = decodeStreamEntry(InboundEntrySchema, fields);
    if (!decoded.success) throw new Error(`entry ${id} is not an inbound entry: ${decoded.error.message}`);
    if (decoded.data.botId === botId && entryContact(decoded.data) === contact) entries.push(decoded.data);
  }
  return entries;
}

/** A flow that shows every kind of reply, calls an action and an http API, and waits. */
const showcaseFlow = {
  schemaVersion: 1,
  id: "vitrina",
  name: "Vitrina",
  start: "saludo",
  triggers: [{ type: "keyword", keywords: ["hola"] }],
  steps: {
    saludo: { kind: "message", text: "¡Hola {{contact.first_name}}! Son las {{now.time}} 👋", next: "catalogo" },
    catalogo: { kind: "media", mediaType: "document", url: "https://cocolu.example/catalogo.pdf", filename: "Catalogo.pdf", next: "categorias" },
    categorias: {
      kind: "list",
      text: "¿Qué quieres ver?",
      buttonLabel: "Ver",
      sections: [
        {
          title: "Joyas",
          rows: [
            { id: "anillos", title: "Anillos", description: "Plata y oro", next: "buscar" },
            { id: "cadenas", title: "Cadenas", next: "buscar" },
          ],
        },
      ],
    },
    buscar: { kind: "action", action: "catalogue.search", input: { query: "anillos", limit: 3 }, resultVariable: "resultados", timeoutMs: 3000, next: "crm", onError: "crm" },
    crm: { kind: "http", method: "POST", url: "https://api.micrm.example/leads", body: { phone: "{{contact.phone}}" }, timeoutMs: 5000, next: "interes", onError: "interes" },
    interes: {
      kind: "buttons",
      text: "Hay {{resultados.count}} piezas. ¿Te interesó?",
      footer: "Cocolu",
      buttons: [
        { id: "si", title: "Sí", next: "espera" },
        { id: "no", title: "No", next: "fin" },
      ],
    },
    espera: { kind: "wait", seconds: 1200, next: "fin", onReply: "fin" },
    fin: { kind: "end", message: "¡Gracias!" },
  },
};

describe("simulation", () => {
  it("runs the engine on the flow and maps each turn's replies, calls, the shop's clock, the variables and the timers", async () => {
    const tenantId = newId();
    const flowId = await createdFlow(tenantId, showcaseFlow);
    // 16:30 UTC is 10:30 in Mexico City, the shop's time zone.
    const startTime = { seconds: BigInt(Date.parse("2026-11-22T16:30:00.000Z") / 1000), nanos: 250_000_000 };
    const response = await client.simulateConversation({
      tenantId,
      flowId,
      contactName: "Lupita Pérez",
      inputs: [
        { kind: { case: "text", value: { text: "hola" } } },
        { kind: { case: "payload", value: { payload: "anillos", title: "Anillos" } } },
        { kind: { case: "payload", value: { payload: "si", title: "Sí" } } },
      ],
      startTime,
    });
    expect(response.turns.map((turn) => [turn.input, turn.replies.map((reply) => reply.kind.case)])).toEqual([
      ["hola", ["text", "media", "list"]],
      ["[anillos]", ["buttons"]],
      ["[si]", []],
    ]);
    const [greeting, choice] = response.turns;
    expect(greeting?.replies[0]?.kind.value).toMatchObject({ body: "¡Hola Lupita! Son las 10:30 👋" });
    expect(greeting?.replies[1]?.kind.value).toMatchObject({ kind: MediaKind.DOCUMENT, url: "https://cocolu.example/catalogo.pdf", filename: "Catalogo.pdf", caption: "" });
    expect(greeting?.replies[2]?.kind.value).toMatchObject({
      body: "¿Qué quieres ver?",
      button: "Ver",
      header: "",
      sections: [
        {
          title: "Joyas",
          rows: [
            { id: "anillos", title: "Anillos", description: "Plata y oro" },
            { id: "cadenas", title: "Cadenas", description: "" },
          ],
        },
      ],
    });
    expect(greeting).toMatchObject({ steps: ["saludo", "catalogo", "categorias"], calls: [], events: ["conversation.started"] });
    expect(choice?.calls).toEqual([
      expect.objectContaining({ step: "buscar", kind: SimulatedCallKind.ACTION, name: "catalogue.search" }),
      expect.objectContaining({ step: "crm", kind: SimulatedCallKind.HTTP, name: "POST https://api.micrm.example/leads" }),
    ]);
    expect(choice?.replies[0]?.kind.value).toMatchObject({ body: "Hay 2 piezas. ¿Te interesó?", footer: "Cocolu", buttons: [{ id: "si", title: "Sí" }, { id: "no", title: "No" }] });
    expect(response.step).toBe("espera");
    expect(JSON.parse(response.variablesJson)).toEqual({ resultados: catalogueResult });
    expect(response.timers).toEqual([expect.objectContaining({ purpose: "wait", dueTime: expect.objectContaining({ seconds: startTime.seconds + 1200n, nanos: 250_000_000 }) })]);
    expect(response.paused).toBe(false);
  });

  it("lets time pass: an advance fires the wait's timer as its own turn, and the conversation ends", async () => {
    const tenantId = newId();
    const flowId = await createdFlow(tenantId, showcaseFlow);
    const response = await client.simulateConversation({
      tenantId,
      flowId,
      inputs: [
        { kind: { case: "text", value: { text: "hola" } } },
        { kind: { case: "payload", value: { payload: "anillos" } } },
        { kind: { case: "payload", value: { payload: "si" } } },
        { kind: { case: "advance", value: { seconds: 1199 } } },
        { kind: { case: "advance", value: { seconds: 1 } } },
      ],
    });
    expect(response.turns).toHaveLength(4);
    expect(response.turns[3]?.input).toMatch(/^timer:/);
    expect(response.turns[3]?.replies.map((reply) => reply.kind.value)).toEqual([expect.objectContaining({ body: "¡Gracias!" })]);
    expect(response.step).toBeUndefined();
    expect(response.timers).toEqual([]);
  });

  it("simulates the latest version (a draft included) unless one is named, and answers another tenant's flow NOT_FOUND", async () => {
    const tenantId = newId();
    const flowId = await createdFlow(tenantId, greetingFlow("bienvenida"));
    await client.activateFlowVersion({ tenantId, flowId, version: 1 });
    const changed = { ...greetingFlow("bienvenida"), steps: { ...greetingFlow("bienvenida").steps, hola: { kind: "message", text: "¡Bienvenida de nuevo!", next: "fin" } } };
    expect(await client.updateFlowDraft({ tenantId, flowId, definitionJson: JSON.stringify(changed) })).toMatchObject({ created: true, version: { summary: { version: 2 } } });
    const text = { kind: { case: "text" as const, value: { text: "hola" } } };
    const bodies = async (version: number) => (await client.simulateConversation({ tenantId, flowId, version, inputs: [text] })).turns[0]?.replies.map((reply) => reply.kind.value);
    expect(await bodies(0)).toEqual([expect.objectContaining({ body: "¡Bienvenida de nuevo!" }), expect.objectContaining({ body: "Gracias" })]);
    expect(await bodies(1)).toEqual([expect.objectContaining({ body: "¡Hola! 👋" }), expect.objectContaining({ body: "Gracias" })]);
    expect(await rejection(client.simulateConversation({ tenantId: newId(), flowId, inputs: [text] }))).toMatchObject({ kind: "not_found", code: "FLOW_NOT_FOUND" });
  });

  it("refuses simulations beyond their bounds, and a version that does not fit the schema, with stable codes", async () => {
    const tenantId = newId();
    const flowId = await createdFlow(tenantId, greetingFlow("bienvenida"));
    const text = { kind: { case: "text" as const, value: { text: "hola" } } };
    expect(await rejection(client.simulateConversation({ tenantId, flowId, inputs: Array.from({ length: 51 }, () => text) }))).toMatchObject({ kind: "invalid_argument", code: "INVALID_FLOW_REQUEST" });
    expect(await rejection(client.simulateConversation({ tenantId, flowId, inputs: [{ kind: { case: "advance", value: { seconds: 8 * 24 * 3600 } } }] }))).toMatchObject({ kind: "invalid_argument", code: "INVALID_FLOW_REQUEST" });
    expect(await rejection(client.simulateConversation({ tenantId, flowId, inputs: [{}] }))).toMatchObject({ kind: "invalid_argument", code: "INVALID_FLOW_REQUEST" });
    expect(await rejection(client.simulateConversation({ tenantId, flowId, inputs: [text], startTime: { seconds: 10n ** 15n, nanos: 0 } }))).toMatchObject({ kind: "invalid_argument", code: "INVALID_FLOW_REQUEST" });
    expect(await rejection(client.simulateConversation({ tenantId, flowId, version: 2, inputs: [text] }))).toMatchObject({ kind: "not_found", code: "FLOW_VERSION_NOT_FOUND" });
    await client.updateFlowDraft({ tenantId, flowId, definitionJson: JSON.stringify({ ...greetingFlow("bienvenida"), start: 7 }) });
    expect(await rejection(client.simulateConversation({ tenantId, flowId, inputs: [text] }))).toMatchObject({ kind: "invalid_argument", code: "FLOW_INVALID", details: { problems: [{ path: "/start" }] } });
    // The shop's example flow is accepted as it is documented.
    expect((await client.simulateConversation({ tenantId, flowId: await createdFlow(tenantId, shopMenuFlow, newId()), inputs: [text] })).step).toBe("menu");
  });
});

describe("conversations", () => {
  it("maps a stored conversation: step, variables, pause, timers, times and its state version", async () => {
    const [tenantId, botId, contact] = [newId(), newId(), "5215512345678"];
    const state = pausedState();
    await seedConversation(tenantId, botId, contact, conversationState());
    await seedConversation(tenantId, botId, contact, state);
    const { conversation } = await client.getConversation({ tenantId, botId, contact });
    expect(conversation).toMatchObject({ tenantId, botId, contact, flowId: state.flow.id, flowVersion: 3, step: "sin_asesor", stateVersion: 2n });
    expect(JSON.parse(conversation?.variablesJson ?? "null")).toEqual({ nombre: "Lupita" });
    expect(conversation?.pausedUntil?.seconds).toBe(BigInt(Math.floor((state.pausedUntil ?? 0) / 1000)));
    expect(conversation?.timers).toEqual([expect.objectContaining({ id: state.timer?.id, purpose: "handoff", dueTime: expect.objectContaining({ seconds: BigInt(Math.floor((state.timer?.dueAt ?? 0) / 1000)) }) })]);
    expect(conversation?.startTime).toMatchObject({ seconds: BigInt(Date.parse("2026-11-22T10:00:00.000Z") / 1000), nanos: 0 });
    expect(conversation?.updateTime).toMatchObject({ seconds: BigInt(Date.parse("2026-11-22T10:05:00.000Z") / 1000), nanos: 500_000_000 });

    const ended = "5215512345679";
    await seedConversation(tenantId, botId, ended, conversationState({ step: null }));
    const endedView = await client.getConversation({ tenantId, botId, contact: ended });
    expect(endedView.conversation?.step).toBeUndefined();
    expect(endedView.conversation?.pausedUntil).toBeUndefined();
  });

  it("answers CONVERSATION_NOT_FOUND for a contact without one, and for another tenant's", async () => {
    const [tenantId, botId, contact] = [newId(), newId(), "5215512345678"];
    await seedConversation(tenantId, botId, contact, conversationState());
    expect(await rejection(client.getConversation({ tenantId, botId, contact: "5215500000000" }))).toMatchObject({ kind: "not_found", code: "CONVERSATION_NOT_FOUND" });
    expect(await rejection(client.getConversation({ tenantId: newId(), botId, contact }))).toMatchObject({ kind: "not_found", code: "CONVERSATION_NOT_FOUND" });
  });

  it("resets a conversation (then it is gone), says false when there was none, and leaves another tenant's alone", async () => {
    const [tenantId, botId, contact] = [newId(), newId(), "5215512345678"];
    await seedConversation(tenantId, botId, contact, conversationState());
    expect(await client.resetConversation({ tenantId: newId(), botId, contact })).toMatchObject({ reset: false });
    expect((await client.getConversation({ tenantId, botId, contact })).conversation?.contact).toBe(contact);
    expect(await client.resetConversation({ tenantId, botId, contact })).toMatchObject({ reset: true });
    expect(await rejection(client.getConversation({ tenantId, botId, contact }))).toMatchObject({ code: "CONVERSATION_NOT_FOUND" });
    expect(await client.resetConversation({ tenantId, botId, contact })).toMatchObject({ reset: false });
  });

  it("resumes a paused conversation by queueing a resume entry on the contact's partition, with who did it", async () => {
    const [tenantId, botId, contact] = [newId(), newId(), "5215512345678"];
    await seedConversation(tenantId, botId, contact, pausedState());
    expect(await client.resumeConversation({ tenantId, botId, contact, by: "user-ana" })).toMatchObject({ resumed: true });
    expect(await inboundEntries(botId, contact)).toEqual([
      { v: 1, kind: "resume", id: expect.stringMatching(new RegExp(`^resume:${botId}:${contact}:`)), tenantId, occurredAt: expect.any(String), botId, contact, by: "user-ana" },
    ]);
    // Nobody named: the entry says nothing about who.
    const other = "5215512345670";
    await seedConversation(tenantId, botId, other, pausedState());
    expect(await client.resumeConversation({ tenantId, botId, contact: other })).toMatchObject({ resumed: true });
    expect((await inboundEntries(botId, other))[0]).not.toHaveProperty("by");
  });

  it("answers resumed = false, queueing nothing, when the conversation is not paused, is another tenant's or does not exist", async () => {
    const [tenantId, botId] = [newId(), newId()];
    await seedConversation(tenantId, botId, "5215512345601", conversationState());
    await seedConversation(tenantId, botId, "5215512345602", pausedState());
    const cases: [string, string][] = [
      [tenantId, "5215512345601"],
      [newId(), "5215512345602"],
      [tenantId, "5215512345603"],
    ];
    for (const [tenant, contact] of cases) {
      expect(await client.resumeConversation({ tenantId: tenant, botId, contact, by: "user-ana" })).toMatchObject({ resumed: false });
      expect(await inboundEntries(botId, contact)).toEqual([]);
    }
  });

  it("refuses a resume whose author does not fit the entry it becomes", async () => {
    const [tenantId, botId, contact] = [newId(), newId(), "5215512345678"];
    await seedConversation(tenantId, botId, contact, pausedState());
    expect(await rejection(client.resumeConversation({ tenantId, botId, contact, by: "x".repeat(65) }))).toMatchObject({ kind: "invalid_argument", code: "INVALID_FLOW_REQUEST" });
    expect(await inboundEntries(botId, contact)).toEqual([]);
  });
});
