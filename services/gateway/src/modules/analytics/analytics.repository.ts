// The analytics worker's live rollups, read (never written) by the gateway: a tenant's hour or day
// buckets and the sets of bots active per hour, one pipelined round trip per read.
import { dayBucket, hourBucket, rollupKeys } from "@fleet/contracts";
import type { RedisClient } from "@fleet/service-kit";
import type { Bucket } from "./kpis.js";

export type BucketKind = "hour" | "day";

export function createAnalyticsRepository(redis: RedisClient) {
  const keyOf = (tenantId: string, kind: BucketKind, start: Date) => (kind === "hour" ? rollupKeys.hour(tenantId, hourBucket(start)) : rollupKeys.day(tenantId, dayBucket(start)));

  return {
    /** The buckets starting at `starts`, in order (an empty bucket for a period without events). */
    async buckets(tenantId: string, kind: BucketKind, starts: readonly Date[]): Promise<Bucket[]> {
      if (starts.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const start of starts) pipeline.hgetall(keyOf(tenantId, kind, start));
      const results = (await pipeline.exec()) ?? [];
      return results.map(([error, value]) => {
        if (error) throw error;
        return isBucket(value) ? value : {};
      });
    },

    /** One field of the buckets starting at `starts`, in order (null where absent). */
    async field(tenantId: string, kind: BucketKind, starts: readonly Date[], field: string): Promise<(string | null)[]> {
      if (starts.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const start of starts) pipeline.hget(keyOf(tenantId, kind, start), field);
      const results = (await pipeline.exec()) ?? [];
      return results.map(([error, value]) => {
        if (error) throw error;
        return typeof value === "string" ? value : null;
      });
    },

    /** How many different bots had events in these hours. */
    async activeBots(tenantId: string, hourStarts: readonly Date[]): Promise<number> {
      if (hourStarts.length === 0) return 0;
      const members = await redis.sunion(...hourStarts.map((start) => rollupKeys.hourBots(tenantId, hourBucket(start))));
      return members.length;
    },
  };
}

function isBucket(value: unknown): value is Bucket {
  return typeof value === "object" && value !== null && Object.values(value).every((field) => typeof field === "string");
}

export type AnalyticsRepository = ReturnType<typeof createAnalyticsRepository>;
