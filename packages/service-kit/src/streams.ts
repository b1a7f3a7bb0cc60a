// Redis streams as the fleet's queues: appending JSON entries, and a
// consumer-group reader with at-least-once semantics — entries are acked only
// after their handler succeeded, entries left pending by a dead consumer are
// reclaimed, and entries that keep failing go to a dead-letter stream.
import type { Redis } from "ioredis";
import type { Logger } from "./logger.js";

export const STREAM_DATA_FIELD = "data";

/** Appends one JSON document to a stream, trimming it to about `maxLen` entries. Returns the entry id. */
export async function appendToStream(redis: Redis, stream: string, document: unknown, maxLen = 1_000_000): Promise<string> {
  const id = await redis.xadd(stream, "MAXLEN", "~", maxLen, "*", STREAM_DATA_FIELD, JSON.stringify(document));
  if (!id) throw new Error(`XADD to ${stream} returned no id`);
  return id;
}

/**
 * The full key name for commands ioredis does not prefix by itself (XGROUP,
 * XINFO: their key is not in the first argument position it knows about).
 */
export function prefixedKey(redis: Redis, key: string): string {
  return `${redis.options.keyPrefix ?? ""}${key}`;
}

export interface StreamEntry {
  id: string;
  fields: string[];
}

export interface StreamConsumerOptions {
  /** Connection for acks, claims and dead-lettering (never blocked). */
  redis: Redis;
  /** A dedicated connection for the blocking reads, created with `blocking: true`. */
  blockingRedis: Redis;
  stream: string;
  group: string;
  consumer: string;
  logger: Logger;
  /** Handles one entry; resolves true to ack, false to leave it pending for a later retry. */
  handle: (entry: StreamEntry) => Promise<boolean>;
  batchSize?: number;
  blockMs?: number;
  /** Entries pending longer than this on any consumer are taken over. */
  claimIdleMs?: number;
  /** Reading pauses while this many entries are being handled. */
  maxInFlight?: number;
  /** An entry delivered more often than this is moved to `<stream>.dead` and acked. */
  maxDeliveries?: number;
}

type RawEntries = [string, string[]][];
type ReadReply = [string, RawEntries][] | null;
type PendingReply = [string, string, number, number][];

function isNoGroup(error: unknown): boolean {
  return error instanceof Error && error.message.includes("NOGROUP");
}

export class StreamConsumer {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly toAck: string[] = [];
  private ackScheduled = false;
  private lastClaim = 0;
  private lastErrorLog = 0;
  private readonly o: Required<StreamConsumerOptions>;

  constructor(options: StreamConsumerOptions) {
    this.o = { batchSize: 100, blockMs: 2000, claimIdleMs: 30_000, maxInFlight: 500, maxDeliveries: 10, ...options };
  }

  /** Entries currently being handled by this consumer. */
  get busy(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops reading, waits for the entries in hand, acks what succeeded. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all(this.inFlight);
    await this.flushAcks();
  }

  private async ensureGroup(): Promise<void> {
    try {
      // From "0": entries appended before the group existed are handled too.
      await this.o.redis.xgroup("CREATE", prefixedKey(this.o.redis, this.o.stream), this.o.group, "0", "MKSTREAM");
    } catch (error) {
      if (!(error instanceof Error && error.message.includes("BUSYGROUP"))) throw error;
    }
  }

  private async run(): Promise<void> {
    let backoff = 100;
    let groupReady = false;
    while (this.running) {
      try {
        if (!groupReady) {
          await this.ensureGroup();
          groupReady = true;
        }
        if (this.inFlight.size >= this.o.maxInFlight) {
          await Promise.race(this.inFlight);
          continue;
        }
        if (Date.now() - this.lastClaim >= this.o.claimIdleMs / 2) await this.reclaim();
        const reply = (await this.o.blockingRedis.xreadgroup(
          "GROUP", this.o.group, this.o.consumer,
          "COUNT", Math.min(this.o.batchSize, this.o.maxInFlight - this.inFlight.size),
          "BLOCK", this.o.blockMs,
          "STREAMS", this.o.stream, ">",
        )) as ReadReply;
        for (const [, entries] of reply ?? []) for (const [id, fields] of entries) this.dispatch({ id, fields });
        backoff = 100;
      } catch (error) {
        if (isNoGroup(error)) groupReady = false;
        this.logError("stream read failed", error);
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  /** Takes over entries another (dead) consumer left pending; dead-letters those delivered too often. */
  private async reclaim(): Promise<void> {
    this.lastClaim = Date.now();
    const { redis, stream, group, consumer, claimIdleMs, batchSize, maxDeliveries } = this.o;
    const pending = (await redis.xpending(stream, group, "IDLE", claimIdleMs, "-", "+", batchSize)) as PendingReply;
    if (pending.length === 0) return;
    const poisoned = pending.filter(([, , , deliveries]) => deliveries >= maxDeliveries).map(([id]) => id);
    const retry = pending.filter(([, , , deliveries]) => deliveries < maxDeliveries).map(([id]) => id);
    if (poisoned.length > 0) {
      const claimed = (await redis.xclaim(stream, group, consumer, claimIdleMs, ...poisoned)) as RawEntries;
      for (const [id, fields] of claimed) {
        await redis.xadd(`${stream}.dead`, "MAXLEN", "~", 100_000, "*", "source_id", id, ...fields);
        this.logError("entry moved to dead-letter stream after repeated failures", new Error(id));
      }
      if (claimed.length > 0) await redis.xack(stream, group, ...claimed.map(([id]) => id));
    }
    if (retry.length > 0) {
      const claimed = (await redis.xclaim(stream, group, consumer, claimIdleMs, ...retry)) as RawEntries;
      if (claimed.length > 0) this.o.logger.info("reclaimed pending stream entries", { stream, count: claimed.length });
      for (const [id, fields] of claimed) if (fields) this.dispatch({ id, fields });
    }
  }

  private dispatch(entry: StreamEntry): void {
    const task = this.o
      .handle(entry)
      .then((ack) => {
        if (ack) this.scheduleAck(entry.id);
      })
      .catch((error: unknown) => this.logError("stream entry handler failed; entry left pending", error))
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  private scheduleAck(id: string): void {
    this.toAck.push(id);
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    setImmediate(() => {
      this.ackScheduled = false;
      void this.flushAcks();
    });
  }

  private async flushAcks(): Promise<void> {
    const ids = this.toAck.splice(0, this.toAck.length);
    if (ids.length === 0) return;
    try {
      await this.o.redis.xack(this.o.stream, this.o.group, ...ids);
    } catch (error) {
      // Not acked means redelivered later: handlers are idempotent, so this costs work, not correctness.
      this.logError("stream ack failed", error);
    }
  }

  private logError(message: string, error: unknown): void {
    const now = Date.now();
    if (now - this.lastErrorLog < 2000) return;
    this.lastErrorLog = now;
    this.o.logger.warn(message, { stream: this.o.stream, error: error instanceof Error ? error.message : String(error) });
  }
}
