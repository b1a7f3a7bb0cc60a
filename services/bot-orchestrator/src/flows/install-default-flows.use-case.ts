// Gives a tenant the default flow set (flows/defaults) in its language, in its default scope, each
// activated: all stored first (activation checks `goto {flow}` targets against the scope), then
// activated sub-flows first and the main flow last.
// Idempotent and safe to run twice at once: a flow id the tenant already has in that scope is
// kept as it is (the shop may have edited it), and losing a race to create one counts as kept.
import { AppError } from "@fleet/service-kit";
import { defaultFlowSet } from "./defaults/default-flows.js";
import type { ActivateFlowVersion } from "./activate-flow-version.use-case.js";
import type { CreateFlow } from "./create-flow.use-case.js";
import type { FlowsRepository } from "../repositories/flows.repository.js";

const LANGUAGES = new Set(["es", "en"]);

export interface InstallDefaultFlowsDeps {
  flows: Pick<FlowsRepository, "slugsInScope">;
  createFlow: CreateFlow;
  activateFlowVersion: ActivateFlowVersion;
}

export function createInstallDefaultFlows({ flows, createFlow, activateFlowVersion }: InstallDefaultFlowsDeps) {
  return async function installDefaultFlows(tenantId: string, language: string): Promise<{ installed: string[]; kept: string[] }> {
    if (!LANGUAGES.has(language)) throw new AppError("invalid_argument", "INVALID_LANGUAGE", 'language must be "es" or "en"');
    const set = defaultFlowSet(language === "en" ? "en" : "es");
    const existing = new Set(await flows.slugsInScope(tenantId, null));
    const installed: string[] = [];
    const kept: string[] = [];
    // Every flow is stored first, then activated: activation checks each `goto {flow}` against the scope's flows.
    const created: { id: string; slug: string; version: number }[] = [];
    for (const [document, kind] of [...set.subflows.map((d) => [d, "subflow"] as const), [set.main, "main"] as const]) {
      if (existing.has(document.id)) {
        kept.push(document.id);
        continue;
      }
      try {
        const stored = await createFlow({ tenantId, botId: null, kind, definition: document, userId: null });
        created.push({ id: stored.flow.id, slug: document.id, version: stored.version.version });
      } catch (error) {
        if (!(error instanceof AppError && error.code === "FLOW_SLUG_TAKEN")) throw error;
        kept.push(document.id);
      }
    }
    // The main flow last: a bot starts running it only once what it leads to is active.
    for (const flow of created) {
      await activateFlowVersion({ tenantId, flowId: flow.id, version: flow.version, userId: null });
      installed.push(flow.slug);
    }
    return { installed, kept };
  };
}

export type InstallDefaultFlows = ReturnType<typeof createInstallDefaultFlows>;
