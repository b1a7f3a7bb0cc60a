// A scripted conversation with a flow version (the latest, a draft included, by default), run by
// the orchestrator's engine with nothing sent to anyone: what the bot would answer, turn by turn.
import { authorize, type Actor } from "../../auth/permissions.js";
import type { OrchestratorClient, SimulatedInput, Simulation } from "../../clients/orchestrator.client.js";

export interface SimulationInput {
  version?: number;
  contactName?: string;
  inputs: SimulatedInput[];
}

export function createSimulateFlow({ orchestrator }: { orchestrator: Pick<OrchestratorClient, "simulate"> }) {
  return async function simulateFlow(actor: Actor, flowId: string, input: SimulationInput): Promise<Simulation> {
    authorize(actor, "flows:read");
    return orchestrator.simulate({ tenantId: actor.tenantId, flowId, ...input });
  };
}

export type SimulateFlow = ReturnType<typeof createSimulateFlow>;
