// Gives memory back to the system while a service is idle.
//
// V8 grows the young generation (where new objects are born) up to 16 MiB while a service starts
// or works hard, and gives it back only at a full collection that finds the allocation rate low.
// Node runs no collection while idle, and a start runs none of the full kind, so an idle service
// keeps its start's young generation for good (about 15 MiB of each service's ~90-100 MiB).
// Capping it (--max-semi-space-size) would slow every start (more collections while modules load:
// +40-100 ms measured) and take a flag on every way the services are launched. Instead, while the
// event loop is idle and the young generation is grown, this runs a full collection (25-55 ms).
// The first ones after a busy spell (or the start) may find the rate still high and give nothing
// back; each such one doubles the wait before the next, so light but steady work costs at most one
// collection every few minutes. V8 grows the space again as soon as work comes back.
import { performance, type EventLoopUtilization } from "node:perf_hooks";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import type { Logger } from "./logger.js";

/**
 * At most this share of the interval spent working counts as idle: an idle orchestrator spends
 * 1.5-3.5 % polling its partitions and timers.
 */
const IDLE_UTILIZATION = 0.05;
/** V8's young generation is 1 MiB at its smallest; an idle service may grow it to a few. */
const GROWN_YOUNG_BYTES = 4 * 1024 * 1024;

export interface IdleMemoryOptions {
  /** How often the event loop's idleness is checked; 0: never collect. */
  intervalMs: number;
  logger: Logger;
}

/** After a collection that left the young generation as it was, the next waits twice as long, up to this many intervals. */
const MAX_BACKOFF = 64;

/** Starts checking; `stop()` ends it (the timer never keeps the process alive either). */
export function releaseMemoryWhenIdle({ intervalMs, logger }: IdleMemoryOptions): { stop(): void } {
  if (intervalMs <= 0) return { stop: () => undefined };
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  // Intervals to let pass before the next collection: 1, or more after collections that gave
  // nothing back (e.g. under light but steady work, which keeps V8's allocation rate up).
  let backoff = 1;
  let skip = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const idle = performance.eventLoopUtilization(now, last).utilization <= IDLE_UTILIZATION;
    last = now;
    if (skip > 0) {
      skip -= 1;
      return;
    }
    const young = youngGenerationBytes();
    if (young <= GROWN_YOUNG_BYTES) backoff = 1;
    if (!idle || young <= GROWN_YOUNG_BYTES) return;
    const started = performance.now();
    const rss = process.memoryUsage.rss();
    fullCollection();
    const kept = youngGenerationBytes();
    backoff = kept < young ? 1 : Math.min(backoff * 2, MAX_BACKOFF);
    skip = backoff - 1;
    logger.debug("idle: full collection", {
      ms: Math.round(performance.now() - started),
      youngMiB: [mib(young), mib(kept)],
      rssMiB: [mib(rss), mib(process.memoryUsage.rss())],
    });
    // The collection's own time must not make the next interval look busy.
    last = performance.eventLoopUtilization();
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function youngGenerationBytes(): number {
  return v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.physical_space_size ?? 0;
}

const mib = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

let collect: (() => void) | null = null;

/**
 * V8's full collection, as `--expose-gc` gives it: the flag is turned on just long enough for a
 * fresh context to get the `gc` function (as Jest's leak detector does), so no global `gc` appears.
 */
function fullCollection(): void {
  if (!collect) {
    v8.setFlagsFromString("--expose-gc");
    collect = runInNewContext("gc") as () => void;
    v8.setFlagsFromString("--no-expose-gc");
  }
  collect();
}
