// Stream backlog as Prometheus gauges, read from Redis at scrape time:
// stream_length_entries{stream}, stream_lag_entries{stream,group} and
// stream_pending_entries{stream,group}. Every replica reading a stream reports the
// same numbers; alert rules take max by (stream, group). A scrape always answers:
// what Redis cannot tell in time is simply absent from it.
import { Gauge, type Registry } from "prom-client";
import type { Logger } from "./logger.js";
import type { RedisClient } from "./redis.js";
import { streamGroupStats, type StreamStats } from "./stream-stats.js";

/** A stream to report; with a group, also that group's lag and pending entries. */
export interface StreamMetricsTarget {
  stream: string;
  group?: string;
}

export interface StreamMetricsOptions {
  registry: Registry;
  redis: RedisClient;
  /** Called at every scrape, so the list may change (e.g. partitions moving between replicas). */
  targets: () => readonly StreamMetricsTarget[] | Promise<readonly StreamMetricsTarget[]>;
  /** The longest a scrape waits for Redis before answering without stream values. */
  timeoutMs?: number;
  /** Told (at debug level) why values are missing. */
  logger?: Logger;
}

interface Snapshot {
  targets: readonly StreamMetricsTarget[];
  /** null: the stream does not exist. Missing: Redis did not answer for it. */
  stats: Map<string, StreamStats | null>;
}

const EMPTY: Snapshot = { targets: [], stats: new Map() };

// The three gauges are collected concurrently within one scrape: one Redis read serves them all.
const SNAPSHOT_REUSE_MS = 1000;

function timeout(ms: number): Promise<"timeout"> {
  return new Promise((resolve) => setTimeout(() => resolve("timeout"), ms).unref());
}

/**
 * Registers the three stream gauges on `registry` (once per registry). A stream that
 * does not exist reports length 0 and no group series; a group that does not exist
 * reports nothing; while Redis is down or slow the gauges have no series at all.
 */
export function registerStreamMetrics({ registry, redis, targets, timeoutMs = 1000, logger }: StreamMetricsOptions): void {
  let last: { at: number; snapshot: Promise<Snapshot> } | null = null;

  async function read(): Promise<Snapshot> {
    // A command queued while disconnected would wait for the reconnection, past the scrape's deadline.
    if (redis.status !== "ready") {
      logger?.debug("stream metrics skipped: redis not ready", { status: redis.status });
      return EMPTY;
    }
    const found: { targets: readonly StreamMetricsTarget[]; stats: Map<string, StreamStats | null> } = { targets: [], stats: new Map() };
    const work = (async () => {
      try {
        found.targets = await targets();
      } catch (error) {
        logger?.debug("stream metrics: no targets", { error: error instanceof Error ? error.message : String(error) });
        return "done" as const;
      }
      const streams = [...new Set(found.targets.map((target) => target.stream))];
      await Promise.all(
        streams.map(async (stream) => {
          try {
            found.stats.set(stream, await streamGroupStats(redis, stream));
          } catch (error) {
            logger?.debug("stream metrics: stream not read", { stream, error: error instanceof Error ? error.message : String(error) });
          }
        }),
      );
      return "done" as const;
    })();
    if ((await Promise.race([work, timeout(timeoutMs)])) === "timeout") {
      logger?.debug("stream metrics: redis too slow, partial values", { timeoutMs });
    }
    // A copy: reads that finish after the deadline must not change what this scrape reported.
    return { targets: found.targets, stats: new Map(found.stats) };
  }

  function snapshot(): Promise<Snapshot> {
    const now = Date.now();
    if (!last || now - last.at > SNAPSHOT_REUSE_MS) {
      last = { at: now, snapshot: read() };
    }
    return last.snapshot;
  }

  function groupOf(stats: StreamStats | null | undefined, group: string | undefined) {
    return group ? stats?.groups.find((candidate) => candidate.name === group) : undefined;
  }

  const length = new Gauge({
    name: "stream_length_entries",
    help: "Entries in a Redis stream (XLEN); 0 when the stream does not exist.",
    labelNames: ["stream"],
    registers: [registry],
    async collect() {
      const { targets: list, stats } = await snapshot();
      length.reset();
      for (const { stream } of list) {
        if (!stats.has(stream)) continue;
        length.set({ stream }, stats.get(stream)?.length ?? 0);
      }
    },
  });
  const lag = new Gauge({
    name: "stream_lag_entries",
    help: "Entries of a stream not yet delivered to a consumer group (XINFO GROUPS lag; the stream length when Redis cannot tell and they are too many to count).",
    labelNames: ["stream", "group"],
    registers: [registry],
    async collect() {
      const { targets: list, stats } = await snapshot();
      lag.reset();
      for (const { stream, group } of list) {
        const found = groupOf(stats.get(stream), group);
        if (found && group) lag.set({ stream, group }, found.lag);
      }
    },
  });
  const pending = new Gauge({
    name: "stream_pending_entries",
    help: "Entries of a stream delivered to a consumer group and not acknowledged yet.",
    labelNames: ["stream", "group"],
    registers: [registry],
    async collect() {
      const { targets: list, stats } = await snapshot();
      pending.reset();
      for (const { stream, group } of list) {
        const found = groupOf(stats.get(stream), group);
        if (found && group) pending.set({ stream, group }, found.pending);
      }
    },
  });
}
