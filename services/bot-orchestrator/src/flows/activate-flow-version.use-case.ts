// Makes a version the one that runs. The version is validated under the activation's locks (so a
// draft saved meanwhile cannot slip in unchecked) and refused with FLOW_INVALID and every problem
// when it is not ready; a main flow then takes the place of its scope's active main flow in the
// same transaction, so a bot never has two flows running, nor none in between. The tenant's secret
// names are read just before: a secret deleted in between is not caught here, and the step then
// fails at run time as for any missing secret (its onError path).
import type { ActionRegistry } from "./language/index.js";
import { flowVersionNotFound, type Activation, type FlowsRepository } from "../repositories/flows.repository.js";
import type { TenantHttpSettingsRepository } from "../repositories/tenant-http-settings.repository.js";
import { checkFlow, flowInvalid } from "./validate-flow.use-case.js";

export interface ActivateFlowVersionInput {
  tenantId: string;
  flowId: string;
  version: number;
  userId: string | null;
}

export interface ActivateFlowVersionDeps {
  flows: Pick<FlowsRepository, "activate">;
  actions: ActionRegistry;
  /** The tenant's secret names. */
  httpSettings: Pick<TenantHttpSettingsRepository, "get">;
}

export function createActivateFlowVersion({ flows, actions, httpSettings }: ActivateFlowVersionDeps) {
  return async function activateFlowVersion(input: ActivateFlowVersionInput): Promise<Activation> {
    if (!Number.isInteger(input.version) || input.version < 1) throw flowVersionNotFound(input.version);
    const { secretNames } = await httpSettings.get(input.tenantId);
    return flows.activate(input, ({ flow, version, otherSlugs }) => {
      const problems = checkFlow(version.definition, { actions, slug: flow.slug, otherSlugs, secrets: secretNames });
      if (problems.length > 0) throw flowInvalid(problems);
    });
  };
}

export type ActivateFlowVersion = ReturnType<typeof createActivateFlowVersion>;
