// Writes folded events into the live rollups in Redis, one script per event: the event's seen-mark
// (SET NX, so a redelivered or re-appended event counts once), the counters of its hour and day
// buckets, the hour's set of active bots, and each bucket's expiry. Every key of the script carries
// the tenant as hash tag (see rollupKeys), so it runs on a Redis Cluster too. One script per event
// rather than per batch: a batch spans tenants, hence slots; ioredis pipelines the calls of a batch
// anyway (auto-pipelining), which is where the round trips are saved.
import { ROLLUP_TTL_SECONDS, rollupKeys } from "@fleet/contracts";
import type { RedisClient } from "@fleet/service-kit";
import { z } from "zod";
import type { EventFold } from "./fold-event.js";

/** folded: counted now. duplicate: counted before. expired: older than every bucket it would go to; nothing written. */
export type ApplyOutcome = { outcome: "folded"; failedIncrements: number } | { outcome: "duplicate" } | { outcome: "expired" };

export interface RollupsRepository {
  apply(fold: EventFold): Promise<ApplyOutcome>;
}

// KEYS: seen-mark, hour bucket, day bucket, hour's bot set.
// ARGV: seen TTL (s), hour expire-at (s), day expire-at (s), bot id ('' for none), then triples
// (op 'i' | 'f', field, increment).
// A bucket whose expiry is already past (by Redis's clock, one clock for every replica) is left
// alone: EXPIREAT in the past would delete it, and the write would be lost anyway.
// Increments run under pcall: one that Redis refuses (a field overflowing) must not leave the event
// marked seen with half of its counters written and the rest never retried. Replies {1, failed}
// when folded, {0} for a duplicate, {2} when every bucket has expired.
const APPLY = `
local now = tonumber(redis.call('TIME')[1])
local hourLive = tonumber(ARGV[2]) > now
local dayLive = tonumber(ARGV[3]) > now
if not hourLive and not dayLive then return {2} end
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return {0} end
local failed = 0
local function fold(key, expireAt)
  for i = 5, #ARGV, 3 do
    local command = 'HINCRBY'
    if ARGV[i] == 'f' then command = 'HINCRBYFLOAT' end
    local reply = redis.pcall(command, key, ARGV[i + 1], ARGV[i + 2])
    if type(reply) == 'table' and reply.err then failed = failed + 1 end
  end
  redis.call('EXPIREAT', key, expireAt)
end
if hourLive then
  fold(KEYS[2], ARGV[2])
  if ARGV[4] ~= '' then
    redis.call('SADD', KEYS[4], ARGV[4])
    redis.call('EXPIREAT', KEYS[4], ARGV[2])
  end
end
if dayLive then fold(KEYS[3], ARGV[3]) end
return {1, failed}
`;

const ReplySchema = z.union([z.tuple([z.literal(1), z.number().int()]), z.tuple([z.literal(0)]), z.tuple([z.literal(2)])]);

interface RollupCommands {
  fleetRollupApply(seen: string, hour: string, day: string, hourBots: string, ...args: (string | number)[]): Promise<unknown>;
}

export function createRollupsRepository(redis: RedisClient): RollupsRepository {
  redis.defineCommand("fleetRollupApply", { numberOfKeys: 4, lua: APPLY });
  const commands = redis as unknown as RollupCommands;

  return {
    async apply(fold) {
      const args: (string | number)[] = [ROLLUP_TTL_SECONDS.seen, Math.ceil(fold.hourExpiresAt / 1000), Math.ceil(fold.dayExpiresAt / 1000), fold.botId ?? ""];
      for (const { field, by, float } of fold.increments) args.push(float ? "f" : "i", field, by);
      const reply = ReplySchema.parse(
        await commands.fleetRollupApply(
          rollupKeys.seen(fold.tenantId, fold.eventId),
          rollupKeys.hour(fold.tenantId, fold.hour),
          rollupKeys.day(fold.tenantId, fold.day),
          rollupKeys.hourBots(fold.tenantId, fold.hour),
          ...args,
        ),
      );
      if (reply[0] === 1) return { outcome: "folded", failedIncrements: reply[1] };
      return { outcome: reply[0] === 0 ? "duplicate" : "expired" };
    },
  };
}
