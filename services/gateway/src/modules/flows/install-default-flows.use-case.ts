// A new shop gets the default flow set in its language (the orchestrator keeps the flows; see its
// InstallDefaultFlows): at sign-up, and from a periodic pass for shops whose install did not happen
// then (the orchestrator away). Installing twice is harmless: the orchestrator keeps what exists.
import type { Logger } from "@fleet/service-kit";
import { authorize, type Actor } from "../../auth/permissions.js";
import type { OrchestratorClient } from "../../clients/orchestrator.client.js";
import type { DefaultFlowsRepository } from "./default-flows.repository.js";

/** Shops installed per pass of the job. */
const BATCH = 20;

export function createInstallDefaultFlows({ orchestrator, shops, logger }: { orchestrator: Pick<OrchestratorClient, "installDefaultFlows">; shops: DefaultFlowsRepository; logger: Pick<Logger, "info" | "warn"> }) {
  async function install(tenantId: string, language: "es" | "en"): Promise<void> {
    const { installed } = await orchestrator.installDefaultFlows({ tenantId, language });
    await shops.markInstalled(tenantId);
    if (installed.length > 0) logger.info("default flows installed", { tenantId, language, flows: installed.join(",") });
  }

  return {
    /** At sign-up: never fails the sign-up; a failure is left to the periodic pass. */
    async afterSignUp(tenantId: string, language: "es" | "en"): Promise<void> {
      try {
        await install(tenantId, language);
      } catch (error) {
        logger.warn("default flows not installed at sign-up; the install job retries", { tenantId, error: error instanceof Error ? error.message : String(error) });
      }
    },
    /** A manager installs (or restores) the default flows, in the shop's language unless told. */
    async installForShop(actor: Actor, language?: "es" | "en"): Promise<{ installed: string[]; kept: string[] }> {
      authorize(actor, "flows:write");
      const result = await orchestrator.installDefaultFlows({ tenantId: actor.tenantId, language: language ?? (await shops.languageOf(actor.tenantId)) });
      await shops.markInstalled(actor.tenantId);
      return result;
    },
    /** One pass over the shops still waiting; how many got their flows. A failure stops the pass (the orchestrator is likely away). */
    async installPending(): Promise<number> {
      let count = 0;
      for (const shop of await shops.pending(BATCH)) {
        await install(shop.tenantId, shop.language);
        count += 1;
      }
      return count;
    },
  };
}

export type InstallDefaultFlows = ReturnType<typeof createInstallDefaultFlows>;
