// gRPC client of the bot-orchestrator's OrchestratorService: flows, their versions, simulations,
// contacts' conversations (read, reset, resumed after a hand-off) and the tenant's settings for
// http steps (allowlist, secrets: a secret's value is only ever sent). Every call carries a
// deadline. Errors the orchestrator raised come back as its own AppError (code, kind, message,
// details) and are passed on; transport failures get a fixed message, because grpc-js writes the
// orchestrator's internal address into its own. Answers come back as plain objects; JSON carried
// as text (documents, variables) is parsed here.
import { z } from "zod";
import { MediaKind, type MessageContent } from "@fleet/contracts/adapter";
import {
  FlowKind,
  FlowVersionStatus,
  OrchestratorService,
  SimulatedCallKind,
  type Conversation as ConversationMessage,
  type ConversationTimer,
  type Flow as FlowMessage,
  type FlowProblem as FlowProblemMessage,
  type FlowVersion as FlowVersionMessage,
  type FlowVersionSummary as FlowVersionSummaryMessage,
} from "@fleet/contracts/orchestrator";
import { createServiceClient, type CallOptions, type ClientAuth } from "@fleet/grpc-bridge";
import { AppError } from "@fleet/service-kit";

const TRANSPORT_MESSAGES: Partial<Record<AppError["kind"], string>> = {
  unavailable: "The bot orchestrator is unavailable; try again later",
  deadline_exceeded: "The bot orchestrator did not answer in time",
};

/** The bridge names errors the server did not raise itself `GRPC_<STATUS>`: those are the transport's. */
function withoutTransportDetails(error: unknown): never {
  if (error instanceof AppError && error.code.startsWith("GRPC_")) {
    throw new AppError(error.kind, error.code, TRANSPORT_MESSAGES[error.kind] ?? "The call to the bot orchestrator failed", { cause: error });
  }
  throw error;
}

function invalidResponse(what: string): AppError {
  return new AppError("internal", "ORCHESTRATOR_INVALID_RESPONSE", "The bot orchestrator gave an answer this gateway cannot read", { cause: new Error(what) });
}

export type FlowKindName = "main" | "subflow";
export type FlowVersionStatusName = "draft" | "active" | "archived";

export interface Flow {
  id: string;
  /** Null: the tenant's default scope, for bots without a flow of their own. */
  botId: string | null;
  /** The flow document's id. */
  slug: string;
  kind: FlowKindName;
  name: string;
  activeVersion: number | null;
  latestVersion: number;
  /** Counts saved definitions; an editor sends it back as expectedRevision. */
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface FlowVersionSummary {
  version: number;
  status: FlowVersionStatusName;
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
  updatedBy: string | null;
  activatedAt: string | null;
  activatedBy: string | null;
}

export interface FlowVersion extends FlowVersionSummary {
  definition: unknown;
}

export interface FlowProblem {
  path: string;
  code: string;
  message: string;
}

export type SimulatedInput = { text: string } | { payload: string; title?: string } | { advanceSeconds: number };

export interface ReplyOption {
  id: string;
  title: string;
  description?: string;
}

/** What the bot would send, in the dashboard's words. */
export type Reply =
  | { type: "text"; body: string }
  | { type: "media"; kind: "image" | "document" | "audio" | "video" | "sticker"; url: string; caption?: string; filename?: string }
  | { type: "buttons"; body: string; header?: string; footer?: string; buttons: ReplyOption[] }
  | { type: "list"; body: string; button: string; header?: string; footer?: string; sections: { title?: string; rows: ReplyOption[] }[] };

export interface Timer {
  id: string;
  purpose: string;
  dueAt: string;
}

export interface Simulation {
  turns: { input: string; replies: Reply[]; steps: string[]; calls: { step: string; kind: "action" | "http"; name: string }[]; events: string[] }[];
  step: string | null;
  variables: Record<string, unknown>;
  timers: Timer[];
  paused: boolean;
}

/** A tenant's settings for its flows' http steps; secrets by name only. */
export interface HttpSettings {
  allowedHosts: string[];
  secretNames: string[];
}

export interface Conversation {
  botId: string;
  contact: string;
  flowId: string;
  flowVersion: number;
  step: string | null;
  variables: Record<string, unknown>;
  pausedUntil: string | null;
  timers: Timer[];
  startedAt: string;
  updatedAt: string;
  stateVersion: number;
}

const KIND_NAMES: Partial<Record<FlowKind, FlowKindName>> = { [FlowKind.MAIN]: "main", [FlowKind.SUBFLOW]: "subflow" };
const KINDS: Record<FlowKindName, FlowKind> = { main: FlowKind.MAIN, subflow: FlowKind.SUBFLOW };
const STATUS_NAMES: Partial<Record<FlowVersionStatus, FlowVersionStatusName>> = {
  [FlowVersionStatus.DRAFT]: "draft",
  [FlowVersionStatus.ACTIVE]: "active",
  [FlowVersionStatus.ARCHIVED]: "archived",
};
const MEDIA_KINDS: Partial<Record<MediaKind, Extract<Reply, { type: "media" }>["kind"]>> = {
  [MediaKind.IMAGE]: "image",
  [MediaKind.DOCUMENT]: "document",
  [MediaKind.AUDIO]: "audio",
  [MediaKind.VIDEO]: "video",
  [MediaKind.STICKER]: "sticker",
};
const Variables = z.record(z.string(), z.unknown());

/** ISO 8601 of a google.protobuf.Timestamp. */
function isoOf(timestamp: { seconds: bigint; nanos: number } | undefined, field: string): string {
  if (!timestamp) throw invalidResponse(`missing ${field}`);
  return new Date(Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000)).toISOString();
}

function jsonOf(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidResponse(`${field} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function variablesOf(text: string): Record<string, unknown> {
  const parsed = Variables.safeParse(jsonOf(text, "variables_json"));
  if (!parsed.success) throw invalidResponse("variables_json is not an object");
  return parsed.data;
}

const orNull = (value: string) => value || null;
const optional = (value: string) => (value ? value : undefined);

function flowOf(flow: FlowMessage | undefined): Flow {
  if (!flow) throw invalidResponse("answer without a flow");
  const kind = KIND_NAMES[flow.kind];
  if (!kind) throw invalidResponse(`flow kind ${flow.kind}`);
  return {
    id: flow.id,
    botId: orNull(flow.botId),
    slug: flow.slug,
    kind,
    name: flow.name,
    activeVersion: flow.activeVersion || null,
    latestVersion: flow.latestVersion,
    revision: flow.revision,
    createdAt: isoOf(flow.createTime, "create_time"),
    updatedAt: isoOf(flow.updateTime, "update_time"),
  };
}

function summaryOf(summary: FlowVersionSummaryMessage | undefined): FlowVersionSummary {
  if (!summary) throw invalidResponse("version without a summary");
  const status = STATUS_NAMES[summary.status];
  if (!status) throw invalidResponse(`version status ${summary.status}`);
  return {
    version: summary.version,
    status,
    createdAt: isoOf(summary.createTime, "create_time"),
    createdBy: orNull(summary.createdBy),
    updatedAt: isoOf(summary.updateTime, "update_time"),
    updatedBy: orNull(summary.updatedBy),
    activatedAt: summary.activateTime ? isoOf(summary.activateTime, "activate_time") : null,
    activatedBy: orNull(summary.activatedBy),
  };
}

function versionOf(version: FlowVersionMessage | undefined): FlowVersion {
  if (!version) throw invalidResponse("answer without a version");
  return { ...summaryOf(version.summary), definition: jsonOf(version.definitionJson, "definition_json") };
}

const problemsOf = (problems: FlowProblemMessage[]): FlowProblem[] => problems.map((p) => ({ path: p.path, code: p.code, message: p.message }));

function optionOf(option: { id: string; title: string; description: string }): ReplyOption {
  return { id: option.id, title: option.title, ...(option.description ? { description: option.description } : {}) };
}

function replyOf(content: MessageContent): Reply {
  const kind = content.kind;
  switch (kind.case) {
    case "text":
      return { type: "text", body: kind.value.body };
    case "media": {
      const mediaKind = MEDIA_KINDS[kind.value.kind];
      if (!mediaKind) throw invalidResponse(`media kind ${kind.value.kind}`);
      return { type: "media", kind: mediaKind, url: kind.value.url, caption: optional(kind.value.caption), filename: optional(kind.value.filename) };
    }
    case "buttons":
      return { type: "buttons", body: kind.value.body, header: optional(kind.value.header), footer: optional(kind.value.footer), buttons: kind.value.buttons.map(optionOf) };
    case "list":
      return {
        type: "list",
        body: kind.value.body,
        button: kind.value.button,
        header: optional(kind.value.header),
        footer: optional(kind.value.footer),
        sections: kind.value.sections.map((s) => ({ title: optional(s.title), rows: s.rows.map(optionOf) })),
      };
    default:
      throw invalidResponse(`reply of kind ${String(kind.case)}`);
  }
}

const timerOf = (timer: ConversationTimer): Timer => ({ id: timer.id, purpose: timer.purpose, dueAt: isoOf(timer.dueTime, "due_time") });

function conversationOf(conversation: ConversationMessage | undefined): Conversation {
  if (!conversation) throw invalidResponse("answer without a conversation");
  return {
    botId: conversation.botId,
    contact: conversation.contact,
    flowId: conversation.flowId,
    flowVersion: conversation.flowVersion,
    step: conversation.step ?? null,
    variables: variablesOf(conversation.variablesJson),
    pausedUntil: conversation.pausedUntil ? isoOf(conversation.pausedUntil, "paused_until") : null,
    timers: conversation.timers.map(timerOf),
    startedAt: isoOf(conversation.startTime, "start_time"),
    updatedAt: isoOf(conversation.updateTime, "update_time"),
    stateVersion: Number(conversation.stateVersion),
  };
}

function inputMessage(input: SimulatedInput) {
  if ("text" in input) return { kind: { case: "text" as const, value: { text: input.text } } };
  if ("payload" in input) return { kind: { case: "payload" as const, value: { payload: input.payload, title: input.title ?? "" } } };
  return { kind: { case: "advance" as const, value: { seconds: input.advanceSeconds } } };
}

export function createOrchestratorClient(address: string, { deadlineMs, auth }: { deadlineMs: number; auth?: ClientAuth }) {
  const client = createServiceClient(OrchestratorService, address, { defaultDeadlineMs: deadlineMs, ...(auth ? { auth } : {}) });
  return {
    /** The tenant's flows (botId undefined: all; null: the default scope; an id: that bot's). */
    async listFlows({ tenantId, botId }: { tenantId: string; botId?: string | null }, options?: CallOptions): Promise<Flow[]> {
      const response = await client.listFlows({ tenantId, ...(botId === undefined ? {} : { botId: botId ?? "" }) }, options).catch(withoutTransportDetails);
      return response.flows.map(flowOf);
    },

    /** A new flow with its document as version 1 (a draft); invalid_argument FLOW_INVALID when its id or name is unusable, conflict FLOW_SLUG_TAKEN. */
    async createFlow(input: { tenantId: string; botId: string | null; kind: FlowKindName; definition: unknown; userId: string }, options?: CallOptions): Promise<{ flow: Flow; version: FlowVersion }> {
      const response = await client
        .createFlow({ tenantId: input.tenantId, botId: input.botId ?? "", kind: KINDS[input.kind], definitionJson: JSON.stringify(input.definition), userId: input.userId }, options)
        .catch(withoutTransportDetails);
      return { flow: flowOf(response.flow), version: versionOf(response.version) };
    },

    /** One flow with its versions (newest first) and, when asked, one version's document; not_found FLOW_NOT_FOUND, FLOW_VERSION_NOT_FOUND. */
    async getFlow({ tenantId, flowId, version }: { tenantId: string; flowId: string; version?: number }, options?: CallOptions): Promise<{ flow: Flow; versions: FlowVersionSummary[]; version: FlowVersion | null }> {
      const response = await client.getFlow({ tenantId, flowId, version: version ?? 0 }, options).catch(withoutTransportDetails);
      return { flow: flowOf(response.flow), versions: response.versions.map(summaryOf), version: response.version ? versionOf(response.version) : null };
    },

    /** Saves a document as the flow's draft; conflict FLOW_VERSION_CONFLICT when the expected version or revision is stale. */
    async updateFlowDraft(
      input: { tenantId: string; flowId: string; definition: unknown; userId: string; expectedVersion?: number; expectedRevision?: number },
      options?: CallOptions,
    ): Promise<{ flow: Flow; version: FlowVersion; created: boolean }> {
      const response = await client
        .updateFlowDraft(
          {
            tenantId: input.tenantId,
            flowId: input.flowId,
            definitionJson: JSON.stringify(input.definition),
            expectedVersion: input.expectedVersion ?? 0,
            expectedRevision: input.expectedRevision ?? 0,
            userId: input.userId,
          },
          options,
        )
        .catch(withoutTransportDetails);
      return { flow: flowOf(response.flow), version: versionOf(response.version), created: response.created };
    },

    /** Checks a stored version (the latest by default) or a submitted document as activation would. */
    async validateFlow(
      input: { tenantId: string; flowId: string; version?: number; definition?: unknown },
      options?: CallOptions,
    ): Promise<{ ok: boolean; problems: FlowProblem[]; version: number | null }> {
      const source =
        input.definition !== undefined ? { case: "definitionJson" as const, value: JSON.stringify(input.definition) } : { case: "version" as const, value: input.version ?? 0 };
      const response = await client.validateFlow({ tenantId: input.tenantId, flowId: input.flowId, source }, options).catch(withoutTransportDetails);
      return { ok: response.ok, problems: problemsOf(response.problems), version: response.version || null };
    },

    /** Makes a version the one that runs; invalid_argument FLOW_INVALID with `details.problems` when it is not ready. */
    async activateFlowVersion(input: { tenantId: string; flowId: string; version: number; userId: string }, options?: CallOptions): Promise<{ flow: Flow; deactivatedFlowId: string | null }> {
      const response = await client.activateFlowVersion(input, options).catch(withoutTransportDetails);
      if (!response.activated) {
        const problems = problemsOf(response.problems);
        throw new AppError("invalid_argument", "FLOW_INVALID", `Version ${input.version} cannot be activated: ${problems.length} problem${problems.length === 1 ? "" : "s"}`, { details: { problems } });
      }
      return { flow: flowOf(response.flow), deactivatedFlowId: orNull(response.deactivatedFlowId) };
    },

    /** Runs a scripted conversation on a flow version (the latest when absent) without sending anything. */
    async simulate(input: { tenantId: string; flowId: string; version?: number; contactName?: string; inputs: SimulatedInput[] }, options?: CallOptions): Promise<Simulation> {
      const response = await client
        .simulateConversation({ tenantId: input.tenantId, flowId: input.flowId, version: input.version ?? 0, contactName: input.contactName ?? "", inputs: input.inputs.map(inputMessage) }, options)
        .catch(withoutTransportDetails);
      return {
        turns: response.turns.map((turn) => ({
          input: turn.input,
          replies: turn.replies.map(replyOf),
          steps: turn.steps,
          calls: turn.calls.map((call) => ({ step: call.step, kind: call.kind === SimulatedCallKind.HTTP ? ("http" as const) : ("action" as const), name: call.name })),
          events: turn.events,
        })),
        step: response.step ?? null,
        variables: variablesOf(response.variablesJson),
        timers: response.timers.map(timerOf),
        paused: response.paused,
      };
    },

    /** A contact's conversation with a bot; not_found CONVERSATION_NOT_FOUND when there is none. */
    async getConversation({ tenantId, botId, contact }: { tenantId: string; botId: string; contact: string }, options?: CallOptions): Promise<Conversation> {
      const response = await client.getConversation({ tenantId, botId, contact }, options).catch(withoutTransportDetails);
      return conversationOf(response.conversation);
    },

    /** Forgets a contact's conversation; false when there was none. */
    async resetConversation({ tenantId, botId, contact }: { tenantId: string; botId: string; contact: string }, options?: CallOptions): Promise<boolean> {
      const response = await client.resetConversation({ tenantId, botId, contact }, options).catch(withoutTransportDetails);
      return response.reset;
    },

    /** Hands a paused conversation back to the bot (`by`: the staff user); false when it is not paused or there is none. */
    async resumeConversation({ tenantId, botId, contact, by }: { tenantId: string; botId: string; contact: string; by: string }, options?: CallOptions): Promise<boolean> {
      const response = await client.resumeConversation({ tenantId, botId, contact, by }, options).catch(withoutTransportDetails);
      return response.resumed;
    },

    /** Pauses the bot for a contact for `minutes` (`by`: the staff user); null when the bot runs no flow. */
    async pauseConversation(
      { tenantId, botId, contact, minutes, by }: { tenantId: string; botId: string; contact: string; minutes: number; by: string },
      options?: CallOptions,
    ): Promise<Date | null> {
      const response = await client.pauseConversation({ tenantId, botId, contact, minutes, by }, options).catch(withoutTransportDetails);
      return response.paused && response.pausedUntil ? new Date(Number(response.pausedUntil.seconds) * 1000 + Math.floor(response.pausedUntil.nanos / 1_000_000)) : null;
    },

    /** Installs the default flow set in the tenant's language (idempotent): the ids installed now and those it already had. */
    async installDefaultFlows({ tenantId, language }: { tenantId: string; language: "es" | "en" }, options?: CallOptions): Promise<{ installed: string[]; kept: string[] }> {
      const response = await client.installDefaultFlows({ tenantId, language }, options).catch(withoutTransportDetails);
      return { installed: response.installed, kept: response.kept };
    },

    /** The tenant's allowed hosts and secret names, sorted (never a secret's value). */
    async getHttpSettings({ tenantId }: { tenantId: string }, options?: CallOptions): Promise<HttpSettings> {
      const response = await client.getHttpSettings({ tenantId }, options).catch(withoutTransportDetails);
      return { allowedHosts: response.allowedHosts, secretNames: response.secretNames };
    },

    /** Replaces the tenant's allowlist and returns it as stored; invalid_argument HTTP_HOST_INVALID, HTTP_HOSTS_TOO_MANY. */
    async setAllowedHosts({ tenantId, hosts }: { tenantId: string; hosts: string[] }, options?: CallOptions): Promise<string[]> {
      const response = await client.setAllowedHosts({ tenantId, hosts }, options).catch(withoutTransportDetails);
      return response.allowedHosts;
    },

    /** Creates or replaces a tenant secret; invalid_argument SECRET_NAME_INVALID, SECRET_VALUE_INVALID. */
    async putSecret({ tenantId, name, value }: { tenantId: string; name: string; value: string }, options?: CallOptions): Promise<void> {
      await client.putSecret({ tenantId, name, value }, options).catch(withoutTransportDetails);
    },

    /** Removes a tenant secret; false when the tenant had none of that name. */
    async deleteSecret({ tenantId, name }: { tenantId: string; name: string }, options?: CallOptions): Promise<boolean> {
      const response = await client.deleteSecret({ tenantId, name }, options).catch(withoutTransportDetails);
      return response.deleted;
    },

    close: () => client.close(),
  };
}

export type OrchestratorClient = ReturnType<typeof createOrchestratorClient>;
