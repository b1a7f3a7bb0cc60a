// A job that runs a pass every `intervalMs` on every replica: one pass at a time (a pass still
// running when the next tick comes is joined, not doubled), failures logged and retried at the
// next tick, and `stop` waits for the pass in hand. The pass itself must be safe to run on several
// replicas at once (batches that skip or tolerate what another replica did).
import type { Logger } from "@fleet/service-kit";

export interface PeriodicJob {
  /** One pass now (or the one already running); what it did, as a count. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

export interface PeriodicJobOptions {
  intervalMs: number;
  logger: Pick<Logger, "info" | "warn">;
  pass(): Promise<number>;
  /** Logged with the count when a pass did something. */
  doneMessage: string;
  /** Logged when a pass failed. */
  failedMessage: string;
}

export function startPeriodicJob({ intervalMs, logger, pass, doneMessage, failedMessage }: PeriodicJobOptions): PeriodicJob {
  let running: Promise<number> | null = null;

  function runOnce(): Promise<number> {
    running ??= pass().finally(() => {
      running = null;
    });
    return running;
  }

  const timer = setInterval(() => {
    runOnce()
      .then((count) => {
        if (count > 0) logger.info(doneMessage, { count });
      })
      .catch((error: unknown) => logger.warn(failedMessage, { error: error instanceof Error ? error.message : String(error) }));
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
