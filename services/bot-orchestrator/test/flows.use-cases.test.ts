// The flows use cases on real Postgres with the documented example's action registry: what a
// draft must have, what activation refuses (every problem with its JSON pointer), goto between
// flows of one scope, optimistic concurrency and tenant isolation.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { createActivateFlowVersion, type ActivateFlowVersion } from "../src/flows/activate-flow-version.use-case.js";
import { createCreateFlow, type CreateFlow } from "../src/flows/create-flow.use-case.js";
import { createGetFlow, type GetFlow } from "../src/flows/get-flow.use-case.js";
import { exampleActions, shopMenuFlow } from "../src/flows/language/flow-examples.js";
import { createListFlows, type ListFlows } from "../src/flows/list-flows.use-case.js";
import { createUpdateFlowDraft, type UpdateFlowDraft } from "../src/flows/update-flow-draft.use-case.js";
import { createValidateFlow, type ValidateFlow } from "../src/flows/validate-flow.use-case.js";
import { createFlowsRepository, type FlowsRepository } from "../src/repositories/flows.repository.js";
import { createTenantHttpSettingsRepository, createTenantSecretBox, type TenantHttpSettingsRepository } from "../src/repositories/tenant-http-settings.repository.js";
import { brokenFlow, gotoFlow, greetingFlow, newId, startFlowsDatabase, type FlowsDatabase } from "./flows.fixtures.js";
import { rejectionOf as rejection } from "@fleet/testing";

let db: FlowsDatabase;
let flows: FlowsRepository;
let createFlow: CreateFlow;
let updateFlowDraft: UpdateFlowDraft;
let validateFlow: ValidateFlow;
let activate: ActivateFlowVersion;
let listFlows: ListFlows;
let getFlow: GetFlow;
let httpSettings: TenantHttpSettingsRepository;

beforeAll(async () => {
  db = await startFlowsDatabase();
  flows = createFlowsRepository(db.pool);
  createFlow = createCreateFlow({ flows });
  updateFlowDraft = createUpdateFlowDraft({ flows });
  httpSettings = createTenantHttpSettingsRepository(db.pool, createTenantSecretBox(randomBytes(32).toString("hex")));
  validateFlow = createValidateFlow({ flows, actions: exampleActions, httpSettings });
  activate = createActivateFlowVersion({ flows, actions: exampleActions, httpSettings });
  listFlows = createListFlows({ flows });
  getFlow = createGetFlow({ flows });
});

afterAll(async () => {
  await db?.close();
});


const create = (tenantId: string, botId: string | null, definition: unknown, kind: "main" | "subflow" = "main") => createFlow({ tenantId, botId, kind, definition, userId: "ana" });

describe("creating and saving drafts", () => {
  it("stores the documented example as a draft named after its document", async () => {
    const tenantId = newId();
    const { flow, version } = await create(tenantId, newId(), shopMenuFlow);
    expect(flow).toMatchObject({ slug: "bienvenida", name: "Bienvenida y menú", activeVersion: null });
    expect(version.definition).toEqual(shopMenuFlow);
  });

  it("stores an incomplete draft, but not one without a usable id and name", async () => {
    const tenantId = newId();
    await expect(create(tenantId, null, { id: "a-medias", name: "A medias", steps: {} })).resolves.toMatchObject({ flow: { slug: "a-medias" } });
    const error = await rejection(create(tenantId, null, { id: "Con Mayúsculas", steps: {} }));
    expect(error).toMatchObject({ kind: "invalid_argument", code: "FLOW_INVALID" });
    expect(error.details).toEqual({ problems: [expect.objectContaining({ path: "/id", code: "schema_invalid_format" }), expect.objectContaining({ path: "/name", code: "schema_invalid_type" })] });
    expect(await rejection(create(tenantId, null, ["not", "an", "object"]))).toMatchObject({ code: "FLOW_INVALID", details: { problems: [expect.objectContaining({ path: "" })] } });
  });

  it("refuses malformed tenant and bot ids with INVALID_FLOW_REQUEST", async () => {
    expect(await rejection(create("tenant-1", null, greetingFlow("hola")))).toMatchObject({ kind: "invalid_argument", code: "INVALID_FLOW_REQUEST" });
    expect(await rejection(create(newId(), "bot-1", greetingFlow("hola")))).toMatchObject({ kind: "invalid_argument", code: "INVALID_FLOW_REQUEST" });
  });

  it("keeps the flow's id: a draft with another document id is refused at /id", async () => {
    const tenantId = newId();
    const { flow } = await create(tenantId, null, greetingFlow("bienvenida"));
    const error = await rejection(updateFlowDraft({ tenantId, flowId: flow.id, definition: greetingFlow("otro"), userId: "ana" }));
    expect(error).toMatchObject({ code: "FLOW_INVALID", details: { problems: [expect.objectContaining({ path: "/id", code: "flow_id_changed" })] } });
  });

  it("answers a save from a stale editor with FLOW_VERSION_CONFLICT", async () => {
    const tenantId = newId();
    const { flow } = await create(tenantId, null, greetingFlow("bienvenida"));
    await activate({ tenantId, flowId: flow.id, version: 1, userId: "ana" });
    await updateFlowDraft({ tenantId, flowId: flow.id, definition: greetingFlow("bienvenida", "de Ana"), userId: "ana", expectedVersion: 1 });
    const error = await rejection(updateFlowDraft({ tenantId, flowId: flow.id, definition: greetingFlow("bienvenida", "de Bruno"), userId: "bruno", expectedVersion: 1 }));
    expect(error).toMatchObject({ kind: "conflict", code: "FLOW_VERSION_CONFLICT" });
    expect((await getFlow(tenantId, flow.id, 2)).version?.definition).toEqual(greetingFlow("bienvenida", "de Ana"));
  });
});

describe("activation", () => {
  it("refuses an invalid version with every problem and its JSON pointer, and activates nothing", async () => {
    const tenantId = newId();
    const botId = newId();
    const { flow } = await create(tenantId, botId, brokenFlow("bienvenida"));
    const error = await rejection(activate({ tenantId, flowId: flow.id, version: 1, userId: "ana" }));
    expect(error).toMatchObject({ kind: "invalid_argument", code: "FLOW_INVALID" });
    expect(error.details).toEqual({ problems: [{ path: "/steps/hola/next", code: "step_not_found", message: 'step "nowhere" does not exist' }] });
    expect(await flows.activeForBot(tenantId, botId)).toBeNull();
    expect((await getFlow(tenantId, flow.id)).versions.map((v) => v.status)).toEqual(["draft"]);
  });

  it("checks actions against the registry it was given", async () => {
    const tenantId = newId();
    const { flow } = await create(tenantId, null, shopMenuFlow);
    expect(await activate({ tenantId, flowId: flow.id, version: 1, userId: "ana" })).toMatchObject({ flow: { activeVersion: 1 } });
    const bare = createActivateFlowVersion({ flows, actions: {}, httpSettings });
    const other = await create(newId(), null, shopMenuFlow);
    const error = await rejection(bare({ tenantId: other.flow.tenantId, flowId: other.flow.id, version: 1, userId: null }));
    expect(error.details).toMatchObject({ problems: expect.arrayContaining([expect.objectContaining({ path: "/steps/buscar/action", code: "action_unknown" })]) });
  });

  it("lets goto name a flow of the same scope only", async () => {
    const tenantId = newId();
    const botId = newId();
    const menu = await create(tenantId, botId, gotoFlow("menu", "catalogo"));
    // A subflow called catalogo exists for the tenant's default scope, not for this bot.
    await create(tenantId, null, greetingFlow("catalogo"), "subflow");
    const refused = await rejection(activate({ tenantId, flowId: menu.flow.id, version: 1, userId: null }));
    expect(refused.details).toEqual({ problems: [expect.objectContaining({ path: "/steps/saltar/flow", code: "flow_unknown" })] });

    await create(tenantId, botId, greetingFlow("catalogo"), "subflow");
    await expect(activate({ tenantId, flowId: menu.flow.id, version: 1, userId: null })).resolves.toMatchObject({ flow: { activeVersion: 1 } });
  });

  it("keeps the running version while a new draft is edited, and swaps to it on activation", async () => {
    const tenantId = newId();
    const botId = newId();
    const { flow } = await create(tenantId, botId, greetingFlow("bienvenida"));
    await activate({ tenantId, flowId: flow.id, version: 1, userId: "ana" });
    await updateFlowDraft({ tenantId, flowId: flow.id, definition: brokenFlow("bienvenida"), userId: "ana" });
    expect(await rejection(activate({ tenantId, flowId: flow.id, version: 2, userId: "ana" }))).toMatchObject({ code: "FLOW_INVALID" });
    expect((await flows.activeForBot(tenantId, botId))?.version).toBe(1);
    await updateFlowDraft({ tenantId, flowId: flow.id, definition: greetingFlow("bienvenida", "Arreglado"), userId: "ana", expectedVersion: 2 });
    await activate({ tenantId, flowId: flow.id, version: 2, userId: "ana" });
    expect(await flows.activeForBot(tenantId, botId)).toMatchObject({ version: 2, definition: greetingFlow("bienvenida", "Arreglado") });
  });
});

describe("validation", () => {
  it("checks the latest version, a given version or a submitted document, as activation would", async () => {
    const tenantId = newId();
    const { flow } = await create(tenantId, null, greetingFlow("bienvenida"));
    await activate({ tenantId, flowId: flow.id, version: 1, userId: null });
    await updateFlowDraft({ tenantId, flowId: flow.id, definition: brokenFlow("bienvenida"), userId: null });
    expect(await validateFlow(tenantId, flow.id, { version: "latest" })).toEqual({ ok: false, version: 2, problems: [expect.objectContaining({ path: "/steps/hola/next" })] });
    expect(await validateFlow(tenantId, flow.id, { version: 1 })).toEqual({ ok: true, version: 1, problems: [] });
    expect(await validateFlow(tenantId, flow.id, { definition: greetingFlow("bienvenida") })).toEqual({ ok: true, version: null, problems: [] });
    expect((await validateFlow(tenantId, flow.id, { definition: greetingFlow("otro") })).problems).toEqual([expect.objectContaining({ path: "/id", code: "flow_id_changed" })]);
    expect(await rejection(validateFlow(tenantId, flow.id, { version: 9 }))).toMatchObject({ code: "FLOW_VERSION_NOT_FOUND" });
  });
});

describe("tenant isolation", () => {
  it("answers FLOW_NOT_FOUND to another tenant for every use case, and lists only its own", async () => {
    const owner = newId();
    const intruder = newId();
    const { flow } = await create(owner, newId(), greetingFlow("bienvenida"));
    const notFound = { kind: "not_found", code: "FLOW_NOT_FOUND" };
    expect(await rejection(getFlow(intruder, flow.id))).toMatchObject(notFound);
    expect(await rejection(updateFlowDraft({ tenantId: intruder, flowId: flow.id, definition: greetingFlow("bienvenida", "Hackeado"), userId: null }))).toMatchObject(notFound);
    expect(await rejection(activate({ tenantId: intruder, flowId: flow.id, version: 1, userId: null }))).toMatchObject(notFound);
    expect(await rejection(validateFlow(intruder, flow.id, { version: "latest" }))).toMatchObject(notFound);
    expect(await listFlows(intruder)).toEqual([]);
    const own = await getFlow(owner, flow.id, 1);
    expect(own.flow.activeVersion).toBeNull();
    expect(own.version?.definition).toEqual(greetingFlow("bienvenida"));
  });
});
