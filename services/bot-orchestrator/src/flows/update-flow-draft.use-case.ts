// Saves an editor's document: it replaces the latest version while that is still a draft,
// otherwise it starts the next version. A stale expected version or revision is a conflict, so
// two editors never overwrite each other silently. The document keeps the flow's id.
import type { FlowRecord, FlowsRepository, StoredFlowVersion } from "../repositories/flows.repository.js";
import { flowNotFound } from "../repositories/flows.repository.js";
import { flowHeader } from "./create-flow.use-case.js";
import { flowInvalid } from "./validate-flow.use-case.js";

export interface UpdateFlowDraftInput {
  tenantId: string;
  flowId: string;
  definition: unknown;
  userId: string | null;
  /** The latest version number the editor saw (not checked when absent). */
  expectedVersion?: number;
  /** The flow revision the editor saw (not checked when absent). */
  expectedRevision?: number;
}

export function createUpdateFlowDraft({ flows }: { flows: Pick<FlowsRepository, "find" | "saveDraft"> }) {
  return async function updateFlowDraft(input: UpdateFlowDraftInput): Promise<{ flow: FlowRecord; version: StoredFlowVersion; created: boolean }> {
    const detail = await flows.find(input.tenantId, input.flowId);
    if (!detail) throw flowNotFound();
    const { slug, name } = flowHeader(input.definition);
    // The slug never changes, so reading it before the save's lock is safe.
    if (slug !== detail.flow.slug) {
      throw flowInvalid([{ path: "/id", code: "flow_id_changed", message: `this flow's id is "${detail.flow.slug}" and cannot change (create another flow for "${slug}")` }]);
    }
    return flows.saveDraft({
      tenantId: input.tenantId,
      flowId: input.flowId,
      name,
      definition: input.definition,
      userId: input.userId,
      expectedVersion: input.expectedVersion,
      expectedRevision: input.expectedRevision,
    });
  };
}

export type UpdateFlowDraft = ReturnType<typeof createUpdateFlowDraft>;
