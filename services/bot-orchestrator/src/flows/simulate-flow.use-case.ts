// SimulateConversation: one of the tenant's flows (a draft or any stored version) run by the real
// engine with a virtual clock and nothing sent; `goto {flow}` enters the active flows of its scope.
// A version that does not fit the schema cannot run and is refused with its problems; graph problems
// (a missing step) are not refused here: the simulation shows what the engine does with them.
import { AppError } from "@fleet/service-kit";
import { FlowDocument, type ActionRegistry } from "./language/index.js";
import type { LoadedFlow } from "./engine/compiled-flow.js";
import { simulateConversation } from "./engine/simulate.js";
import type { SimulationRequest, SimulationResult } from "./engine/simulation.types.js";
import { flowNotFound, flowVersionNotFound, type FlowsRepository } from "../repositories/flows.repository.js";

export interface SimulateFlowDeps {
  flows: Pick<FlowsRepository, "find" | "findVersion" | "activeInScope">;
  actions: ActionRegistry;
  timezone: string;
}

export function createSimulateFlow({ flows, actions, timezone }: SimulateFlowDeps) {
  return async function simulateFlow(tenantId: string, flowId: string, version: number, request: SimulationRequest): Promise<SimulationResult> {
    const detail = await flows.find(tenantId, flowId);
    if (!detail) throw flowNotFound();
    const stored = await flows.findVersion(tenantId, flowId, version > 0 ? version : "latest");
    if (!stored) throw flowVersionNotFound(version);
    const parsed = FlowDocument.safeParse(stored.definition);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => ({ path: `/${issue.path.map(String).join("/")}`, code: `schema_${issue.code}`, message: issue.message }));
      throw new AppError("invalid_argument", "FLOW_INVALID", "This version does not fit the flow schema; fix it to simulate it", { details: { problems } });
    }
    const flow: LoadedFlow = { id: detail.flow.id, version: stored.version, document: parsed.data };
    const scope = await flows.activeInScope(tenantId, detail.flow.botId);
    const others = new Map<string, LoadedFlow>();
    for (const [slug, row] of scope) {
      const document = FlowDocument.safeParse(row.definition);
      if (document.success && row.flowId !== flow.id) others.set(slug, { id: row.flowId, version: row.version, document: document.data });
    }
    return simulateConversation(flow, request, { actions, resolveFlow: (slug) => (slug === flow.document.id ? flow : others.get(slug)), tenant: { timezone } });
  };
}
