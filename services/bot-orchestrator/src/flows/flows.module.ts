// The flows domain of the orchestrator: flows stored in Postgres, their use cases, the tenant's
// settings for http steps (allowlist and secrets) and the OrchestratorService handlers over them.
// The flows repository is exposed for the engine, which loads the version a bot runs through it.
import type pg from "pg";
import type { ServiceRegistration } from "@fleet/grpc-bridge";
import type { ActionRegistry } from "./language/index.js";
import { orchestratorService, type ConversationsAccess } from "../grpc/orchestrator.handler.js";
import { createFlowsRepository, type FlowsRepository } from "../repositories/flows.repository.js";
import type { TenantHttpSettingsRepository } from "../repositories/tenant-http-settings.repository.js";
import { createActivateFlowVersion } from "./activate-flow-version.use-case.js";
import { createCreateFlow } from "./create-flow.use-case.js";
import { createGetFlow } from "./get-flow.use-case.js";
import { createHttpSettings } from "./http-settings.use-case.js";
import { createListFlows } from "./list-flows.use-case.js";
import { createSimulateFlow } from "./simulate-flow.use-case.js";
import type { ResumeConversation } from "../use-cases/resume-conversation.use-case.js";
import { createInstallDefaultFlows } from "./install-default-flows.use-case.js";
import { createPauseConversation, type PauseConversation } from "../use-cases/pause-conversation.use-case.js";
import type { RedisClient } from "@fleet/service-kit";
import { createUpdateFlowDraft } from "./update-flow-draft.use-case.js";
import { createValidateFlow } from "./validate-flow.use-case.js";

export interface FlowsModuleDeps {
  /** Pool whose search_path is the `orchestrator` schema. */
  pool: pg.Pool;
  /** The actions flows may call: validation and activation check action steps against it. */
  actions: ActionRegistry;
  /** The engine's conversation store, for GetConversation and ResetConversation. */
  conversations: ConversationsAccess;
  /** Staff handing a paused conversation back to the bot. */
  resume: ResumeConversation;
  /** Staff pausing the bot for a contact appends an entry to the contact's partition. */
  redis: RedisClient;
  partitions: number;
  /** The shop's time zone in simulations (now.*). */
  timezone: string;
  /** The tenants' allowlists and secrets: managed here, and their secret names checked at validation and activation. */
  httpSettings: TenantHttpSettingsRepository;
}

export interface FlowsModule {
  flows: FlowsRepository;
  pause: PauseConversation;
  grpcService: ServiceRegistration;
}

export function createFlowsModule({ pool, actions, conversations, resume, redis, partitions, timezone, httpSettings }: FlowsModuleDeps): FlowsModule {
  const flows = createFlowsRepository(pool);
  const createFlow = createCreateFlow({ flows });
  const activateFlowVersion = createActivateFlowVersion({ flows, actions, httpSettings });
  const pause = createPauseConversation({ redis, flows, partitions });
  return {
    flows,
    pause,
    grpcService: orchestratorService({
      createFlow,
      updateFlowDraft: createUpdateFlowDraft({ flows }),
      validateFlow: createValidateFlow({ flows, actions, httpSettings }),
      activateFlowVersion,
      pause,
      installDefaultFlows: createInstallDefaultFlows({ flows, createFlow, activateFlowVersion }),
      listFlows: createListFlows({ flows }),
      getFlow: createGetFlow({ flows }),
      simulate: createSimulateFlow({ flows, actions, timezone }),
      conversations,
      resume,
      httpSettings: createHttpSettings({ settings: httpSettings }),
    }),
  };
}
