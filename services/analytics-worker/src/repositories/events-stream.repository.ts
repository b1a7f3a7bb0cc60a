// Backlog of the `events` stream as Redis reports it, for the health report:
// how many events are waiting to be stored, whether or not anyone consumes them.
import type { Redis } from "ioredis";
import { prefixedKey } from "@fleet/service-kit";

export interface StreamBacklog {
  /** Entries in the stream (stored ones stay until trimmed). */
  length: number;
  /** Entries the group has not read yet; the whole stream when the group does not exist. */
  unread: number;
  /** Entries read but not acknowledged (being written, or waiting for a retry). */
  unacked: number;
}

export interface EventsStreamRepository {
  backlog(): Promise<StreamBacklog>;
}

/** One group of `XINFO GROUPS` as ioredis returns it: a flat [key, value, ...] list. */
function fieldsOf(raw: unknown): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  if (!Array.isArray(raw)) return fields;
  for (let i = 0; i + 1 < raw.length; i += 2) fields.set(String(raw[i]), raw[i + 1]);
  return fields;
}

export function createEventsStreamRepository(redis: Redis, stream: string, group: string): EventsStreamRepository {
  return {
    async backlog() {
      // A queued command would wait for the reconnection; the health report must answer now.
      if (redis.status !== "ready") throw new Error(`redis connection is ${redis.status}`);
      const length = await redis.xlen(stream);
      if (length === 0) return { length, unread: 0, unacked: 0 };
      // ioredis does not prefix the key of XINFO by itself.
      const groups = (await redis.xinfo("GROUPS", prefixedKey(redis, stream))) as unknown[];
      const info = groups.map(fieldsOf).find((fields) => fields.get("name") === group);
      if (!info) return { length, unread: length, unacked: 0 };
      const lag = info.get("lag");
      return {
        length,
        // Redis cannot always compute the lag (after XDEL or trimming): the stream length bounds it.
        unread: typeof lag === "number" ? lag : length,
        unacked: Number(info.get("pending") ?? 0),
      };
    },
  };
}
