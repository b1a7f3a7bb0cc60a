// The tenant's flows, kept by the bot-orchestrator: list, read, create, save drafts, validate and
// activate. The tenant is always the actor's; a bot named in a request must be one of the
// tenant's bots (the adapter owns bots: another tenant's is BOT_NOT_FOUND), and a flow id is
// looked up within the tenant by the orchestrator itself.
import { authorize, type Actor } from "../../auth/permissions.js";
import type { AdapterClient } from "../../clients/adapter.client.js";
import type { Flow, FlowKindName, FlowProblem, FlowVersion, FlowVersionSummary, OrchestratorClient } from "../../clients/orchestrator.client.js";

export type FlowsOrchestrator = Pick<OrchestratorClient, "listFlows" | "createFlow" | "getFlow" | "updateFlowDraft" | "validateFlow" | "activateFlowVersion">;
export type TenantBots = Pick<AdapterClient, "getBot">;

export interface NewFlowInput {
  /** Null: a flow of the tenant's default scope, for bots without their own. */
  botId: string | null;
  kind: FlowKindName;
  definition: unknown;
}

export interface DraftInput {
  definition: unknown;
  expectedVersion?: number;
  expectedRevision?: number;
}

export function createManageFlows({ orchestrator, bots }: { orchestrator: FlowsOrchestrator; bots: TenantBots }) {
  /** Throws not_found BOT_NOT_FOUND unless the bot is the actor's tenant's. */
  const ownBot = async (actor: Actor, botId: string) => {
    await bots.getBot({ tenantId: actor.tenantId, botId });
  };

  return {
    /** botId undefined: every flow; null: the default scope's; an id: that bot's. */
    async list(actor: Actor, { botId }: { botId?: string | null }): Promise<Flow[]> {
      authorize(actor, "flows:read");
      if (typeof botId === "string") await ownBot(actor, botId);
      return orchestrator.listFlows({ tenantId: actor.tenantId, ...(botId === undefined ? {} : { botId }) });
    },
    async create(actor: Actor, input: NewFlowInput): Promise<{ flow: Flow; version: FlowVersion }> {
      authorize(actor, "flows:write");
      if (input.botId !== null) await ownBot(actor, input.botId);
      return orchestrator.createFlow({ tenantId: actor.tenantId, botId: input.botId, kind: input.kind, definition: input.definition, userId: actor.userId });
    },
    async get(actor: Actor, flowId: string, version?: number): Promise<{ flow: Flow; versions: FlowVersionSummary[]; version: FlowVersion | null }> {
      authorize(actor, "flows:read");
      return orchestrator.getFlow({ tenantId: actor.tenantId, flowId, ...(version === undefined ? {} : { version }) });
    },
    async saveDraft(actor: Actor, flowId: string, input: DraftInput): Promise<{ flow: Flow; version: FlowVersion; created: boolean }> {
      authorize(actor, "flows:write");
      return orchestrator.updateFlowDraft({ tenantId: actor.tenantId, flowId, userId: actor.userId, ...input });
    },
    /** A submitted document, or a stored version (the latest when neither is given). */
    async validate(actor: Actor, flowId: string, input: { definition?: unknown; version?: number }): Promise<{ ok: boolean; problems: FlowProblem[]; version: number | null }> {
      authorize(actor, "flows:read");
      return orchestrator.validateFlow({ tenantId: actor.tenantId, flowId, ...input });
    },
    async activate(actor: Actor, flowId: string, version: number): Promise<{ flow: Flow; deactivatedFlowId: string | null }> {
      authorize(actor, "flows:write");
      return orchestrator.activateFlowVersion({ tenantId: actor.tenantId, flowId, version, userId: actor.userId });
    },
  };
}

export type ManageFlows = ReturnType<typeof createManageFlows>;
