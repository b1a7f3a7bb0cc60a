// /api/flows: the tenant's conversational flows, kept and run by the bot-orchestrator over gRPC,
// and /api/bots/{botId}/conversations/{contact}: one contact's conversation state, and its
// hand-back to the bot after a hand-off. The tenant is
// always the caller's, never one from the request. A document the orchestrator cannot accept as
// a flow is a 422 FLOW_INVALID listing every problem with its JSON pointer.
import type { InstallDefaultFlows } from "./install-default-flows.use-case.js";
import { z } from "zod";
import { AppError, currentContext, extendContext } from "@fleet/service-kit";
import { userRoute, type Reply, type Route } from "../../http/routes.js";
import type { Conversations } from "./conversations.use-case.js";
import type { ManageFlows } from "./manage-flows.use-case.js";
import type { SimulateFlow } from "./simulate-flow.use-case.js";

const MAX_INT32 = 2_147_483_647;
/** A simulation runs the engine in the orchestrator: a bounded script. */
const MAX_SIMULATED_INPUTS = 50;
const MAX_ADVANCE_SECONDS = 7 * 24 * 3600;

const VersionNumber = z.coerce.number().int().min(1).max(MAX_INT32);
const FlowParams = z.object({ flowId: z.uuid("must be a UUID") });
const VersionParams = FlowParams.extend({ version: VersionNumber });
const ConversationParams = z.object({
  botId: z.uuid("must be a UUID"),
  contact: z.string().regex(/^[A-Za-z0-9@._:+-]{3,128}$/, "must be the contact's address (phone digits or a WhatsApp id)"),
});

const FlowDefinition = z
  .record(z.string(), z.unknown())
  .meta({ description: "A flow document (docs/flows.md). A draft may be incomplete, but needs its id (the flow's id for good) and name; everything else is checked at activation." });
const FlowKindSchema = z.enum(["main", "subflow"]).meta({ description: "main: what a bot runs (one active per bot, one for the tenant default); subflow: entered by goto {flow}" });

const FlowSchema = z
  .object({
    id: z.uuid(),
    botId: z.uuid().nullable().meta({ description: "Null: the tenant's default flows, for bots without their own" }),
    slug: z.string().meta({ description: "The flow document's id; goto {flow} names flows by it" }),
    kind: FlowKindSchema,
    name: z.string(),
    activeVersion: z.number().int().nullable(),
    latestVersion: z.number().int(),
    revision: z.number().int().meta({ description: "Counts saves; send it back as expectedRevision" }),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: "Flow" });

const FlowVersionSummarySchema = z
  .object({
    version: z.number().int(),
    status: z.enum(["draft", "active", "archived"]),
    createdAt: z.iso.datetime({ offset: true }),
    createdBy: z.string().nullable(),
    updatedAt: z.iso.datetime({ offset: true }),
    updatedBy: z.string().nullable(),
    activatedAt: z.iso.datetime({ offset: true }).nullable(),
    activatedBy: z.string().nullable(),
  })
  .meta({ id: "FlowVersionSummary" });

const FlowVersionSchema = FlowVersionSummarySchema.extend({ definition: z.unknown() }).meta({ id: "FlowVersion" });

const FlowProblemSchema = z
  .object({ path: z.string().meta({ description: "JSON pointer into the document, e.g. /steps/menu/next" }), code: z.string(), message: z.string() })
  .meta({ id: "FlowProblem" });

const ReplyOptionSchema = z.object({ id: z.string(), title: z.string(), description: z.string().optional() });
const ReplySchema = z
  .discriminatedUnion("type", [
    z.object({ type: z.literal("text"), body: z.string() }),
    z.object({ type: z.literal("media"), kind: z.enum(["image", "document", "audio", "video", "sticker"]), url: z.string(), caption: z.string().optional(), filename: z.string().optional() }),
    z.object({ type: z.literal("buttons"), body: z.string(), header: z.string().optional(), footer: z.string().optional(), buttons: z.array(ReplyOptionSchema) }),
    z.object({
      type: z.literal("list"),
      body: z.string(),
      button: z.string(),
      header: z.string().optional(),
      footer: z.string().optional(),
      sections: z.array(z.object({ title: z.string().optional(), rows: z.array(ReplyOptionSchema) })),
    }),
  ])
  .meta({ id: "BotReply" });
const TimerSchema = z.object({ id: z.string(), purpose: z.string(), dueAt: z.iso.datetime({ offset: true }) });
const VariablesSchema = z.record(z.string(), z.unknown());

const SimulationSchema = z
  .object({
    turns: z.array(
      z.object({
        input: z.string().meta({ description: "What the contact did, or timer:<id> for a timer that fired" }),
        replies: z.array(ReplySchema),
        steps: z.array(z.string()),
        calls: z.array(z.object({ step: z.string(), kind: z.enum(["action", "http"]), name: z.string() })),
        events: z.array(z.string()),
      }),
    ),
    step: z.string().nullable().meta({ description: "Where the conversation waits; null: it ended" }),
    variables: VariablesSchema,
    timers: z.array(TimerSchema),
    paused: z.boolean(),
  })
  .meta({ id: "FlowSimulation" });

const ConversationSchema = z
  .object({
    botId: z.uuid(),
    contact: z.string(),
    flowId: z.string(),
    flowVersion: z.number().int(),
    step: z.string().nullable(),
    variables: VariablesSchema,
    pausedUntil: z.iso.datetime({ offset: true }).nullable(),
    timers: z.array(TimerSchema),
    startedAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
    stateVersion: z.number().int(),
  })
  .meta({ id: "Conversation" });

const ListQuery = z.object({
  botId: z.union([z.uuid(), z.literal("default")]).optional().meta({ description: "A bot's flows only, or `default` for the tenant's default flows only" }),
});
const GetQuery = z.object({ version: VersionNumber.optional().meta({ description: "Also return this version with its document" }) });

const CreateBody = z
  .object({
    botId: z.uuid("must be a UUID").nullable().meta({ description: "The bot the flow belongs to; null for the tenant's default flows" }),
    kind: FlowKindSchema.default("main"),
    definition: FlowDefinition,
  })
  .strip();
const DraftBody = z
  .object({
    definition: FlowDefinition,
    expectedVersion: z.number().int().min(1).max(MAX_INT32).optional().meta({ description: "The latestVersion the editor loaded: a newer one is a 409" }),
    expectedRevision: z.number().int().min(1).max(MAX_INT32).optional().meta({ description: "The revision the editor loaded: any save since is a 409" }),
  })
  .strip();
const ValidateBody = z
  .object({
    definition: FlowDefinition.optional().meta({ description: "A document to check without storing it" }),
    version: z.number().int().min(1).max(MAX_INT32).optional().meta({ description: "A stored version (default: the latest)" }),
  })
  .strip()
  .refine((body) => body.definition === undefined || body.version === undefined, "give a definition or a version, not both")
  // No body at all: the latest version.
  .optional();

const SimulatedInputSchema = z
  .union([
    z.strictObject({ text: z.string().min(1).max(4096) }),
    z.strictObject({ payload: z.string().min(1).max(256).meta({ description: "A button or list row id" }), title: z.string().min(1).max(100).optional() }),
    z.strictObject({ advanceSeconds: z.number().int().min(1).max(MAX_ADVANCE_SECONDS).meta({ description: "Time passes; timers due within it fire" }) }),
  ])
  .meta({ id: "SimulatedInput" });
const SimulateBody = z
  .object({
    version: z.number().int().min(1).max(MAX_INT32).optional().meta({ description: "Default: the latest version, a draft included" }),
    contactName: z.string().trim().min(1).max(100).optional(),
    inputs: z.array(SimulatedInputSchema).min(1).max(MAX_SIMULATED_INPUTS),
  })
  .strip();

/** A FLOW_INVALID refusal as 422 with the error body: valid JSON the orchestrator cannot accept as a flow. */
async function unprocessableWhenInvalid(work: () => Promise<Reply>): Promise<Reply> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError && error.code === "FLOW_INVALID") {
      return { status: 422, body: { error: { code: error.code, message: error.message, details: error.details, requestId: currentContext().requestId ?? "" } } };
    }
    throw error;
  }
}

export interface FlowsRoutesDeps {
  flows: ManageFlows;
  simulate: SimulateFlow;
  conversations: Conversations;
  defaultFlows: Pick<InstallDefaultFlows, "installForShop">;
}

export function flowsRoutes({ flows, simulate, conversations, defaultFlows }: FlowsRoutesDeps): Route[] {
  const tags = ["flows"];
  const notFound = { 404: { description: "FLOW_NOT_FOUND" } };
  const invalid = { 422: { description: "FLOW_INVALID: details.problems lists each problem with its JSON pointer" } };
  return [
    userRoute({
      method: "get",
      path: "/flows",
      operationId: "listFlows",
      summary: "The tenant's flows: default flows first, then by bot, main flows before subflows",
      tags,
      permission: "flows:read",
      query: ListQuery,
      responses: { 200: { description: "The flows", schema: z.object({ flows: z.array(FlowSchema) }) }, 404: { description: "BOT_NOT_FOUND" } },
      handle: async ({ actor, query }) => {
        const botId = query.botId === "default" ? null : query.botId;
        if (botId) extendContext({ botId });
        return { status: 200, body: { flows: await flows.list(actor, { botId }) } };
      },
    }),
    userRoute({
      method: "post",
      path: "/flows",
      operationId: "createFlow",
      summary: "Create a flow from its first document, stored as version 1 (a draft)",
      tags,
      permission: "flows:write",
      body: CreateBody,
      responses: {
        201: { description: "Created", schema: z.object({ flow: FlowSchema, version: FlowVersionSchema }) },
        404: { description: "BOT_NOT_FOUND" },
        409: { description: "FLOW_SLUG_TAKEN: the scope has a flow with this id" },
        ...invalid,
      },
      handle: async ({ actor, body }) => {
        if (body.botId) extendContext({ botId: body.botId });
        return unprocessableWhenInvalid(async () => ({ status: 201, body: await flows.create(actor, body) }));
      },
    }),
    userRoute({
      method: "post",
      path: "/flows/defaults",
      operationId: "installDefaultFlows",
      summary:
        "Install the default flow set (welcome and menu, adviser, catalogue, order taking, my orders, opening hours, report a problem, product keywords, staff commands) in the shop's default scope, each activated; flows the shop already has by those ids are kept as they are",
      tags,
      permission: "flows:write",
      body: z.object({ language: z.enum(["es", "en"]).optional().meta({ description: "Default: the shop's language setting" }) }),
      responses: { 200: { description: "What was installed now and what the shop already had", schema: z.object({ installed: z.array(z.string()), kept: z.array(z.string()) }) } },
      handle: async ({ actor, body }) => ({ status: 200, body: await defaultFlows.installForShop(actor, body.language) }),
    }),
    userRoute({
      method: "get",
      path: "/flows/:flowId",
      operationId: "getFlow",
      summary: "One flow with its versions (newest first); ?version=N also returns that version's document",
      tags,
      permission: "flows:read",
      params: FlowParams,
      query: GetQuery,
      responses: {
        200: { description: "The flow", schema: z.object({ flow: FlowSchema, versions: z.array(FlowVersionSummarySchema), version: FlowVersionSchema.nullable() }) },
        404: { description: "FLOW_NOT_FOUND, FLOW_VERSION_NOT_FOUND" },
      },
      handle: async ({ actor, params, query }) => ({ status: 200, body: await flows.get(actor, params.flowId, query.version) }),
    }),
    userRoute({
      method: "put",
      path: "/flows/:flowId",
      operationId: "saveFlowDraft",
      summary: "Save a document: it replaces the latest version while that is a draft, otherwise it starts the next version",
      tags,
      permission: "flows:write",
      params: FlowParams,
      body: DraftBody,
      responses: {
        200: { description: "Saved", schema: z.object({ flow: FlowSchema, version: FlowVersionSchema, created: z.boolean().meta({ description: "True when the save started a new version" }) }) },
        ...notFound,
        409: { description: "FLOW_VERSION_CONFLICT: saved by someone else since expectedVersion / expectedRevision" },
        ...invalid,
      },
      handle: async ({ actor, params, body }) => unprocessableWhenInvalid(async () => ({ status: 200, body: await flows.saveDraft(actor, params.flowId, body) })),
    }),
    userRoute({
      method: "post",
      path: "/flows/:flowId/validate",
      operationId: "validateFlow",
      summary: "Check a submitted document, or a stored version (the latest by default), exactly as activation would",
      tags,
      permission: "flows:read",
      params: FlowParams,
      body: ValidateBody,
      responses: {
        200: { description: "The result", schema: z.object({ ok: z.boolean(), problems: z.array(FlowProblemSchema), version: z.number().int().nullable() }) },
        404: { description: "FLOW_NOT_FOUND, FLOW_VERSION_NOT_FOUND" },
      },
      handle: async ({ actor, params, body }) => ({ status: 200, body: await flows.validate(actor, params.flowId, body ?? {}) }),
    }),
    userRoute({
      method: "post",
      path: "/flows/:flowId/versions/:version/activate",
      operationId: "activateFlowVersion",
      summary: "Make a version the one that runs; a main flow replaces the scope's active main flow at once",
      tags,
      permission: "flows:write",
      params: VersionParams,
      responses: {
        200: { description: "Active", schema: z.object({ flow: FlowSchema, deactivatedFlowId: z.uuid().nullable() }) },
        404: { description: "FLOW_NOT_FOUND, FLOW_VERSION_NOT_FOUND" },
        ...invalid,
      },
      handle: async ({ actor, params }) => unprocessableWhenInvalid(async () => ({ status: 200, body: await flows.activate(actor, params.flowId, params.version) })),
    }),
    userRoute({
      method: "post",
      path: "/flows/:flowId/simulate",
      operationId: "simulateFlow",
      summary: "Run a scripted conversation on a flow version with nothing sent: what the bot would answer, turn by turn",
      tags,
      permission: "flows:read",
      params: FlowParams,
      body: SimulateBody,
      responses: { 200: { description: "The simulated conversation", schema: SimulationSchema }, 404: { description: "FLOW_NOT_FOUND, FLOW_VERSION_NOT_FOUND" }, ...invalid },
      handle: async ({ actor, params, body }) => unprocessableWhenInvalid(async () => ({ status: 200, body: await simulate(actor, params.flowId, body) })),
    }),
    userRoute({
      method: "get",
      path: "/bots/:botId/conversations/:contact",
      operationId: "getConversation",
      summary: "A contact's conversation with the bot: the step it waits at, its variables and timers",
      tags: ["conversations"],
      permission: "conversations:read",
      params: ConversationParams,
      responses: { 200: { description: "The conversation", schema: ConversationSchema }, 404: { description: "BOT_NOT_FOUND, CONVERSATION_NOT_FOUND" } },
      handle: async ({ actor, params }) => {
        extendContext({ botId: params.botId });
        return { status: 200, body: await conversations.view(actor, params.botId, params.contact) };
      },
    }),
    userRoute({
      method: "delete",
      path: "/bots/:botId/conversations/:contact",
      operationId: "resetConversation",
      summary: "Forget a contact's conversation (state, variables, timers): the next message starts a new one",
      tags: ["conversations"],
      permission: "conversations:write",
      params: ConversationParams,
      responses: { 204: { description: "Reset" }, 404: { description: "BOT_NOT_FOUND, CONVERSATION_NOT_FOUND" } },
      handle: async ({ actor, params }) => {
        extendContext({ botId: params.botId });
        await conversations.reset(actor, params.botId, params.contact);
        return { status: 204 };
      },
    }),
    userRoute({
      method: "post",
      path: "/bots/:botId/conversations/:contact/resume",
      operationId: "resumeConversation",
      summary: "Hand a paused conversation (a hand-off) back to the bot: it goes on at the hand-off's next step, in order with the contact's messages",
      tags: ["conversations"],
      permission: "conversations:resume",
      params: ConversationParams,
      responses: {
        202: { description: "The resume is queued behind the contact's pending messages", schema: z.object({ resumed: z.literal(true) }) },
        404: { description: "BOT_NOT_FOUND" },
        409: { description: "CONVERSATION_NOT_PAUSED: the contact has no conversation paused for a person" },
      },
      handle: async ({ actor, params }) => {
        extendContext({ botId: params.botId });
        await conversations.resume(actor, params.botId, params.contact);
        return { status: 202, body: { resumed: true } };
      },
    }),
    userRoute({
      method: "post",
      path: "/bots/:botId/conversations/:contact/pause",
      operationId: "pauseConversation",
      summary: "Pause the bot for a contact so a person answers: it stays silent (the contact's messages still reach the live feed) until the minutes pass or someone resumes it",
      tags: ["conversations"],
      permission: "conversations:resume",
      params: ConversationParams,
      body: z.object({ minutes: z.number().int().min(1).max(10_080).default(60).meta({ description: "How long, 1 minute to 7 days (default 60)" }) }),
      responses: {
        202: { description: "The pause is queued behind the contact's pending messages", schema: z.object({ paused: z.literal(true), pausedUntil: z.iso.datetime() }) },
        404: { description: "BOT_NOT_FOUND" },
        412: { description: "BOT_HAS_NO_FLOW: an echo bot keeps no conversation to pause" },
      },
      handle: async ({ actor, params, body }) => {
        extendContext({ botId: params.botId });
        const until = await conversations.pause(actor, params.botId, params.contact, body.minutes);
        return { status: 202, body: { paused: true, pausedUntil: until.toISOString() } };
      },
    }),
  ];
}
