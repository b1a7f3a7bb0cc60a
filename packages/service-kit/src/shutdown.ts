// Graceful stop on SIGTERM/SIGINT: run the steps in order (stop intake, finish
// in-flight work, close pools), each bounded by a deadline, then exit.
import type { Logger } from "./logger.js";

export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown>;
}

export interface ShutdownOptions {
  logger: Logger;
  steps: ShutdownStep[];
  timeoutMs?: number;
  signals?: NodeJS.Signals[];
  exit?: (code: number) => void;
}

/** Runs the steps once, in order; resolves true when every step finished in time. */
export async function runShutdown({ logger, steps, timeoutMs = 10_000 }: Omit<ShutdownOptions, "signals" | "exit">): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let clean = true;
  for (const step of steps) {
    const left = Math.max(deadline - Date.now(), 1);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        step.run(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${left} ms`)), left);
        }),
      ]);
    } catch (error) {
      clean = false;
      logger.error("shutdown step failed", { step: step.name, error });
    } finally {
      clearTimeout(timer);
    }
  }
  return clean;
}

export function onShutdown({ logger, steps, timeoutMs, signals = ["SIGTERM", "SIGINT"], exit = (code) => process.exit(code) }: ShutdownOptions): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    void runShutdown({ logger, steps, timeoutMs }).then((clean) => {
      logger.info("stopped", { clean });
      exit(clean ? 0 : 1);
    });
  };
  for (const signal of signals) process.once(signal, handler);
}
