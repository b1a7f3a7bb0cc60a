// Makes a version the one that runs. The version is validated under the activation's locks (so a
// draft saved meanwhile cannot slip in unchecked) and refused with FLOW_INVALID and every problem
// when it is not ready; a main flow then takes the place of its scope's active main flow in the
// same transaction, so a bot never has two flows running, nor none in between.
import type { ActionRegistry } from "./language/index.js";
import { flowVersionNotFound, type Activation, type FlowsRepository } from "../repositories/flows.repository.js";
import { checkFlow, flowInvalid } from "./validate-flow.use-case.js";

export interface ActivateFlowVersionInput {
  tenantId: string;
  flowId: string;
  version: number;
  userId: string | null;
}

export function createActivateFlowVersion({ flows, actions }: { flows: Pick<FlowsRepository, "activate">; actions: ActionRegistry }) {
  return async function activateFlowVersion(input: ActivateFlowVersionInput): Promise<Activation> {
    if (!Number.isInteger(input.version) || input.version < 1) throw flowVersionNotFound(input.version);
    return flows.activate(input, ({ flow, version, otherSlugs }) => {
      const problems = checkFlow(version.definition, { actions, slug: flow.slug, otherSlugs });
      if (problems.length > 0) throw flowInvalid(problems);
    });
  };
}

export type ActivateFlowVersion = ReturnType<typeof createActivateFlowVersion>;
