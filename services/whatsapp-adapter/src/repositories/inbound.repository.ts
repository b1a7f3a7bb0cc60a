// The adapter's side of the inbound partition streams: each provider message
// is appended at most once, to its conversation's partition. Dedupe marker and
// XADD run in one Lua script on keys of one hash slot, so a crash can never
// leave a message marked as seen but not enqueued, on one server or a Cluster.
// Nothing is trimmed here: the orchestrator trims what its group acknowledged.
// Before its first append the adapter checks that its partition count is the
// fleet's: with another count it would put conversations where no
// orchestrator looks for them, so it refuses (the webhook gets a 503).
import { INBOUND_PARTITIONS_KEY, inboundDedupeKey, inboundPartition, inboundStream, type ProviderEntry } from "@fleet/contracts";
import { STREAM_DATA_FIELD, agreeOnFleetSetting, type RedisClient } from "@fleet/service-kit";

const APPEND_ONCE = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], '*', ARGV[2], ARGV[3])
end
return false`;

type AppendOnce = (dedupeKey: string, stream: string, ttl: number, field: string, data: string) => Promise<string | null>;

export interface InboundRepository {
  /** Appends entries not seen before; returns how many were new, and how many of those are messages (not statuses). */
  appendOnce(entries: ProviderEntry[]): Promise<{ appended: number; duplicates: number; messages: number }>;
}

export function createInboundRepository(redis: RedisClient, { dedupeTtlS, partitions }: { dedupeTtlS: number; partitions: number }): InboundRepository {
  redis.defineCommand("fleetAppendOnce", { numberOfKeys: 2, lua: APPEND_ONCE });
  const appendOnce = (redis as unknown as { fleetAppendOnce: AppendOnce }).fleetAppendOnce.bind(redis);
  let agreed = false;
  return {
    async appendOnce(entries) {
      if (entries.length === 0) return { appended: 0, duplicates: 0, messages: 0 };
      if (!agreed) {
        const agreement = await agreeOnFleetSetting(redis, INBOUND_PARTITIONS_KEY, partitions);
        if (!agreement.agreed) throw new Error(`INBOUND_PARTITIONS is ${partitions} here but ${agreement.recorded} in the fleet`);
        agreed = true;
      }
      // Issued together, the calls leave in one write (the client auto-pipelines). Entries of one
      // conversation keep their order: one connection per node delivers them in the order issued.
      const ids = await Promise.all(
        entries.map((entry) => {
          const partition = inboundPartition(entry.botId, entry.kind === "message" ? entry.from : entry.recipient, partitions);
          return appendOnce(inboundDedupeKey(partition, entry.id), inboundStream(partition), dedupeTtlS, STREAM_DATA_FIELD, JSON.stringify(entry));
        }),
      );
      const appended = entries.filter((_, index) => ids[index] !== null);
      return { appended: appended.length, duplicates: entries.length - appended.length, messages: appended.filter((entry) => entry.kind === "message").length };
    },
  };
}
