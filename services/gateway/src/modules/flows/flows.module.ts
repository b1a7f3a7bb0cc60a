// The flows domain: a facade over the bot-orchestrator's flows, simulations, conversations and the
// tenant's settings for http steps, with the adapter answering whether a bot named in a request is
// the caller's; and the default flow set every new shop gets.
import type pg from "pg";
import type { Logger } from "@fleet/service-kit";
import type { Route } from "../../http/routes.js";
import { createDefaultFlowsRepository } from "./default-flows.repository.js";
import { createInstallDefaultFlows, type InstallDefaultFlows } from "./install-default-flows.use-case.js";
import type { OrchestratorClient } from "../../clients/orchestrator.client.js";
import { createConversations } from "./conversations.use-case.js";
import { flowsRoutes } from "./flows.routes.js";
import { httpSettingsRoutes } from "./http-settings.routes.js";
import { createHttpSettings } from "./http-settings.use-case.js";
import { createManageFlows, type TenantBots } from "./manage-flows.use-case.js";
import { createSimulateFlow } from "./simulate-flow.use-case.js";

export type FlowsOrchestratorClient = Pick<
  OrchestratorClient,
  | "listFlows"
  | "createFlow"
  | "getFlow"
  | "updateFlowDraft"
  | "validateFlow"
  | "activateFlowVersion"
  | "simulate"
  | "getConversation"
  | "resetConversation"
  | "resumeConversation"
  | "pauseConversation"
  | "installDefaultFlows"
  | "getHttpSettings"
  | "setAllowedHosts"
  | "putSecret"
  | "deleteSecret"
>;

export interface FlowsModuleDeps {
  orchestrator: FlowsOrchestratorClient;
  bots: TenantBots;
  pool: pg.Pool;
  logger: Pick<Logger, "info" | "warn">;
}

export function createFlowsModule({ orchestrator, bots, pool, logger }: FlowsModuleDeps): { routes: Route[]; defaultFlows: InstallDefaultFlows } {
  const defaultFlows = createInstallDefaultFlows({ orchestrator, shops: createDefaultFlowsRepository(pool), logger });
  return {
    defaultFlows,
    routes: [
      // First: /flows/http-settings would otherwise reach /flows/:flowId.
      ...httpSettingsRoutes({ settings: createHttpSettings({ orchestrator }) }),
      ...flowsRoutes({
        flows: createManageFlows({ orchestrator, bots }),
        simulate: createSimulateFlow({ orchestrator }),
        conversations: createConversations({ orchestrator, bots }),
        defaultFlows,
      }),
    ],
  };
}
