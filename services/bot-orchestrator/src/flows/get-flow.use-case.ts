// One of the tenant's flows with the summaries of its versions, and one version's document when
// asked for. Another tenant's flow is not found, exactly like a flow that does not exist.
import { flowNotFound, flowVersionNotFound, type FlowDetail, type FlowsRepository, type StoredFlowVersion } from "../repositories/flows.repository.js";

export interface FlowView extends FlowDetail {
  /** The version asked for, with its definition. */
  version: StoredFlowVersion | null;
}

export function createGetFlow({ flows }: { flows: Pick<FlowsRepository, "find" | "findVersion"> }) {
  return async function getFlow(tenantId: string, flowId: string, version?: number): Promise<FlowView> {
    const detail = await flows.find(tenantId, flowId);
    if (!detail) throw flowNotFound();
    if (version === undefined) return { ...detail, version: null };
    const stored = Number.isInteger(version) && version > 0 ? await flows.findVersion(tenantId, flowId, version) : null;
    if (!stored) throw flowVersionNotFound(version);
    return { ...detail, version: stored };
  };
}

export type GetFlow = ReturnType<typeof createGetFlow>;
