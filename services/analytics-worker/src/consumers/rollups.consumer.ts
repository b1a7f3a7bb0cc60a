// Entry point of the live rollups: reads the `events` stream in its own consumer group, independent
// of MongoDB (it runs with or without MONGO_URL, and keeps going while MongoDB is down), and hands
// each valid event to the fold use case. An entry is acked once folded (or found already folded);
// a Redis failure leaves it pending, to be taken over and folded again, which the seen-mark makes
// harmless. Entries that are not valid events are skipped, counted and acked.
//
// The group starts at "0" when first created: the rollups then fold whatever history the stream still
// holds (everything not yet trimmed; all of it while storage is disabled), so the first deployment
// with rollups shows the KPIs of that history instead of zeros. Replaying it is safe: the seen-marks
// count each event once, and buckets past their retention are skipped.
//
// Like every group, this one holds back trimming of `events` (trimAcknowledged): while the rollups
// lag, the stream keeps what they have not folded.
import { AnalyticsEventSchema, STREAMS, decodeStreamEntry, type AnalyticsEvent } from "@fleet/contracts";
import { StreamConsumer, type Logger, type RedisClient, type StreamEntry } from "@fleet/service-kit";
import type { Registry } from "prom-client";
import type { AnalyticsMetrics } from "../metrics.js";
import type { FoldOutcome } from "../rollups/fold-into-rollups.use-case.js";

export const ROLLUPS_GROUP = "analytics-rollups";

// Deliveries after which an entry goes to `events.dead`: only Redis failures make a fold fail, and
// while Redis is down nothing is read either, so reaching this takes a fault on that one entry.
const MAX_DELIVERIES = 20;

export interface RollupsConsumerDeps {
  /** Connection for the scripts, acks and claims. */
  redis: RedisClient;
  /** A dedicated connection (created with `blocking: true`): the blocking read holds it. */
  blockingRedis: RedisClient;
  fold: (event: AnalyticsEvent) => Promise<FoldOutcome>;
  logger: Logger;
  metrics: Pick<AnalyticsMetrics, "rollupEvents">;
  /** Unique per replica, e.g. hostname and pid. */
  consumerName: string;
  /** Entries read per call. */
  batchSize: number;
  /** How long one read blocks; bounds how long a stop waits for the reader. */
  blockMs: number;
  /** After a read that did not fill a batch, how long until the next (events gather into larger batches). */
  lingerMs?: number;
  /** An entry left pending this long (a dead replica, a failed fold) is folded again by any replica. */
  claimIdleMs: number;
  /** Where entries moved to `events.dead` are counted (`stream_dead_lettered_total`). */
  registry?: Registry;
}

export class RollupsConsumer {
  private readonly stream: StreamConsumer;
  private running = false;

  constructor(private readonly deps: RollupsConsumerDeps) {
    this.stream = new StreamConsumer({
      redis: deps.redis,
      blockingRedis: deps.blockingRedis,
      stream: STREAMS.events,
      // The group is created by the reader (from "0", see above), retrying while Redis is away.
      group: ROLLUPS_GROUP,
      consumer: deps.consumerName,
      logger: deps.logger,
      handle: (entry) => this.handle(entry),
      batchSize: deps.batchSize,
      blockMs: deps.blockMs,
      lingerMs: deps.lingerMs,
      claimIdleMs: deps.claimIdleMs,
      maxDeliveries: MAX_DELIVERIES,
      registry: deps.registry,
      // Two batches in hand: the next read goes out while the scripts of the last one run.
      maxInFlight: deps.batchSize * 2,
    });
  }

  status(): { state: "running" | "stopped"; inFlight: number } {
    return { state: this.running ? "running" : "stopped", inFlight: this.stream.busy };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stream.start();
    this.deps.logger.info("rollups consumer running", { stream: STREAMS.events, group: ROLLUPS_GROUP });
  }

  /** Stops reading, finishes the folds in hand and acks them. */
  async stop(): Promise<void> {
    this.running = false;
    await this.stream.stop();
  }

  private async handle(entry: StreamEntry): Promise<boolean> {
    const decoded = decodeStreamEntry(AnalyticsEventSchema, entry.fields);
    if (!decoded.success) {
      // It can never become valid: acknowledged, so it does not come back forever. Ids only, no contents.
      this.deps.metrics.rollupEvents.inc({ outcome: "malformed" });
      this.deps.logger.warn("malformed events entry skipped by the rollups", { stream: STREAMS.events, entryId: entry.id });
      return true;
    }
    // A failure throws: the entry stays pending and is folded again after claimIdleMs.
    const outcome = await this.deps.fold(decoded.data);
    this.deps.metrics.rollupEvents.inc({ outcome });
    return true;
  }
}
