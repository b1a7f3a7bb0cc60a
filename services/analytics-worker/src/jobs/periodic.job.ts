// Runs a task now and then every interval, never two runs at once; a failed
// run is logged and the next one comes at its time.
import type { Logger } from "@fleet/service-kit";

export interface PeriodicJob {
  /** Cancels the next run and waits for the current one. */
  stop(): Promise<void>;
}

export interface PeriodicJobOptions {
  name: string;
  intervalMs: number;
  run: () => Promise<unknown>;
  logger: Logger;
  /** Level of the line each finished run writes: "debug" for frequent housekeeping. Failures are always warnings. */
  finishedLevel?: "info" | "debug";
}

export function startPeriodicJob({ name, intervalMs, run, logger, finishedLevel = "info" }: PeriodicJobOptions): PeriodicJob {
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const tick = () => {
    const started = Date.now();
    current = run()
      .then((result) => {
        logger[finishedLevel]("job finished", { job: name, ms: Date.now() - started, result });
      })
      .catch((error: unknown) => {
        logger.warn("job failed; next run at the next interval", { job: name, error: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, 0);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
