// OrchestratorService gRPC handlers: map protobuf messages to use-case calls and back. Flow
// documents travel as JSON text (definition_json) so validation paths stay JSON pointers into
// what the editor sent. A tenant secret's value only comes in (PutSecret): no answer carries one.
import { FlowKind, FlowVersionStatus, OrchestratorService, SimulatedCallKind, type SimulatedInput as SimulatedInputMessage } from "@fleet/contracts/orchestrator";
import { implement, type ServiceRegistration } from "@fleet/grpc-bridge";
import { AppError } from "@fleet/service-kit";
import type { ConversationView, SimulatedInput, SimulatedTimer, SimulationRequest, SimulationResult } from "../flows/engine/simulation.types.js";
import { LIMITS, type FlowProblem } from "../flows/language/index.js";
import type { ActivateFlowVersion } from "../flows/activate-flow-version.use-case.js";
import type { CreateFlow } from "../flows/create-flow.use-case.js";
import type { GetFlow } from "../flows/get-flow.use-case.js";
import type { HttpSettings } from "../flows/http-settings.use-case.js";
import type { ListFlows } from "../flows/list-flows.use-case.js";
import type { UpdateFlowDraft } from "../flows/update-flow-draft.use-case.js";
import type { ValidateFlow } from "../flows/validate-flow.use-case.js";
import type { PauseConversation } from "../use-cases/pause-conversation.use-case.js";
import type { InstallDefaultFlows } from "../flows/install-default-flows.use-case.js";
import type { ResumeConversation } from "../use-cases/resume-conversation.use-case.js";
import type { FlowKind as FlowKindName, FlowRecord, FlowVersionStatus as FlowVersionStatusName, FlowVersionSummary, StoredFlowVersion } from "../repositories/flows.repository.js";
import { messageContentOf } from "../clients/adapter.client.js";

/** Largest flow document accepted, as JSON text. */
export const MAX_DEFINITION_BYTES = 256 * 1024;
/** Bounds of one simulation: it runs the engine in this process, so it must stay small. */
export const MAX_SIMULATED_INPUTS = 50;
export const MAX_ADVANCE_SECONDS = LIMITS.waitSeconds;
/** Latest start of a simulation: its virtual clock (plus every advance) stays a valid time. */
const LATEST_START_MS = Date.UTC(9999, 11, 31);
/** Longest `by` of a resume: what the inbound entry it becomes can carry. */
export const MAX_RESUMED_BY = 64;

/** Runs a scripted conversation on a flow version (0: the latest) without sending anything. */
export type SimulateFlow = (tenantId: string, flowId: string, version: number, request: SimulationRequest) => Promise<SimulationResult>;

/** Contacts' conversations as the engine stores them. */
export interface ConversationsAccess {
  view(tenantId: string, botId: string, contact: string): Promise<ConversationView | null>;
  /** False when the contact had no conversation. */
  reset(tenantId: string, botId: string, contact: string): Promise<boolean>;
}

export interface OrchestratorHandlerDeps {
  createFlow: CreateFlow;
  updateFlowDraft: UpdateFlowDraft;
  validateFlow: ValidateFlow;
  activateFlowVersion: ActivateFlowVersion;
  listFlows: ListFlows;
  getFlow: GetFlow;
  simulate: SimulateFlow;
  conversations: ConversationsAccess;
  resume: ResumeConversation;
  pause: PauseConversation;
  installDefaultFlows: InstallDefaultFlows;
  /** The tenant's allowlist and secrets for http steps. */
  httpSettings: HttpSettings;
}

const KIND_OF: Record<FlowKindName, FlowKind> = { main: FlowKind.MAIN, subflow: FlowKind.SUBFLOW };
const STATUS_OF: Record<FlowVersionStatusName, FlowVersionStatus> = { draft: FlowVersionStatus.DRAFT, active: FlowVersionStatus.ACTIVE, archived: FlowVersionStatus.ARCHIVED };

function invalidRequest(problem: string): AppError {
  return new AppError("invalid_argument", "INVALID_FLOW_REQUEST", problem);
}

/** The document an editor sent: JSON text of bounded size. */
function definitionOf(json: string): unknown {
  if (Buffer.byteLength(json, "utf8") > MAX_DEFINITION_BYTES) {
    throw new AppError("invalid_argument", "FLOW_TOO_LARGE", `A flow document is at most ${MAX_DEFINITION_BYTES / 1024} KiB of JSON`);
  }
  try {
    return JSON.parse(json);
  } catch {
    const problems: FlowProblem[] = [{ path: "", code: "json_invalid", message: "definition_json is not valid JSON" }];
    throw new AppError("invalid_argument", "FLOW_INVALID", "The flow document is not valid JSON", { details: { problems } });
  }
}

function kindOf(kind: FlowKind): FlowKindName {
  switch (kind) {
    case FlowKind.UNSPECIFIED:
    case FlowKind.MAIN:
      return "main";
    case FlowKind.SUBFLOW:
      return "subflow";
    default:
      throw invalidRequest(`Unknown flow kind ${kind}`);
  }
}

/** google.protobuf.Timestamp of a time (milliseconds are all a Date holds). */
function timestampOf(date: Date) {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new AppError("internal", "INVALID_TIME", "A time the engine gave is not valid", { cause: new Error(String(date)) });
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

const timestampOfIso = (iso: string) => timestampOf(new Date(iso));

function flowMessage(flow: FlowRecord) {
  return {
    id: flow.id,
    tenantId: flow.tenantId,
    botId: flow.botId ?? "",
    slug: flow.slug,
    kind: KIND_OF[flow.kind],
    name: flow.name,
    activeVersion: flow.activeVersion ?? 0,
    latestVersion: flow.latestVersion,
    revision: flow.revision,
    createTime: timestampOf(flow.createdAt),
    updateTime: timestampOf(flow.updatedAt),
  };
}

function summaryMessage(summary: FlowVersionSummary) {
  return {
    version: summary.version,
    status: STATUS_OF[summary.status],
    createTime: timestampOf(summary.createdAt),
    createdBy: summary.createdBy ?? "",
    updateTime: timestampOf(summary.updatedAt),
    updatedBy: summary.updatedBy ?? "",
    ...(summary.activatedAt ? { activateTime: timestampOf(summary.activatedAt) } : {}),
    activatedBy: summary.activatedBy ?? "",
  };
}

function versionMessage(version: StoredFlowVersion) {
  return { summary: summaryMessage(version), definitionJson: JSON.stringify(version.definition) };
}

function problemMessages(problems: readonly FlowProblem[]) {
  return problems.map((p) => ({ path: p.path, code: p.code, message: p.message }));
}

/** The problems of a FLOW_INVALID refusal, or null for any other error. */
function refusedProblems(error: unknown): FlowProblem[] | null {
  if (!(error instanceof AppError) || error.code !== "FLOW_INVALID") return null;
  const details = error.details;
  if (typeof details !== "object" || details === null || !("problems" in details) || !Array.isArray(details.problems)) return null;
  return details.problems.filter(
    (p: unknown): p is FlowProblem => typeof p === "object" && p !== null && "path" in p && "code" in p && "message" in p && typeof p.path === "string" && typeof p.code === "string" && typeof p.message === "string",
  );
}

function simulatedInputOf(input: SimulatedInputMessage, index: number): SimulatedInput {
  const kind = input.kind;
  const where = `inputs[${index}]`;
  switch (kind.case) {
    case "text":
      if (kind.value.text.length === 0 || kind.value.text.length > LIMITS.text) throw invalidRequest(`${where}.text must have 1 to ${LIMITS.text} characters`);
      return { type: "text", text: kind.value.text };
    case "payload":
      if (kind.value.payload.length === 0 || kind.value.payload.length > LIMITS.buttonId) throw invalidRequest(`${where}.payload must have 1 to ${LIMITS.buttonId} characters`);
      if (kind.value.title.length > 100) throw invalidRequest(`${where}.title must have at most 100 characters`);
      return { type: "payload", payload: kind.value.payload, ...(kind.value.title ? { title: kind.value.title } : {}) };
    case "advance":
      if (!(kind.value.seconds >= 1 && kind.value.seconds <= MAX_ADVANCE_SECONDS)) throw invalidRequest(`${where}.advance.seconds must be 1 to ${MAX_ADVANCE_SECONDS}`);
      return { type: "advance", seconds: kind.value.seconds };
    default:
      throw invalidRequest(`${where} is empty`);
  }
}

function timerMessage(timer: SimulatedTimer) {
  return { id: timer.id, purpose: timer.purpose, dueTime: timestampOfIso(timer.dueAt) };
}

function simulationMessage(result: SimulationResult) {
  return {
    turns: result.turns.map((turn) => ({
      input: turn.input,
      replies: turn.replies.map(messageContentOf),
      steps: turn.steps,
      calls: turn.calls.map((call) => ({ step: call.step, kind: call.kind === "action" ? SimulatedCallKind.ACTION : SimulatedCallKind.HTTP, name: call.name })),
      events: turn.events,
    })),
    ...(result.step === null ? {} : { step: result.step }),
    variablesJson: JSON.stringify(result.variables),
    timers: result.timers.map(timerMessage),
    paused: result.paused,
  };
}

function conversationMessage(view: ConversationView) {
  return {
    tenantId: view.tenantId,
    botId: view.botId,
    contact: view.contact,
    flowId: view.flowId,
    flowVersion: view.flowVersion,
    ...(view.step === null ? {} : { step: view.step }),
    variablesJson: JSON.stringify(view.variables),
    ...(view.pausedUntil === null ? {} : { pausedUntil: timestampOfIso(view.pausedUntil) }),
    timers: view.timers.map(timerMessage),
    startTime: timestampOfIso(view.startedAt),
    updateTime: timestampOfIso(view.updatedAt),
    stateVersion: BigInt(view.version),
  };
}

const userOf = (userId: string) => userId || null;

export function orchestratorService(deps: OrchestratorHandlerDeps): ServiceRegistration {
  const { createFlow, updateFlowDraft, validateFlow, activateFlowVersion, listFlows, getFlow, simulate, conversations, resume, pause, installDefaultFlows, httpSettings } = deps;
  return implement(OrchestratorService, {
    async createFlow(request) {
      const created = await createFlow({
        tenantId: request.tenantId,
        botId: request.botId || null,
        kind: kindOf(request.kind),
        definition: definitionOf(request.definitionJson),
        userId: userOf(request.userId),
      });
      return { flow: flowMessage(created.flow), version: versionMessage(created.version) };
    },

    async updateFlowDraft(request) {
      const saved = await updateFlowDraft({
        tenantId: request.tenantId,
        flowId: request.flowId,
        definition: definitionOf(request.definitionJson),
        userId: userOf(request.userId),
        ...(request.expectedVersion > 0 ? { expectedVersion: request.expectedVersion } : {}),
        ...(request.expectedRevision > 0 ? { expectedRevision: request.expectedRevision } : {}),
      });
      return { flow: flowMessage(saved.flow), version: versionMessage(saved.version), created: saved.created };
    },

    async validateFlow(request) {
      const source = request.source.case === "definitionJson" ? { definition: definitionOf(request.source.value) } : { version: request.source.value || ("latest" as const) };
      const check = await validateFlow(request.tenantId, request.flowId, source);
      return { ok: check.ok, problems: problemMessages(check.problems), version: check.version ?? 0 };
    },

    async activateFlowVersion(request) {
      try {
        const activation = await activateFlowVersion({ tenantId: request.tenantId, flowId: request.flowId, version: request.version, userId: userOf(request.userId) });
        return { activated: true, problems: [], flow: flowMessage(activation.flow), deactivatedFlowId: activation.deactivatedFlowId ?? "" };
      } catch (error) {
        const problems = refusedProblems(error);
        if (!problems) throw error;
        const current = await getFlow(request.tenantId, request.flowId);
        return { activated: false, problems: problemMessages(problems), flow: flowMessage(current.flow), deactivatedFlowId: "" };
      }
    },

    async listFlows(request) {
      const flows = await listFlows(request.tenantId, request.botId === undefined ? {} : { botId: request.botId || null });
      return { flows: flows.map(flowMessage) };
    },

    async getFlow(request) {
      const view = await getFlow(request.tenantId, request.flowId, request.version > 0 ? request.version : undefined);
      return { flow: flowMessage(view.flow), versions: view.versions.map(summaryMessage), ...(view.version ? { version: versionMessage(view.version) } : {}) };
    },

    async simulateConversation(request) {
      if (request.inputs.length > MAX_SIMULATED_INPUTS) throw invalidRequest(`A simulation has at most ${MAX_SIMULATED_INPUTS} inputs`);
      const inputs = request.inputs.map(simulatedInputOf);
      if (request.contactName.length > 100 || request.contactPhone.length > 32) throw invalidRequest("contact_name is at most 100 characters and contact_phone at most 32");
      const startAt = request.startTime ? Number(request.startTime.seconds) * 1000 + Math.floor(request.startTime.nanos / 1_000_000) : undefined;
      if (startAt !== undefined && !(startAt >= 0 && startAt <= LATEST_START_MS)) throw invalidRequest("start_time must be between 1970 and the year 9999");
      const result = await simulate(request.tenantId, request.flowId, request.version, {
        inputs,
        ...(request.contactName ? { contactName: request.contactName } : {}),
        ...(request.contactPhone ? { contactPhone: request.contactPhone } : {}),
        ...(startAt === undefined ? {} : { startAt }),
      });
      return simulationMessage(result);
    },

    async getConversation(request) {
      const view = await conversations.view(request.tenantId, request.botId, request.contact);
      if (!view) throw new AppError("not_found", "CONVERSATION_NOT_FOUND", "The contact has no conversation with this bot");
      return { conversation: conversationMessage(view) };
    },

    async resetConversation(request) {
      return { reset: await conversations.reset(request.tenantId, request.botId, request.contact) };
    },

    async resumeConversation(request) {
      if (request.by.length > MAX_RESUMED_BY) throw invalidRequest(`by must have at most ${MAX_RESUMED_BY} characters`);
      return { resumed: await resume(request.tenantId, request.botId, request.contact, request.by || undefined) };
    },

    async pauseConversation(request) {
      if (request.by.length > MAX_RESUMED_BY) throw invalidRequest(`by must have at most ${MAX_RESUMED_BY} characters`);
      const until = await pause(request.tenantId, request.botId, request.contact, request.minutes, request.by || undefined);
      return { paused: until !== null, ...(until ? { pausedUntil: timestampOf(until) } : {}) };
    },

    async installDefaultFlows(request) {
      return installDefaultFlows(request.tenantId, request.language);
    },

    async getHttpSettings(request) {
      const settings = await httpSettings.get(request.tenantId);
      return { allowedHosts: settings.allowedHosts, secretNames: settings.secretNames };
    },

    async setAllowedHosts(request) {
      return { allowedHosts: await httpSettings.setAllowedHosts(request.tenantId, request.hosts) };
    },

    async putSecret(request) {
      await httpSettings.putSecret(request.tenantId, request.name, request.value);
      return {};
    },

    async deleteSecret(request) {
      return { deleted: await httpSettings.deleteSecret(request.tenantId, request.name) };
    },
  });
}
