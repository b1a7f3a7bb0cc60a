// The orchestrators' side of the inbound partition streams: the consumer
// group, reading, taking over what an earlier owner left pending, acking and
// dead-lettering. Every call names one partition's stream, so on a Redis
// Cluster each goes to the node holding that partition.
import { INBOUND_DEAD_LETTER_STREAM, INBOUND_PARTITIONS_KEY, inboundStream } from "@fleet/contracts";
import { agreeOnFleetSetting, claimIdleEntries, deadLetterEntry, ensureStreamGroup, prefixedKey, trimAcknowledged, type Logger, type RedisClient } from "@fleet/service-kit";
import type { Counter } from "prom-client";

export const INBOUND_GROUP = "bot-orchestrator";

export interface RawEntry {
  id: string;
  fields: string[];
}

export interface PendingEntry extends RawEntry {
  /** Times the entry was handed to a consumer so far (this takeover included). */
  deliveries: number;
}

type RawEntries = [string, string[] | null][];
type ReadReply = [string, RawEntries][] | null;
type ConsumersReply = (string | number)[][];
type PendingSummary = [number, string | null, string | null, [string, string][] | null];
type PendingDetails = [string, string, number, number][];
type ClaimReply = [string, string[] | null][];

export function isNoGroup(error: unknown): boolean {
  return error instanceof Error && error.message.includes("NOGROUP");
}

export interface InboundPartitionsDeps {
  logger: Logger;
  /** `stream_dead_lettered_total{stream,reason}`, shared with the service's other streams. */
  deadLettered: Counter<"stream" | "reason">;
  /** Approximate cap of wa.inbound.dead (no consumer group reads it). */
  deadLetterMaxLen: number;
}

export function createInboundPartitionsRepository(redis: RedisClient, { logger, deadLettered, deadLetterMaxLen }: InboundPartitionsDeps) {
  return {
    /** Whether `partitions` is the count the fleet's adapters and orchestrators were started with. */
    agreeOnPartitionCount: (partitions: number) => agreeOnFleetSetting(redis, INBOUND_PARTITIONS_KEY, partitions),

    /** Creates the group (from the stream's start: entries appended before it are handled too). */
    async ensureGroup(partition: number): Promise<void> {
      await ensureStreamGroup(redis, inboundStream(partition), INBOUND_GROUP, "0");
    },

    /**
     * New entries for `consumer`, waiting up to `blockMs` on `blocking` (a connection of its own),
     * and whether other consumers of the group hold entries right after the read (`othersHold`:
     * see claimForeign). The group's pending summary is asked in the same write: Redis answers it
     * as soon as the read is served, so it costs no round trip of its own.
     */
    async readNew(blocking: RedisClient, partition: number, consumer: string, count: number, blockMs: number): Promise<{ entries: RawEntry[]; othersHold: boolean }> {
      const stream = inboundStream(partition);
      const read = blocking.xreadgroup("GROUP", INBOUND_GROUP, consumer, "COUNT", count, "BLOCK", blockMs, "STREAMS", stream, ">") as Promise<ReadReply>;
      const summary = blocking.xpending(stream, INBOUND_GROUP) as Promise<PendingSummary>;
      summary.catch(() => undefined);
      const reply = await read;
      const entries: RawEntry[] = [];
      for (const [, list] of reply ?? []) for (const [id, fields] of list) if (fields) entries.push({ id, fields });
      const holders = (await summary)[3] ?? [];
      return { entries, othersHold: holders.some(([name]) => name !== consumer) };
    },

    /**
     * Moves every entry pending in the group — left by earlier owners, or by this replica
     * before it lost the partition — to `consumer`, oldest first. Only the partition's
     * lease holder calls this, so no live replica is handling any of them.
     */
    async takeOver(partition: number, consumer: string, pageSize = 500): Promise<PendingEntry[]> {
      const member = { stream: inboundStream(partition), group: INBOUND_GROUP, consumer };
      const taken: PendingEntry[] = [];
      let cursor = "0-0";
      do {
        // Idle for 0 ms or more: every pending entry, since no live replica may hold one of this partition.
        const page = await claimIdleEntries(redis, member, { minIdleMs: 0, count: pageSize, cursor });
        taken.push(...page.entries);
        // Pending ids whose entry is gone can never be handled: acked, so they leave the pending list.
        if (page.deletedIds.length > 0) await redis.xack(member.stream, INBOUND_GROUP, ...page.deletedIds);
        cursor = page.cursor;
      } while (cursor !== "0-0");
      return taken;
    },

    /**
     * Takes over what other consumers of the group hold now. After the takeover that can only be
     * entries a replica read after it lost the partition's lease and before it noticed: it never
     * starts them, and nobody else would ever read them again. One XPENDING when there are none.
     */
    async claimForeign(partition: number, consumer: string, pageSize = 500): Promise<PendingEntry[]> {
      const stream = inboundStream(partition);
      const summary = (await redis.xpending(stream, INBOUND_GROUP)) as PendingSummary;
      const others = (summary[3] ?? []).map(([name]) => name).filter((name) => name !== consumer);
      const taken: PendingEntry[] = [];
      for (const other of others) {
        const pending = (await redis.xpending(stream, INBOUND_GROUP, "-", "+", pageSize, other)) as PendingDetails;
        if (pending.length === 0) continue;
        const delivered = new Map(pending.map(([id, , , deliveries]) => [id, deliveries]));
        const claimed = (await redis.xclaim(stream, INBOUND_GROUP, consumer, 0, ...pending.map(([id]) => id))) as ClaimReply;
        for (const [id, fields] of claimed) if (fields) taken.push({ id, fields, deliveries: (delivered.get(id) ?? 0) + 1 });
      }
      return taken;
    },

    async ack(partition: number, ids: string[]): Promise<void> {
      if (ids.length > 0) await redis.xack(inboundStream(partition), INBOUND_GROUP, ...ids);
    },

    /** Copies the entry to wa.inbound.dead with its reason, then acks it; counted and logged. */
    async deadLetter(partition: number, entry: RawEntry, reason: string): Promise<void> {
      await deadLetterEntry({ redis, stream: inboundStream(partition), group: INBOUND_GROUP, entry, reason, logger, counter: deadLettered, deadLetterStream: INBOUND_DEAD_LETTER_STREAM, maxLen: deadLetterMaxLen, details: { partition } });
    },

    /** Trims what the group acknowledged, never an entry it still needs; returns how many went. */
    trim: (partition: number): Promise<number> => trimAcknowledged(redis, inboundStream(partition)),

    /** Removes consumers of the partition's group that hold nothing and are not live replicas. */
    async removeIdleConsumers(partition: number, live: ReadonlySet<string>): Promise<number> {
      const key = prefixedKey(redis, inboundStream(partition));
      const consumers = (await redis.xinfo("CONSUMERS", key, INBOUND_GROUP)) as ConsumersReply;
      let removed = 0;
      for (const info of consumers) {
        const fields = new Map<string, string | number>();
        for (let i = 0; i + 1 < info.length; i += 2) fields.set(String(info[i]), info[i + 1] ?? "");
        const name = String(fields.get("name") ?? "");
        if (name && !live.has(name) && Number(fields.get("pending") ?? 1) === 0) {
          await redis.xgroup("DELCONSUMER", key, INBOUND_GROUP, name);
          removed++;
        }
      }
      return removed;
    },
  };
}

export type InboundPartitionsRepository = ReturnType<typeof createInboundPartitionsRepository>;
