// The tenant's flows: all of them, those of its default scope, or those of one bot.
import type { FlowRecord, FlowsRepository } from "../repositories/flows.repository.js";

export interface ListFlowsFilter {
  /** Absent: every flow; null: the tenant's default scope; an id: that bot's flows. */
  botId?: string | null;
}

export function createListFlows({ flows }: { flows: Pick<FlowsRepository, "list"> }) {
  return function listFlows(tenantId: string, filter: ListFlowsFilter = {}): Promise<FlowRecord[]> {
    return flows.list(tenantId, filter);
  };
}

export type ListFlows = ReturnType<typeof createListFlows>;
