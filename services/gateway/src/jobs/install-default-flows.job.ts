// Installs the default flow set for shops that signed up while the orchestrator could not take it,
// every DEFAULT_FLOWS_INTERVAL_MS. Every replica runs it; installing twice is harmless.
import type { Logger } from "@fleet/service-kit";
import type { InstallDefaultFlows } from "../modules/flows/install-default-flows.use-case.js";
import { startPeriodicJob, type PeriodicJob } from "./periodic-job.js";

export function startInstallDefaultFlowsJob({ defaultFlows, intervalMs, logger }: { defaultFlows: Pick<InstallDefaultFlows, "installPending">; intervalMs: number; logger: Pick<Logger, "info" | "warn"> }): PeriodicJob {
  return startPeriodicJob({
    intervalMs,
    logger,
    doneMessage: "default flows installed for waiting shops",
    failedMessage: "default flows not installed for waiting shops; next pass later",
    pass: () => defaultFlows.installPending(),
  });
}
