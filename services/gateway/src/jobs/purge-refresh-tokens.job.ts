// Deletes expired refresh tokens every REFRESH_PURGE_INTERVAL_MS, in batches,
// so the table holds live sessions (and the used tokens reuse detection needs
// until they expire), not every token ever issued. Every replica runs it;
// deleting rows already deleted is harmless.
import type { Logger } from "@fleet/service-kit";
import type { RefreshTokensRepository } from "../modules/accounts/refresh-tokens.repository.js";
import { startPeriodicJob, type PeriodicJob } from "./periodic-job.js";

const BATCH = 1000;

/** runOnce: one pass deleting every token expired before now; the number deleted. */
export type PurgeRefreshTokensJob = PeriodicJob;

export function startPurgeRefreshTokensJob({
  refreshTokens,
  intervalMs,
  logger,
  now = () => new Date(),
}: {
  refreshTokens: Pick<RefreshTokensRepository, "purgeExpired">;
  intervalMs: number;
  logger: Pick<Logger, "info" | "warn">;
  now?: () => Date;
}): PurgeRefreshTokensJob {
  return startPeriodicJob({
    intervalMs,
    logger,
    doneMessage: "expired refresh tokens deleted",
    failedMessage: "expired refresh tokens not deleted; next pass later",
    async pass() {
      let total = 0;
      for (;;) {
        const deleted = await refreshTokens.purgeExpired(now(), BATCH);
        total += deleted;
        if (deleted < BATCH) return total;
      }
    },
  });
}
