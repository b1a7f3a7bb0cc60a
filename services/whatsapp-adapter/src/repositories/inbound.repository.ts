// The adapter's side of the wa.inbound stream: each provider message is
// appended at most once. Dedupe marker and XADD run in one Lua script, so a
// crash can never leave a message marked as seen but not enqueued.
import type { Redis } from "ioredis";
import { STREAMS, type InboundEntry } from "@fleet/contracts";
import { STREAM_DATA_FIELD } from "@fleet/service-kit";

const APPEND_ONCE = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', ARGV[3], ARGV[4])
end
return false`;

type AppendOnce = (dedupeKey: string, stream: string, ttl: number, maxLen: number, field: string, data: string) => Promise<string | null>;

export interface InboundRepository {
  /** Appends entries not seen before; returns how many were new. */
  appendOnce(entries: InboundEntry[]): Promise<{ appended: number; duplicates: number }>;
}

export function createInboundRepository(redis: Redis, { dedupeTtlS, maxLen }: { dedupeTtlS: number; maxLen: number }): InboundRepository {
  redis.defineCommand("fleetAppendOnce", { numberOfKeys: 2, lua: APPEND_ONCE });
  return {
    async appendOnce(entries) {
      if (entries.length === 0) return { appended: 0, duplicates: 0 };
      // Issued together, the calls leave in one write (the client auto-pipelines).
      const appendOnce = (redis as unknown as { fleetAppendOnce: AppendOnce }).fleetAppendOnce.bind(redis);
      const ids = await Promise.all(entries.map((entry) => appendOnce(`dedupe:${entry.id}`, STREAMS.inbound, dedupeTtlS, maxLen, STREAM_DATA_FIELD, JSON.stringify(entry))));
      const appended = ids.filter((id) => id !== null).length;
      return { appended, duplicates: entries.length - appended };
    },
  };
}
