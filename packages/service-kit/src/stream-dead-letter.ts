// Dead-lettering: an entry that can never be processed is copied to
// `<stream>.dead` with its reason, then acknowledged, counted and logged. Two
// commands, not one transaction: the two streams need not share a hash slot on a
// Redis Cluster. A crash between them leaves the entry pending, so it is
// dead-lettered again later — a duplicate in the dead-letter stream, never a loss.
import { Counter, type Registry } from "prom-client";
import type { Logger } from "./logger.js";
import type { RedisClient } from "./redis.js";
import type { StreamEntry } from "./streams.js";

export const DEAD_LETTERED_METRIC = "stream_dead_lettered_total";

/** The dead-letter stream of a stream. */
export function deadLetterStream(stream: string): string {
  return `${stream}.dead`;
}

/**
 * The counter `stream_dead_lettered_total{stream,reason}` of a registry, created on
 * first use: every consumer of a service (one per partition, say) shares it.
 */
export function streamDeadLetteredCounter(registry: Registry): Counter<"stream" | "reason"> {
  const existing = registry.getSingleMetric(DEAD_LETTERED_METRIC);
  if (existing instanceof Counter) return existing;
  if (existing) throw new Error(`metric ${DEAD_LETTERED_METRIC} is already registered with another type`);
  return new Counter({
    name: DEAD_LETTERED_METRIC,
    help: "Stream entries moved to their dead-letter stream (<stream>.dead) and acknowledged, by source stream and reason.",
    labelNames: ["stream", "reason"],
    registers: [registry],
  });
}

export interface DeadLetterOptions {
  redis: RedisClient;
  /** The stream the entry came from, and the group that acknowledges it there. */
  stream: string;
  group: string;
  entry: StreamEntry;
  /** Stored with the entry, for the operator: may carry detail, e.g. "retries_exhausted:reply_not_accepted". */
  reason: string;
  /** The counter's `reason` label; it must come from a short fixed list. Default: `reason` up to its first ":". */
  reasonLabel?: string;
  logger: Logger;
  /** Counted when given (see `streamDeadLetteredCounter`). */
  counter?: Counter<"stream" | "reason">;
  /** Default `<stream>.dead`; several streams (partitions) may share one. */
  deadLetterStream?: string;
  /**
   * Keep about this many entries in the dead-letter stream. Default: no cap, since a
   * bug that fails every entry would otherwise trim away the very entries it failed.
   */
  maxLen?: number;
  /** Extra log fields, e.g. the delivery count. */
  details?: Record<string, unknown>;
}

/**
 * Appends the entry to the dead-letter stream as `source_stream, source_id, reason,
 * <original fields>`, acknowledges it in the group, counts it and logs it (one line
 * per entry, never throttled).
 */
export async function deadLetterEntry(options: DeadLetterOptions): Promise<void> {
  const { redis, stream, group, entry, reason, logger, counter, details = {} } = options;
  const target = options.deadLetterStream ?? deadLetterStream(stream);
  const cap = options.maxLen === undefined ? [] : ["MAXLEN", "~", options.maxLen];
  await redis.xadd(target, ...cap, "*", "source_stream", stream, "source_id", entry.id, "reason", reason, ...entry.fields);
  await redis.xack(stream, group, entry.id);
  const label = options.reasonLabel ?? reason.split(":")[0] ?? reason;
  counter?.inc({ stream, reason: label });
  logger.error("stream entry moved to the dead-letter stream", { stream, group, entryId: entry.id, reason, deadLetterStream: target, ...details });
}
