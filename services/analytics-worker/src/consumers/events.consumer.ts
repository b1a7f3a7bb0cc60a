// Entry point of the `events` stream: decodes each entry and hands valid events
// to the record-events use case. Intake waits while MongoDB is unreachable, so
// an outage leaves events unread in the stream instead of burning their retries.
import { AnalyticsEventSchema, STREAMS, decodeStreamEntry } from "@fleet/contracts";
import { StreamConsumer, type Logger, type StreamEntry, type RedisClient } from "@fleet/service-kit";
import type { Registry } from "prom-client";
import type { AnalyticsMetrics } from "../metrics.js";
import type { EventsRepository } from "../repositories/events.repository.js";
import type { RecordEvents } from "../use-cases/record-events.use-case.js";

export const EVENTS_GROUP = "analytics-worker";

export type EventsConsumerState = "stopped" | "waiting-for-storage" | "running";

export interface EventsConsumerDeps {
  /** Connection for acks and claims. */
  redis: RedisClient;
  /** A dedicated connection (created with `blocking: true`): the blocking read holds it. */
  blockingRedis: RedisClient;
  recordEvents: RecordEvents;
  /** Prepared (indexes) before intake starts, and probed the same way while MongoDB is unreachable. */
  storage: Pick<EventsRepository, "prepare">;
  logger: Logger;
  metrics: Pick<AnalyticsMetrics, "eventsRejected">;
  /** Unique per replica, e.g. hostname and pid. */
  consumerName: string;
  /** Entries read per call; also a full batch of the use case. */
  batchSize: number;
  claimIdleMs: number;
  maxDeliveries: number;
  /** Pause between two probes of MongoDB while it is unreachable. */
  storageRetryMs: number;
  /** How long one read blocks; bounds how long a stop waits for the reader. */
  blockMs?: number;
  /** Where entries moved to `events.dead` are counted (`stream_dead_lettered_total`). */
  registry?: Registry;
}

export interface EventsConsumerStatus {
  state: EventsConsumerState;
  /** Entries read and not yet answered (buffered or being written). */
  inFlight: number;
  buffered: number;
  writing: number;
}

export class EventsConsumer {
  private readonly stream: StreamConsumer;
  private state: EventsConsumerState = "stopped";
  private stopping = false;
  private task: Promise<void> = Promise.resolve();
  private cancelWait: () => void = () => {};

  constructor(private readonly deps: EventsConsumerDeps) {
    this.stream = new StreamConsumer({
      redis: deps.redis,
      blockingRedis: deps.blockingRedis,
      stream: STREAMS.events,
      group: EVENTS_GROUP,
      consumer: deps.consumerName,
      logger: deps.logger,
      handle: (entry) => this.handle(entry),
      batchSize: deps.batchSize,
      blockMs: deps.blockMs ?? 1000,
      claimIdleMs: deps.claimIdleMs,
      maxDeliveries: deps.maxDeliveries,
      registry: deps.registry,
      // Two batches in hand: one fills while the previous one is written.
      maxInFlight: deps.batchSize * 2,
    });
  }

  status(): EventsConsumerStatus {
    return { state: this.state, inFlight: this.stream.busy, buffered: this.deps.recordEvents.buffered, writing: this.deps.recordEvents.writing };
  }

  /** Starts reading once MongoDB is ready; returns at once. */
  start(): void {
    if (this.state !== "stopped" || this.stopping) return;
    this.state = "waiting-for-storage";
    this.task = this.waitForStorageThenRead();
  }

  /** Stops intake, writes what is in hand and acks it. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cancelWait();
    await Promise.all([this.stream.stop(), this.deps.recordEvents.flush()]);
    await this.task;
    this.state = "stopped";
  }

  private async handle(entry: StreamEntry): Promise<boolean> {
    const decoded = decodeStreamEntry(AnalyticsEventSchema, entry.fields);
    if (!decoded.success) {
      // It can never become valid: acknowledged, so it does not come back forever.
      this.deps.metrics.eventsRejected.inc();
      this.deps.logger.warn("malformed event acknowledged without storing it", {
        entryId: entry.id,
        problems: decoded.error.issues.slice(0, 5).map((issue) => `${issue.path.join(".") || "(entry)"}: ${issue.message}`),
      });
      return true;
    }
    const outcome = await this.deps.recordEvents.record(decoded.data);
    if (outcome === "storage-unavailable") this.pauseUntilStorageReturns();
    return outcome === "stored";
  }

  private pauseUntilStorageReturns(): void {
    if (this.state !== "running" || this.stopping) return;
    this.state = "waiting-for-storage";
    this.deps.logger.warn("MongoDB unreachable: intake paused, events stay in the stream");
    // Not awaited by the handler: stopping the reader waits for the handlers.
    this.task = this.stream.stop().then(() => this.waitForStorageThenRead());
  }

  private async waitForStorageThenRead(): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.deps.storage.prepare();
        break;
      } catch (error) {
        // The first failure, then one in many: a long outage must not flood the logs.
        if (attempt === 1 || attempt % Math.max(1, Math.round(60_000 / this.deps.storageRetryMs)) === 0) {
          this.deps.logger.warn("MongoDB not ready; events wait in the stream", { attempt, error: error instanceof Error ? error.message : String(error) });
        }
        if (!this.stopping) await this.wait(this.deps.storageRetryMs);
      }
    }
    if (this.stopping) return;
    this.state = "running";
    this.stream.start();
    this.deps.logger.info("events consumer running", { stream: STREAMS.events, group: EVENTS_GROUP });
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.cancelWait = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
