// Deletes expired refresh tokens every REFRESH_PURGE_INTERVAL_MS, in batches,
// so the table holds live sessions (and the used tokens reuse detection needs
// until they expire), not every token ever issued. Every replica runs it;
// deleting rows already deleted is harmless.
import type { Logger } from "@fleet/service-kit";
import type { RefreshTokensRepository } from "../modules/accounts/refresh-tokens.repository.js";

const BATCH = 1000;

export interface PurgeRefreshTokensJob {
  /** One pass: deletes every token expired before now; the number deleted. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

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
  let running: Promise<number> | null = null;

  async function pass(): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await refreshTokens.purgeExpired(now(), BATCH);
      total += deleted;
      if (deleted < BATCH) return total;
    }
  }

  function runOnce(): Promise<number> {
    running ??= pass().finally(() => {
      running = null;
    });
    return running;
  }

  const timer = setInterval(() => {
    runOnce()
      .then((deleted) => {
        if (deleted > 0) logger.info("expired refresh tokens deleted", { deleted });
      })
      .catch((error: unknown) => logger.warn("expired refresh tokens not deleted; next pass later", { error: error instanceof Error ? error.message : String(error) }));
  }, intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
