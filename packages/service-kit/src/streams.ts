// Redis streams as the fleet's queues: appending JSON entries, and a
// consumer-group reader with at-least-once semantics — entries are acked only
// after their handler succeeded, entries left pending by a dead consumer or a
// failed handler are taken over, and entries that keep failing go to a
// dead-letter stream.
import type { Counter, Registry } from "prom-client";
import type { Logger } from "./logger.js";
import type { RedisClient } from "./redis.js";
import { coalescedFlush } from "./coalesced-flush.js";
import { claimIdleEntries, refreshPending, type GroupConsumer } from "./stream-claims.js";
import { deadLetterEntry, streamDeadLetteredCounter } from "./stream-dead-letter.js";
import { parseReadReply } from "./stream-replies.js";

export const STREAM_DATA_FIELD = "data";

/**
 * Appends one JSON document to a stream. Returns the entry id. Nothing is trimmed here: a
 * stream is trimmed only below what its consumer groups acknowledged (`trimAcknowledged`).
 */
export async function appendToStream(redis: RedisClient, stream: string, document: unknown): Promise<string> {
  const id = await redis.xadd(stream, "*", STREAM_DATA_FIELD, JSON.stringify(document));
  if (!id) throw new Error(`XADD to ${stream} returned no id`);
  return id;
}

/**
 * The full key name for commands ioredis does not prefix by itself (XGROUP,
 * XINFO: it does not know where their key is). It does not route them either: on a
 * Redis Cluster such a command goes to a random node and comes back redirected
 * (MOVED, and ioredis reloads its slot map), so prefer the script-based helpers
 * (`ensureStreamGroup`, `streamGroupStats`), whose key ioredis prefixes and routes.
 */
export function prefixedKey(redis: RedisClient, key: string): string {
  return `${redis.options.keyPrefix ?? ""}${key}`;
}

// Creates the group when missing; KEYS makes ioredis prefix the key and route the
// command to the stream's node on a Redis Cluster (it does neither for XGROUP).
const ENSURE_GROUP_SCRIPT = `
local reply = redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], ARGV[2], 'MKSTREAM')
if type(reply) == 'table' and reply.err then
  if string.find(reply.err, 'BUSYGROUP', 1, true) then return 0 end
  return redis.error_reply(reply.err)
end
return 1
`;

/**
 * Creates the consumer group (and the stream) unless it exists. `startId` "0": entries
 * appended before the group existed are delivered too. Returns true when it was created.
 */
export async function ensureStreamGroup(redis: RedisClient, stream: string, group: string, startId = "0"): Promise<boolean> {
  return (await redis.eval(ENSURE_GROUP_SCRIPT, 1, stream, group, startId)) === 1;
}

export interface StreamEntry {
  id: string;
  fields: string[];
}

export interface StreamConsumerOptions {
  /** Connection for acks, claims, refreshes and dead-lettering (never blocked). */
  redis: RedisClient;
  /** A dedicated connection for the blocking reads, created with `blocking: true`. */
  blockingRedis: RedisClient;
  stream: string;
  group: string;
  /** Unique among live consumers of the group (e.g. hostname and pid). */
  consumer: string;
  logger: Logger;
  /**
   * Handles one entry; resolves true to ack, false (or throws) to let go of it: it
   * stays pending and is delivered again, to any consumer, after `claimIdleMs`.
   */
  handle: (entry: StreamEntry) => Promise<boolean>;
  batchSize?: number;
  blockMs?: number;
  /**
   * An entry left idle this long is taken over by a consumer of the group: its
   * consumer died, or its handler failed. Entries in hand are refreshed every third
   * of it, so a slow handler never loses its entry.
   */
  claimIdleMs?: number;
  /** Reading pauses while this many entries are being handled. */
  maxInFlight?: number;
  /**
   * After a read that did not fill a batch, the next read waits this long (0: reads again at
   * once), so entries gather into fewer, larger batches: fewer round trips per entry, for up to
   * this much more delay. For consumers nobody waits on entry by entry (analytics).
   */
  lingerMs?: number;
  /**
   * Deliveries after which an entry is not handled again: it goes to `<stream>.dead`
   * with reason `max_deliveries` and is acked.
   */
  maxDeliveries?: number;
  /** Registry of the counter `stream_dead_lettered_total{stream,reason}`; none: not counted. */
  registry?: Registry;
}

function isNoGroup(error: unknown): boolean {
  return error instanceof Error && error.message.includes("NOGROUP");
}

// XAUTOCLAIM calls in one takeover at most: each scans up to ten times its COUNT of
// the pending list, so a long list is covered over a few takeovers, between reads.
const MAX_CLAIM_CALLS = 10;

/**
 * Reads a stream in a consumer group, several entries at once (order is not kept:
 * for streams whose entries are independent). Every entry read or taken over is held
 * until its handler answers: held entries are refreshed (XCLAIM JUSTID, no delivery
 * counted) every `claimIdleMs / 3`, so another consumer's takeover (XAUTOCLAIM
 * min-idle `claimIdleMs`) only ever finds entries of dead consumers or failed handlers.
 */
export class StreamConsumer {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  /** Ids read or taken over and not let go of yet (handler running, or ack not yet confirmed). */
  private readonly held = new Set<string>();
  private toAck: string[] = [];
  /** The acks of one turn go to Redis in one XACK. */
  private readonly acks = coalescedFlush(() => this.flushAcks());
  private refreshTimer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private lastClaim = 0;
  private claimCursor = "0-0";
  private lastErrorLog = 0;
  /** Ends the current linger early (stop). */
  private wake: (() => void) | null = null;
  private readonly o: Required<Omit<StreamConsumerOptions, "registry">>;
  private readonly deadLettered: Counter<"stream" | "reason"> | undefined;

  constructor(options: StreamConsumerOptions) {
    const { registry, ...rest } = options;
    this.o = { batchSize: 100, blockMs: 2000, claimIdleMs: 30_000, maxInFlight: 500, maxDeliveries: 10, ...rest, lingerMs: rest.lingerMs ?? 0 };
    if (!(this.o.claimIdleMs > 0 && this.o.maxDeliveries >= 1 && this.o.maxInFlight >= 1 && this.o.batchSize >= 1)) {
      throw new Error("StreamConsumer: claimIdleMs, maxDeliveries, maxInFlight and batchSize must be positive");
    }
    if (!(this.o.lingerMs >= 0)) throw new Error("StreamConsumer: lingerMs must not be negative");
    this.deadLettered = registry ? streamDeadLetteredCounter(registry) : undefined;
    // The series exists from the start: increase() in the alert rule then sees the first dead letter.
    this.deadLettered?.inc({ stream: this.o.stream, reason: "max_deliveries" }, 0);
  }

  /** Entries currently being handled by this consumer. */
  get busy(): number {
    return this.inFlight.size;
  }

  private get member(): GroupConsumer {
    return { stream: this.o.stream, group: this.o.group, consumer: this.o.consumer };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.refreshTimer ??= setInterval(() => this.refresh(), Math.max(1, Math.floor(this.o.claimIdleMs / 3)));
    // Only the read loop keeps the process alive, not the refresh timer.
    this.refreshTimer.unref();
    this.loop = this.run();
  }

  /**
   * Stops reading, waits for the entries in hand, acks what succeeded. Entries whose
   * ack could not be confirmed stay pending and are taken over after `claimIdleMs`.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await Promise.all(this.inFlight);
    await this.refreshing;
    await this.acks.settled();
    await this.flushAcks();
    if (this.running) return; // started again meanwhile: it keeps what it holds
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.refreshTimer = null;
    this.held.clear();
    this.toAck = [];
  }

  private async run(): Promise<void> {
    let backoff = 100;
    let groupReady = false;
    while (this.running) {
      try {
        if (!groupReady) {
          await ensureStreamGroup(this.o.redis, this.o.stream, this.o.group);
          groupReady = true;
        }
        if (this.inFlight.size >= this.o.maxInFlight) {
          await Promise.race(this.inFlight);
          continue;
        }
        if (Date.now() - this.lastClaim >= this.o.claimIdleMs / 2) await this.takeOver();
        const room = this.o.maxInFlight - this.inFlight.size;
        if (room <= 0) continue;
        const count = Math.min(this.o.batchSize, room);
        const reply = await this.o.blockingRedis.xreadgroup(
          "GROUP", this.o.group, this.o.consumer,
          "COUNT", count,
          "BLOCK", this.o.blockMs,
          "STREAMS", this.o.stream, ">",
        );
        const { entries } = parseReadReply(reply);
        for (const entry of entries) this.dispatch(entry);
        backoff = 100;
        if (this.o.lingerMs > 0 && entries.length > 0 && entries.length < count) await this.linger();
      } catch (error) {
        if (isNoGroup(error)) groupReady = false;
        this.logError("stream read failed", error);
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  private async linger(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, this.o.lingerMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  /** Takes over entries left idle by dead consumers or failed handlers; dead-letters those delivered too often. */
  private async takeOver(): Promise<void> {
    this.lastClaim = Date.now();
    const { stream, group, claimIdleMs, batchSize, maxInFlight, maxDeliveries, logger } = this.o;
    let retried = 0;
    for (let call = 0; call < MAX_CLAIM_CALLS; call++) {
      const room = maxInFlight - this.inFlight.size;
      if (room <= 0) break;
      const claimed = await claimIdleEntries(this.o.redis, this.member, { minIdleMs: claimIdleMs, count: Math.min(batchSize, room), cursor: this.claimCursor });
      this.claimCursor = claimed.cursor;
      if (claimed.deletedIds.length > 0) await this.o.redis.xack(stream, group, ...claimed.deletedIds);
      for (const entry of claimed.entries) {
        // Ours and still in hand: the refresh came late (a blocked event loop); it is not handled twice.
        if (this.held.has(entry.id)) continue;
        if (entry.deliveries > maxDeliveries) {
          await this.deadLetter(entry, entry.deliveries);
          continue;
        }
        retried++;
        this.dispatch(entry);
      }
      if (claimed.cursor === "0-0") break;
    }
    if (retried > 0) logger.info("took over idle stream entries", { stream, group, count: retried });
  }

  private async deadLetter(entry: StreamEntry, deliveries: number): Promise<void> {
    try {
      await deadLetterEntry({
        redis: this.o.redis,
        stream: this.o.stream,
        group: this.o.group,
        entry,
        reason: "max_deliveries",
        logger: this.o.logger,
        counter: this.deadLettered,
        details: { deliveries, maxDeliveries: this.o.maxDeliveries },
      });
    } catch (error) {
      // Still pending: taken over and dead-lettered again after claimIdleMs.
      this.logError("dead-lettering a stream entry failed", error);
    }
  }

  private dispatch(entry: StreamEntry): void {
    if (this.held.has(entry.id)) return;
    this.held.add(entry.id);
    // Through a promise, so a handler that throws synchronously still lets go of its entry.
    const task = Promise.resolve()
      .then(() => this.o.handle(entry))
      .then((ack) => {
        if (ack) this.scheduleAck(entry.id);
        else this.held.delete(entry.id);
      })
      .catch((error: unknown) => {
        this.held.delete(entry.id);
        this.logError("stream entry handler failed; entry left pending", error);
      })
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  /** Keeps the entries in hand from growing idle, and retries acks that failed. */
  private refresh(): void {
    if (this.refreshing) return;
    this.refreshing = (async () => {
      if (this.toAck.length > 0) await this.flushAcks();
      if (this.held.size === 0) return;
      try {
        await refreshPending(this.o.redis, this.member, [...this.held]);
      } catch (error) {
        this.logError("refreshing stream entries in hand failed", error);
      }
    })().finally(() => {
      this.refreshing = null;
    });
  }

  private scheduleAck(id: string): void {
    this.toAck.push(id);
    this.acks.schedule();
  }

  private async flushAcks(): Promise<void> {
    const ids = this.toAck;
    this.toAck = [];
    if (ids.length === 0) return;
    try {
      await this.o.redis.xack(this.o.stream, this.o.group, ...ids);
      for (const id of ids) this.held.delete(id);
    } catch (error) {
      if (isNoGroup(error)) {
        for (const id of ids) this.held.delete(id);
      } else {
        // Still held (and refreshed), so not handled again elsewhere: the ack is retried at the next refresh.
        this.toAck.push(...ids);
      }
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
