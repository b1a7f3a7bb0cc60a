// The orchestrator's intake: this replica's share of the inbound partitions
// (leases, see partitions/), read in order and run through the conversation
// scheduler, each entry handed to the handle-inbound use case. The owner of a
// partition also fires its due timers into it. Acks are
// batched (every partition's acks of the last ackDelayMs go to Redis in one
// write) and flushed before a partition is let go, so its next owner never
// repeats finished work.
import { InboundEntrySchema, conversationKey, decodeStreamEntry, entryContact } from "@fleet/contracts";
import { coalescedFlush, type LeaseRepository, type Logger, type RedisClient } from "@fleet/service-kit";
import type { Counter } from "prom-client";
import type { InboundPartitionsRepository, PendingEntry, RawEntry } from "../repositories/inbound-partitions.repository.js";
import type { ReplicasRepository } from "../repositories/replicas.repository.js";
import type { HandleInbound, Outcome } from "../use-cases/handle-inbound.use-case.js";
import { ConversationScheduler, type Disposition } from "./conversation-scheduler.js";
import { PartitionCoordinator } from "./partitions/partition-coordinator.js";
import { PartitionReader } from "./partitions/partition-reader.js";

export interface InboundConsumerOptions {
  /** This replica's name: its consumer name in every partition's group and its lease owner id. */
  consumer: string;
  partitions: number;
  leaseTtlMs: number;
  streams: InboundPartitionsRepository;
  leases: LeaseRepository;
  replicas: ReplicasRepository;
  /** A new connection for one partition's blocking reads (closed by its reader). */
  blockingConnection(partition: number): RedisClient;
  handleInbound: HandleInbound;
  logger: Logger;
  counters: {
    handled: Counter<"outcome">;
    retries: Counter<"reason" | "counted">;
  };
  batchSize: number;
  blockMs: number;
  /**
   * How long a finished entry may wait for its ack, so that the acks of that span leave together:
   * one round trip to Redis for many entries. A replica that dies meanwhile leaves those entries to
   * the partition's next owner, which replays their decided turns (idempotent sends, no new effects).
   */
  ackDelayMs: number;
  maxInFlight: number;
  maxInFlightPerBot: number;
  maxBuffered: number;
  maxAttempts: number;
  /** An entry handed out this often (owners lost while holding it) is dead-lettered. */
  maxDeliveries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often each owned partition is trimmed of what the group acknowledged. */
  trimIntervalMs: number;
  /** The conversations' durable timers: the owner of a partition moves its due timers into its stream. */
  timers: { fireDue(partition: number, now: number): Promise<number> };
  /** How often the owner of a partition looks for due timers. */
  timerPollMs: number;
}

/** Why an entry goes to wa.inbound.dead (the metric's reason label). */
export const DEAD_LETTER_REASONS = ["malformed_entry", "retries_exhausted", "owner_lost_repeatedly"] as const;

/** How each outcome of the use case ends for the stream entry. */
function dispositionOf(outcome: Outcome): Disposition {
  switch (outcome) {
    case "retry_later":
      return { kind: "retry", counted: true, reason: "reply_not_accepted" };
    case "throttled":
      return { kind: "retry", counted: false, throttled: true, reason: "throttled" };
    case "unavailable":
      return { kind: "retry", counted: false, reason: "unavailable" };
    default:
      return { kind: "ack", outcome };
  }
}

export function createInboundConsumer(o: InboundConsumerOptions) {
  const { logger, counters, streams } = o;
  const pendingAcks = new Map<number, string[]>();

  async function flushAcks(only?: number): Promise<void> {
    const batches = only === undefined ? [...pendingAcks.entries()] : [[only, pendingAcks.get(only) ?? []] as const];
    await Promise.all(
      batches.map(async ([partition, ids]) => {
        pendingAcks.delete(partition);
        if (ids.length === 0) return;
        try {
          await streams.ack(partition, [...ids]);
        } catch (error) {
          // Not acked means handled again by the partition's next reader: replies are idempotent, so this costs work.
          logger.warn("inbound ack failed", { partition, error: error instanceof Error ? error.message : String(error) });
        }
      }),
    );
  }
  const acks = coalescedFlush(() => flushAcks(), o.ackDelayMs);

  // The raw stream fields of each scheduled entry, for dead-lettering it as it arrived.
  const raws = new WeakMap<object, RawEntry>();
  const scheduler: ConversationScheduler = new ConversationScheduler({
    ack(partition, id) {
      const ids = pendingAcks.get(partition) ?? [];
      ids.push(id);
      pendingAcks.set(partition, ids);
      acks.schedule();
    },
    async deadLetter(entry, reason) {
      const raw = raws.get(entry);
      if (!raw) throw new Error(`entry ${entry.id} has no raw fields`);
      await streams.deadLetter(entry.partition, raw, reason);
    },
    owns: (partition): boolean => coordinator.owns(partition),
    maxInFlight: o.maxInFlight,
    maxInFlightPerBot: o.maxInFlightPerBot,
    maxAttempts: o.maxAttempts,
    retryDelayMs: (attempt) => Math.min(o.retryBaseMs * 2 ** (attempt - 1), o.retryMaxMs) * (0.75 + Math.random() / 2),
    onRetry: (reason, counted) => counters.retries.inc({ reason, counted: String(counted) }),
    onError: (message, error) => logger.warn(message, { error: error instanceof Error ? error.message : String(error) }),
  });
  function accept(partition: number, raw: RawEntry | PendingEntry): void {
    const decoded = decodeStreamEntry(InboundEntrySchema, raw.fields);
    const deliveries = "deliveries" in raw ? raw.deliveries : 1;
    const entry = decoded.success ? decoded.data : null;
    const scheduled = {
      partition,
      id: raw.id,
      // A malformed entry is its own conversation: it cannot block anybody's.
      conversation: entry ? conversationKey(entry.botId, entryContact(entry)) : `malformed:${raw.id}`,
      botId: entry?.botId ?? "malformed",
      attempts: 0,
      run: async (): Promise<Disposition> => {
        if (!entry) {
          counters.handled.inc({ outcome: "malformed" });
          return { kind: "dead", reason: "malformed_entry" };
        }
        // Owners were lost while holding this entry again and again: it may be what kills them.
        if (deliveries > o.maxDeliveries) return { kind: "dead", reason: "owner_lost_repeatedly" };
        const outcome = await o.handleInbound(entry);
        counters.handled.inc({ outcome });
        return dispositionOf(outcome);
      },
    };
    raws.set(scheduled, raw);
    scheduler.enqueue(scheduled);
  }

  // One pump fires the due timers of every partition this replica owns, all in the same tick: their
  // scripts go to Redis together (auto-pipelined: one write, one read) instead of one round trip
  // per partition at its own moment, which is what an idle orchestrator spent most of its time on.
  const timerPartitions = new Map<number, { lease: { readonly valid: boolean }; firing: boolean }>();
  let timerPump: NodeJS.Timeout | undefined;
  function pumpTimers(): void {
    const now = Date.now();
    for (const [partition, owned] of timerPartitions) {
      if (!owned.lease.valid || owned.firing) continue;
      owned.firing = true;
      o.timers
        .fireDue(partition, now)
        .catch((error: unknown) => logger.warn("firing due timers failed", { partition, error: error instanceof Error ? error.message : String(error) }))
        .finally(() => {
          owned.firing = false;
        });
    }
  }

  const coordinator: PartitionCoordinator = new PartitionCoordinator({
    name: o.consumer,
    partitions: o.partitions,
    leaseTtlMs: o.leaseTtlMs,
    leases: o.leases,
    replicas: o.replicas,
    logger,
    onTick: () => scheduler.resume(),
    agreeOnPartitionCount: () => streams.agreeOnPartitionCount(o.partitions),
    startPartition(partition, lease) {
      const reader = new PartitionReader({
        partition,
        consumer: o.consumer,
        streams,
        blocking: o.blockingConnection(partition),
        lease,
        accept,
        waitForRoom: () => scheduler.waitForRoom(o.maxBuffered),
        async release(p) {
          await scheduler.releasePartition(p);
          await flushAcks(p);
        },
        afterTakeOver: async (p) => {
          await streams.removeIdleConsumers(p, coordinator.liveReplicas);
        },
        logger,
        batchSize: o.batchSize,
        blockMs: o.blockMs,
      });
      reader.start();
      // Only the owner trims, so a partition is trimmed by one replica at a time.
      const trimmer = setInterval(() => {
        if (!lease.valid) return;
        streams.trim(partition).catch((error: unknown) => logger.warn("trimming an inbound partition failed", { partition, error: error instanceof Error ? error.message : String(error) }));
      }, o.trimIntervalMs);
      // Only the owner fires the partition's timers; the move into the stream is atomic, so a
      // replica that still believes it owns the partition after losing it cannot fire one twice.
      const timers = { lease, firing: false };
      timerPartitions.set(partition, timers);
      timerPump ??= setInterval(pumpTimers, o.timerPollMs);
      return {
        partition,
        lease,
        stop: () => {
          clearInterval(trimmer);
          if (timerPartitions.get(partition) === timers) timerPartitions.delete(partition);
          if (timerPartitions.size === 0) {
            clearInterval(timerPump);
            timerPump = undefined;
          }
          return reader.stop();
        },
      };
    },
  });

  return {
    start: () => coordinator.start(),
    /** Graceful stop: running entries finish and are acked, partitions are released for the other replicas. */
    stop: async () => {
      await coordinator.stop();
      await acks.settled();
      await flushAcks();
    },
    /** For metrics and health. */
    stats: () => ({ partitions: coordinator.partitions, buffered: scheduler.buffered, active: scheduler.active, blocked: scheduler.blocked }),
  };
}

export type InboundConsumer = ReturnType<typeof createInboundConsumer>;
