// The flows API end to end through the gateway and the orchestrator's real flows service (its use
// cases and repository on real Postgres, its engine's simulator, its conversation store and resume
// on real Redis, over gRPC), with a fake adapter owning the bots: the editor's lifecycle, 422
// FLOW_INVALID with JSON pointers, 409 on stale saves, simulations run by the engine, contacts'
// conversations read, reset and handed back to the bot, who may do what, bad input, other tenants.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import request from "supertest";
import { ProviderKind } from "@fleet/contracts/adapter";
import type { ConversationState } from "../../bot-orchestrator/src/flows/engine/conversation-state.js";
import { exampleActions, shopMenuFlow } from "../../bot-orchestrator/src/flows/language/flow-examples.js";
import { startFakeAdapter, type FakeAdapter } from "./fake-adapter.js";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";
import { startOrchestrator, type OrchestratorHarness } from "./orchestrator.harness.js";

let adapter: FakeAdapter;
let orchestrator: OrchestratorHarness;
let gateway: GatewayHarness;
const seeded = new Map<string, SeededUser>();
const tokens = new Map<string, string>();
let botId: string;
let strangerBotId: string;

const CONTACT = "5215512345678";
const HOUR_MS = 3600_000;

/** What the catalogue search answers in simulations: one product, so the flow shows it. */
const catalogueResult = { count: 1, items: [{ name: "Anillo Luna", price: "$890" }] };

function greeting(id: string, name = `Flujo ${id}`) {
  return {
    schemaVersion: 1,
    id,
    name,
    start: "hola",
    triggers: [{ type: "keyword", keywords: ["hola"] }],
    steps: { hola: { kind: "message", text: "¡Hola!", next: "fin" }, fin: { kind: "end" } },
  };
}

/** A contact's conversation as the engine stores it after a turn: waiting at the menu, not paused. */
function conversationState(overrides: Partial<ConversationState> = {}): ConversationState {
  const now = Date.now();
  return {
    v: 1,
    id: `meta:wamid.${randomUUID()}`,
    flow: { id: randomUUID(), slug: "bienvenida", version: 2 },
    step: "menu",
    vars: { nombre: "Lupita", opcion: "catalogo" },
    retries: 0,
    timer: null,
    pausedUntil: null,
    pending: [],
    lastError: null,
    seq: 1,
    startedAt: now - 60_000,
    updatedAt: now,
    ...overrides,
  };
}

/** A conversation handed to a person: the bot is paused for an hour, then goes back to the menu. */
function pausedState(): ConversationState {
  const state = conversationState({ step: "sin_asesor" });
  const dueAt = Date.now() + HOUR_MS;
  return { ...state, pausedUntil: dueAt, timer: { id: `${state.id}:1`, purpose: "handoff", dueAt, next: "menu" } };
}

beforeAll(async () => {
  adapter = await startFakeAdapter();
  const search = exampleActions["catalogue.search"];
  if (!search) throw new Error("the example actions have no catalogue.search");
  orchestrator = await startOrchestrator({ actions: { ...exampleActions, "catalogue.search": { ...search, example: catalogueResult } } });
  gateway = await startGateway({ adapterAddress: adapter.address, orchestratorAddress: orchestrator.address });
  for (const role of ["owner", "admin", "agent", "viewer"] as const) {
    const seededUser = await gateway.createUser({ tenant: "joyeria", email: `${role}@joyeria.test`, role });
    seeded.set(role, seededUser);
    tokens.set(role, await tokenFor(gateway, seededUser));
  }
  const stranger = await gateway.createUser({ tenant: "otra", email: "owner@otra.test", role: "owner" });
  seeded.set("stranger", stranger);
  tokens.set("stranger", await tokenFor(gateway, stranger));
  botId = adapter.addBot(user("owner").tenantId, { displayName: "Cocolu", providers: [{ kind: ProviderKind.META, settings: { phone_number_id: "600000001" }, secrets: {} }] }).id;
  strangerBotId = adapter.addBot(stranger.tenantId, { displayName: "Otra", providers: [{ kind: ProviderKind.META, settings: { phone_number_id: "600000002" }, secrets: {} }] }).id;
});

afterAll(async () => {
  await gateway?.close();
  await orchestrator?.stop();
  await adapter?.stop();
});

function user(role: string): SeededUser {
  const found = seeded.get(role);
  if (!found) throw new Error(`no seeded ${role}`);
  return found;
}

const as = (role: string, app = gateway.app) => {
  const auth = { authorization: `Bearer ${tokens.get(role) ?? ""}` };
  return {
    get: (path: string) => request(app).get(`/api${path}`).set(auth),
    post: (path: string, body?: object) => (body === undefined ? request(app).post(`/api${path}`).set(auth) : request(app).post(`/api${path}`).set(auth).send(body)),
    put: (path: string, body: object) => request(app).put(`/api${path}`).set(auth).send(body),
    delete: (path: string) => request(app).delete(`/api${path}`).set(auth),
  };
};

async function createFlow(role: string, body: { botId: string | null; kind?: string; definition: object }): Promise<string> {
  const response = await as(role).post("/flows", body);
  expect(response.status).toBe(201);
  return String(response.body.flow.id);
}

describe("the editor's lifecycle", () => {
  it("creates, lists, saves, validates and activates a bot's flow, and a second activation swaps it", async () => {
    const created = await as("owner").post("/flows", { botId, kind: "main", definition: shopMenuFlow });
    expect(created.status).toBe(201);
    expect(created.body.flow).toMatchObject({ botId, slug: "bienvenida", kind: "main", name: "Bienvenida y menú", activeVersion: null, latestVersion: 1, revision: 1 });
    expect(created.body.version).toMatchObject({ version: 1, status: "draft", createdBy: user("owner").id, definition: shopMenuFlow });
    const flowId = String(created.body.flow.id);

    const listed = await as("owner").get(`/flows?botId=${botId}`);
    expect(listed.body.flows.map((f: { id: string }) => f.id)).toEqual([flowId]);

    const edited = { ...shopMenuFlow, name: "Bienvenida" };
    const saved = await as("admin").put(`/flows/${flowId}`, { definition: edited, expectedVersion: 1, expectedRevision: 1 });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ created: false, flow: { name: "Bienvenida", revision: 2 }, version: { version: 1, updatedBy: user("admin").id } });

    expect((await as("owner").post(`/flows/${flowId}/validate`)).body).toEqual({ ok: true, problems: [], version: 1 });
    const activated = await as("owner").post(`/flows/${flowId}/versions/1/activate`);
    expect(activated.status).toBe(200);
    expect(activated.body).toMatchObject({ flow: { activeVersion: 1 }, deactivatedFlowId: null });

    const other = await createFlow("owner", { botId, definition: greeting("navidad") });
    const swapped = await as("admin").post(`/flows/${other}/versions/1/activate`);
    expect(swapped.body).toMatchObject({ flow: { id: other, activeVersion: 1 }, deactivatedFlowId: flowId });
    const detail = await as("viewer").get(`/flows/${flowId}?version=1`);
    expect(detail.status).toBe(200);
    expect(detail.body.versions).toEqual([expect.objectContaining({ version: 1, status: "archived", activatedBy: user("owner").id })]);
    expect(detail.body.version.definition).toEqual(edited);
  });

  it("answers 422 FLOW_INVALID with every problem and its JSON pointer when a version cannot run, and activates nothing", async () => {
    const broken = { ...greeting("roto"), steps: { hola: { kind: "message", text: "Hola", next: "nowhere" }, fin: { kind: "end" } } };
    const flowId = await createFlow("owner", { botId: null, definition: broken });
    const refused = await as("owner").post(`/flows/${flowId}/versions/1/activate`);
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: "FLOW_INVALID", details: { problems: [{ path: "/steps/hola/next", code: "step_not_found", message: 'step "nowhere" does not exist' }] } });
    expect(refused.body.error.requestId).toEqual(refused.headers["x-request-id"]);
    expect((await as("owner").get(`/flows/${flowId}`)).body.flow.activeVersion).toBeNull();

    const checked = await as("agent").post(`/flows/${flowId}/validate`, { definition: greeting("roto") });
    expect(checked.body).toEqual({ ok: true, problems: [], version: null });
    const unusable = await as("owner").post("/flows", { botId: null, definition: { name: "Sin id" } });
    expect(unusable.status).toBe(422);
    expect(unusable.body.error.details.problems).toEqual([expect.objectContaining({ path: "/id" })]);
  });

  it("answers 409 to a save from an editor whose copy is stale, and to a second flow with the same id in a scope", async () => {
    const flowId = await createFlow("owner", { botId: null, definition: greeting("horario") });
    expect((await as("owner").put(`/flows/${flowId}`, { definition: greeting("horario", "Ana"), expectedRevision: 1 })).status).toBe(200);
    const stale = await as("admin").put(`/flows/${flowId}`, { definition: greeting("horario", "Bruno"), expectedRevision: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("FLOW_VERSION_CONFLICT");
    const twice = await as("owner").post("/flows", { botId: null, definition: greeting("horario") });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe("FLOW_SLUG_TAKEN");
    const defaults = await as("owner").get("/flows?botId=default");
    expect(defaults.body.flows.map((f: { slug: string }) => f.slug)).toContain("horario");
    expect(defaults.body.flows.filter((f: { botId: string | null }) => f.botId !== null)).toEqual([]);
  });

  it("accepts a large flow document and refuses one over the flows' body limit with 413", async () => {
    const big = { ...greeting("grande"), description: "x".repeat(400), steps: { ...greeting("grande").steps, ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`paso_${i}`, { kind: "message", text: "y".repeat(2000), next: "fin" }])) } };
    expect(JSON.stringify(big).length).toBeGreaterThan(64 * 1024);
    expect((await as("owner").post("/flows", { botId: null, definition: big })).status).toBe(201);
    const huge = { ...big, id: "enorme", steps: { ...big.steps, ...Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`extra_${i}`, { kind: "message", text: "z".repeat(2000), next: "fin" }])) } };
    expect((await as("owner").post("/flows", { botId: null, definition: huge })).status).toBe(413);
  });
});

describe("who may do what", () => {
  it("lets viewers and agents read and validate flows but not create, save or activate them", async () => {
    const flowId = await createFlow("owner", { botId: null, definition: greeting("lectura") });
    for (const role of ["viewer", "agent"]) {
      expect((await as(role).get("/flows")).status).toBe(200);
      expect((await as(role).get(`/flows/${flowId}`)).status).toBe(200);
      expect((await as(role).post(`/flows/${flowId}/validate`)).status).toBe(200);
      const forbidden = [
        await as(role).post("/flows", { botId: null, definition: greeting(`de-${role}`) }),
        await as(role).put(`/flows/${flowId}`, { definition: greeting("lectura", "Cambiado") }),
        await as(role).post(`/flows/${flowId}/versions/1/activate`),
      ];
      expect(forbidden.map((r) => [r.status, r.body.error?.code])).toEqual([
        [403, "FORBIDDEN"],
        [403, "FORBIDDEN"],
        [403, "FORBIDDEN"],
      ]);
    }
    expect((await as("owner").get(`/flows/${flowId}`)).body.flow).toMatchObject({ name: "Flujo lectura", revision: 1, activeVersion: null });
  });

  it("lets agents read a conversation but only managers reset it; viewers see neither", async () => {
    const contact = "5215511110001";
    await orchestrator.seedConversation(user("owner").tenantId, botId, contact, conversationState());
    expect((await as("agent").get(`/bots/${botId}/conversations/${contact}`)).status).toBe(200);
    expect((await as("viewer").get(`/bots/${botId}/conversations/${contact}`)).status).toBe(403);
    expect((await as("agent").delete(`/bots/${botId}/conversations/${contact}`)).status).toBe(403);
    expect((await as("agent").get(`/bots/${botId}/conversations/${contact}`)).status).toBe(200);
    expect((await as("admin").delete(`/bots/${botId}/conversations/${contact}`)).status).toBe(204);
  });
});

describe("bad input", () => {
  it("answers 400 VALIDATION_FAILED naming the field, before anything reaches the orchestrator", async () => {
    const cases = [
      await as("owner").post("/flows", { definition: greeting("sin-bot") }),
      await as("owner").post("/flows", { botId: "bot-1", definition: greeting("x") }),
      await as("owner").post("/flows", { botId: null, kind: "popup", definition: greeting("x") }),
      await as("owner").post("/flows", { botId: null, definition: "not an object" }),
      await as("owner").get("/flows/not-a-uuid"),
      await as("owner").get(`/flows/${randomUUID()}?version=zero`),
      await as("owner").get("/flows?botId=everything"),
      await as("owner").post(`/flows/${randomUUID()}/versions/0/activate`),
      await as("owner").post(`/flows/${randomUUID()}/validate`, { version: 1, definition: greeting("x") }),
      await as("owner").put(`/flows/${randomUUID()}`, { definition: greeting("x"), expectedVersion: -1 }),
      await as("owner").post(`/flows/${randomUUID()}/simulate`, { inputs: Array.from({ length: 51 }, () => ({ text: "hola" })) }),
      await as("owner").post(`/flows/${randomUUID()}/simulate`, { inputs: [{ advanceSeconds: 7 * 24 * 3600 + 1 }] }),
      await as("owner").post(`/flows/${randomUUID()}/simulate`, { inputs: [{ text: "hola", payload: "si" }] }),
      await as("owner").post(`/flows/${randomUUID()}/simulate`, { inputs: [] }),
      await as("agent").get(`/bots/${botId}/conversations/a%20b`),
      await as("agent").post(`/bots/${botId}/conversations/x/resume`),
      await as("agent").post(`/bots/not-a-bot/conversations/${CONTACT}/resume`),
    ];
    expect(cases.map((r) => [r.status, r.body.error?.code])).toEqual(cases.map(() => [400, "VALIDATION_FAILED"]));
  });

  it("answers 404 FLOW_NOT_FOUND for an unknown flow and FLOW_VERSION_NOT_FOUND for an unknown version", async () => {
    expect((await as("owner").get(`/flows/${randomUUID()}`)).body.error.code).toBe("FLOW_NOT_FOUND");
    const flowId = await createFlow("owner", { botId: null, definition: greeting("versiones") });
    const missing = await as("owner").post(`/flows/${flowId}/versions/7/activate`);
    expect([missing.status, missing.body.error.code]).toEqual([404, "FLOW_VERSION_NOT_FOUND"]);
    expect((await as("owner").get(`/flows/${flowId}?version=7`)).status).toBe(404);
  });
});

describe("another tenant", () => {
  it("gets 404 for the tenant's flows, bots and conversations, and never sees them listed nor changes them", async () => {
    const flowId = await createFlow("owner", { botId, definition: greeting("privado") });
    await orchestrator.seedConversation(user("owner").tenantId, botId, CONTACT, pausedState());
    const notFound = [
      await as("stranger").get(`/flows/${flowId}`),
      await as("stranger").put(`/flows/${flowId}`, { definition: greeting("privado", "Hackeado") }),
      await as("stranger").post(`/flows/${flowId}/validate`),
      await as("stranger").post(`/flows/${flowId}/versions/1/activate`),
      await as("stranger").post(`/flows/${flowId}/simulate`, { inputs: [{ text: "hola" }] }),
    ];
    expect(notFound.map((r) => [r.status, r.body.error?.code])).toEqual(notFound.map(() => [404, "FLOW_NOT_FOUND"]));
    const foreignBot = [
      await as("stranger").post("/flows", { botId, definition: greeting("intruso") }),
      await as("stranger").get(`/flows?botId=${botId}`),
      await as("stranger").get(`/bots/${botId}/conversations/${CONTACT}`),
      await as("stranger").delete(`/bots/${botId}/conversations/${CONTACT}`),
      await as("stranger").post(`/bots/${botId}/conversations/${CONTACT}/resume`),
    ];
    expect(foreignBot.map((r) => [r.status, r.body.error?.code])).toEqual(foreignBot.map(() => [404, "BOT_NOT_FOUND"]));
    expect((await as("stranger").get("/flows")).body.flows).toEqual([]);
    await createFlow("stranger", { botId: strangerBotId, definition: greeting("propio") });
    expect((await as("stranger").get("/flows")).body.flows.map((f: { slug: string }) => f.slug)).toEqual(["propio"]);
    expect((await as("owner").get(`/flows/${flowId}`)).body.flow).toMatchObject({ name: "Flujo privado", revision: 1, activeVersion: null });
    // The conversation is still there, still paused, and nothing was queued to resume it.
    expect((await as("owner").get(`/bots/${botId}/conversations/${CONTACT}`)).body.pausedUntil).not.toBeNull();
    expect(await orchestrator.inboundEntries(botId, CONTACT)).toEqual([]);
  });
});

describe("simulation", () => {
  it("runs the shop's menu through the engine: the replies in the dashboard's words, the action it would call, and a wait's timer firing", async () => {
    const flowId = await createFlow("owner", { botId: null, definition: { ...shopMenuFlow, id: "menu-simulado" } });
    const response = await as("agent").post(`/flows/${flowId}/simulate`, {
      contactName: "Lupita Pérez",
      inputs: [{ text: "hola" }, { text: "2" }, { text: "anillo de plata" }, { advanceSeconds: 1200 }],
    });
    expect(response.status).toBe(200);
    const turns = response.body.turns as { input: string; replies: unknown[]; steps: string[]; calls: unknown[] }[];
    expect(turns.map((turn) => turn.input)).toEqual(["hola", "2", "anillo de plata", expect.stringMatching(/^timer:/)]);
    expect(turns[0]?.replies).toEqual([
      { type: "text", body: "¡Hola Lupita! 👋 Bienvenida a Cocolu Joyería 💍" },
      { type: "text", body: "¿En qué te ayudo?\n1️⃣ Hablar con una asesora\n2️⃣ Ver el catálogo\n3️⃣ Horarios" },
    ]);
    expect(turns[1]?.replies).toEqual([
      { type: "media", kind: "document", url: "https://cocolu.example/catalogo.pdf", caption: "Nuestro catálogo ✨", filename: "Catalogo Cocolu.pdf" },
      { type: "text", body: "¿Qué pieza buscas? Por ejemplo: «anillo de plata» o «cadena barata»." },
    ]);
    expect(turns.map((turn) => turn.calls)).toEqual([[], [], [{ step: "buscar", kind: "action", name: "catalogue.search" }], []]);
    expect(turns[2]?.replies).toEqual([{ type: "text", body: "Encontré esto para «anillo de plata»:\n• Anillo Luna: $890\n" }]);
    expect(turns[3]?.replies).toEqual([
      {
        type: "buttons",
        body: "¿Te interesó alguna pieza?",
        buttons: [
          { id: "interes_si", title: "Sí, me interesa" },
          { id: "interes_no", title: "No, gracias" },
        ],
      },
    ]);
    expect(turns[3]?.steps).toEqual(["interes"]);
    expect(response.body).toMatchObject({
      step: "interes",
      variables: { opcion: "catalogo", consulta: "anillo de plata", resultados: catalogueResult },
      timers: [],
      paused: false,
    });
  });

  it("simulates the latest version by default (a draft included) or the version asked for, with the timers and pause it leaves", async () => {
    const closed = { ...greeting("horario-atencion"), steps: { hola: { kind: "message", text: "Abrimos de 10 a 19 h", next: "fin" }, fin: { kind: "end" } } };
    const flowId = await createFlow("owner", { botId: null, definition: closed });
    expect((await as("owner").post(`/flows/${flowId}/versions/1/activate`)).status).toBe(200);
    const handoff = {
      ...closed,
      steps: { ...closed.steps, hola: { kind: "message", text: "Abrimos de 10 a 19 h", next: "humano" }, humano: { kind: "handoff", message: "Te paso con una persona 🙏", timeoutSeconds: 3600, next: "fin" } },
    };
    expect((await as("owner").put(`/flows/${flowId}`, { definition: handoff })).body).toMatchObject({ created: true, version: { version: 2, status: "draft" } });

    const before = Date.now();
    const draft = await as("viewer").post(`/flows/${flowId}/simulate`, { inputs: [{ text: "hola" }] });
    expect(draft.status).toBe(200);
    expect(draft.body.turns[0].replies).toEqual([
      { type: "text", body: "Abrimos de 10 a 19 h" },
      { type: "text", body: "Te paso con una persona 🙏" },
    ]);
    expect(draft.body).toMatchObject({ step: "humano", paused: true, timers: [{ purpose: "handoff" }] });
    const dueAt = Date.parse(draft.body.timers[0].dueAt);
    expect(dueAt).toBeGreaterThanOrEqual(before + HOUR_MS - 1000);
    expect(dueAt).toBeLessThanOrEqual(Date.now() + HOUR_MS);

    const first = await as("viewer").post(`/flows/${flowId}/simulate`, { version: 1, inputs: [{ text: "hola" }] });
    expect(first.body).toMatchObject({ turns: [{ replies: [{ type: "text", body: "Abrimos de 10 a 19 h" }] }], step: null, paused: false, timers: [] });
    const missing = await as("viewer").post(`/flows/${flowId}/simulate`, { version: 3, inputs: [{ text: "hola" }] });
    expect([missing.status, missing.body.error.code]).toEqual([404, "FLOW_VERSION_NOT_FOUND"]);
  });

  it("answers 422 FLOW_INVALID with the schema problems when the draft cannot run yet", async () => {
    const flowId = await createFlow("owner", { botId: null, definition: greeting("a-medias") });
    const unfinished = { ...greeting("a-medias"), steps: { hola: { kind: "telepathy" }, fin: { kind: "end" } } };
    expect((await as("owner").put(`/flows/${flowId}`, { definition: unfinished })).status).toBe(200);
    const refused = await as("owner").post(`/flows/${flowId}/simulate`, { inputs: [{ text: "hola" }] });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("FLOW_INVALID");
    expect(refused.body.error.details.problems).toEqual([expect.objectContaining({ path: "/steps/hola/kind", code: "schema_invalid_union" })]);
  });
});

describe("conversations", () => {
  it("shows a seeded conversation in the dashboard's words: step, variables, pause and timers", async () => {
    const contact = "5215511110002";
    const state = pausedState();
    await orchestrator.seedConversation(user("owner").tenantId, botId, contact, state);
    const view = await as("agent").get(`/bots/${botId}/conversations/${contact}`);
    expect(view.status).toBe(200);
    expect(view.body).toEqual({
      botId,
      contact,
      flowId: state.flow.id,
      flowVersion: 2,
      step: "sin_asesor",
      variables: { nombre: "Lupita", opcion: "catalogo" },
      pausedUntil: new Date(state.pausedUntil ?? 0).toISOString(),
      timers: [{ id: state.timer?.id, purpose: "handoff", dueAt: new Date(state.timer?.dueAt ?? 0).toISOString() }],
      startedAt: new Date(state.startedAt).toISOString(),
      updatedAt: new Date(state.updatedAt).toISOString(),
      stateVersion: 1,
    });
    const none = await as("agent").get(`/bots/${botId}/conversations/5215500000000`);
    expect([none.status, none.body.error.code]).toEqual([404, "CONVERSATION_NOT_FOUND"]);
  });

  it("resets a conversation so the next message starts over: then it is not found, and a second reset is 404", async () => {
    const contact = "5215511110003";
    await orchestrator.seedConversation(user("owner").tenantId, botId, contact, conversationState({ step: null }));
    const ended = await as("owner").get(`/bots/${botId}/conversations/${contact}`);
    expect([ended.status, ended.body.step]).toEqual([200, null]);
    expect((await as("owner").delete(`/bots/${botId}/conversations/${contact}`)).status).toBe(204);
    const gone = await as("owner").get(`/bots/${botId}/conversations/${contact}`);
    expect([gone.status, gone.body.error.code]).toEqual([404, "CONVERSATION_NOT_FOUND"]);
    const again = await as("owner").delete(`/bots/${botId}/conversations/${contact}`);
    expect([again.status, again.body.error.code]).toEqual([404, "CONVERSATION_NOT_FOUND"]);
  });

  it("lets the agent who took over hand a paused conversation back: 202, and a resume entry queued on the contact's partition", async () => {
    const contact = "5215511110004";
    await orchestrator.seedConversation(user("owner").tenantId, botId, contact, pausedState());
    const resumed = await as("agent").post(`/bots/${botId}/conversations/${contact}/resume`);
    expect([resumed.status, resumed.body]).toEqual([202, { resumed: true }]);
    const entries = await orchestrator.inboundEntries(botId, contact);
    expect(entries).toEqual([
      { v: 1, kind: "resume", id: expect.stringMatching(/^resume:/), tenantId: user("owner").tenantId, occurredAt: expect.any(String), botId, contact, by: user("agent").id },
    ]);
  });

  it("answers 409 CONVERSATION_NOT_PAUSED when the conversation is not paused or there is none, and queues nothing", async () => {
    const contact = "5215511110005";
    await orchestrator.seedConversation(user("owner").tenantId, botId, contact, conversationState());
    for (const who of [contact, "5215511110006"]) {
      const refused = await as("owner").post(`/bots/${botId}/conversations/${who}/resume`);
      expect([refused.status, refused.body.error.code]).toEqual([409, "CONVERSATION_NOT_PAUSED"]);
      expect(await orchestrator.inboundEntries(botId, who)).toEqual([]);
    }
  });

  it("pauses the bot for a contact: 202 with the end of the pause, a pause entry queued on the contact's partition; an echo bot answers 412", async () => {
    const pausedBot = adapter.addBot(user("owner").tenantId, { displayName: "Pausas", providers: [{ kind: ProviderKind.META, settings: { phone_number_id: "600000011" }, secrets: {} }] }).id;
    const contact = "5215511110021";
    // The other shop has no flow of its own nor a default one: its bot is an echo bot.
    const echo = await as("stranger").post(`/bots/${strangerBotId}/conversations/${contact}/pause`, { minutes: 30 });
    expect([echo.status, echo.body.error.code]).toEqual([412, "BOT_HAS_NO_FLOW"]);
    const flowId = await createFlow("owner", { botId: pausedBot, definition: greeting("pausas") });
    expect((await as("owner").post(`/flows/${flowId}/versions/1/activate`)).status).toBe(200);
    const before = Date.now();
    const paused = await as("agent").post(`/bots/${pausedBot}/conversations/${contact}/pause`, { minutes: 30 });
    expect([paused.status, paused.body.paused]).toEqual([202, true]);
    const until = Date.parse(paused.body.pausedUntil);
    expect(until).toBeGreaterThanOrEqual(before + 30 * 60_000);
    expect(await orchestrator.inboundEntries(pausedBot, contact)).toEqual([
      { v: 1, kind: "pause", id: expect.stringMatching(/^pause:/), tenantId: user("owner").tenantId, occurredAt: expect.any(String), botId: pausedBot, contact, until, by: user("agent").id },
    ]);
    for (const minutes of [0, 10_081, 1.5]) {
      const refused = await as("agent").post(`/bots/${pausedBot}/conversations/${contact}/pause`, { minutes });
      expect([refused.status, refused.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
    }
    const viewer = await as("viewer").post(`/bots/${pausedBot}/conversations/${contact}/pause`, { minutes: 5 });
    expect([viewer.status, viewer.body.error.code]).toEqual([403, "FORBIDDEN"]);
    const stranger = await as("stranger").post(`/bots/${pausedBot}/conversations/${contact}/pause`, { minutes: 5 });
    expect([stranger.status, stranger.body.error.code]).toEqual([404, "BOT_NOT_FOUND"]);
    expect(await orchestrator.inboundEntries(pausedBot, contact)).toHaveLength(1);
  });

  it("forbids viewers to resume a conversation", async () => {
    const contact = "5215511110007";
    await orchestrator.seedConversation(user("owner").tenantId, botId, contact, pausedState());
    const refused = await as("viewer").post(`/bots/${botId}/conversations/${contact}/resume`);
    expect([refused.status, refused.body.error.code]).toEqual([403, "FORBIDDEN"]);
    expect(await orchestrator.inboundEntries(botId, contact)).toEqual([]);
  });
});

describe("the orchestrator", () => {
  it("answers 503 with a fixed message when the orchestrator cannot be reached", async () => {
    const down = await startGateway({ adapterAddress: adapter.address });
    try {
      const owner = await down.createUser({ tenant: "caida", email: "owner@caida.test", role: "owner" });
      const response = await request(down.app).get("/api/flows").set("authorization", `Bearer ${await tokenFor(down, owner)}`);
      expect(response.status).toBe(503);
      expect(response.body.error.message).toBe("The bot orchestrator is unavailable; try again later");
      expect(JSON.stringify(response.body)).not.toContain("127.0.0.1");
    } finally {
      await down.close();
    }
  });
});
