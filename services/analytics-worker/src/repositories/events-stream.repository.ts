// The `events` stream as Redis reports it: the backlog for the health report (how
// many events wait to be stored, whether or not anyone consumes them), and trimming
// of what the worker's group has acknowledged.
import { streamGroupStats, trimAcknowledged, type RedisClient } from "@fleet/service-kit";

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
  /**
   * Removes entries every group of the stream acknowledged (stored events); nothing
   * pending or unread. Returns how many were removed.
   */
  trimStored(): Promise<number>;
}

export function createEventsStreamRepository(redis: RedisClient, stream: string, group: string): EventsStreamRepository {
  return {
    async backlog() {
      // A queued command would wait for the reconnection; the health report must answer now.
      if (redis.status !== "ready") throw new Error(`redis connection is ${redis.status}`);
      const stats = await streamGroupStats(redis, stream);
      if (!stats) return { length: 0, unread: 0, unacked: 0 };
      const info = stats.groups.find((candidate) => candidate.name === group);
      if (!info) return { length: stats.length, unread: stats.length, unacked: 0 };
      return { length: stats.length, unread: info.lag, unacked: info.pending };
    },
    trimStored() {
      return trimAcknowledged(redis, stream);
    },
  };
}

/** Events the given groups have not handled yet: unread plus unacknowledged, summed over the groups. */
export async function unhandledEvents(backlogs: readonly EventsStreamRepository[]): Promise<number> {
  const all = await Promise.all(backlogs.map((repository) => repository.backlog()));
  return all.reduce((sum, { unread, unacked }) => sum + unread + unacked, 0);
}
