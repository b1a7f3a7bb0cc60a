// Durable timers of conversations, in Redis, one sorted set per inbound partition (score: due time)
// with the entry each timer becomes in a hash beside it. Both carry the partition's hash tag, like
// the partition stream, so one script moves a due timer into the stream: the timer leaves the set
// and its entry is appended in one atomic step — fired exactly once, whichever replicas run the
// script at the same time, and ordered with the contact's messages in the conversation's partition.
// A Redis sorted set, not BullMQ: BullMQ's delayed jobs would fire into a queue of its own, and the
// timer must enter the conversation's partition stream atomically to keep that order.
import { STREAM_FIELD, inboundPartition, inboundStream, partitionTag, type TimerFired } from "@fleet/contracts";
import type { RedisClient } from "@fleet/service-kit";

const FIRE_DUE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local fired = 0
for _, id in ipairs(due) do
  local entry = redis.call('HGET', KEYS[2], id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  if entry then
    redis.call('XADD', KEYS[3], '*', ARGV[3], entry)
    fired = fired + 1
  end
end
return fired`;

const SCHEDULE = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1`;

const CANCEL = `
redis.call('HDEL', KEYS[2], ARGV[1])
return redis.call('ZREM', KEYS[1], ARGV[1])`;

type FireDue = (set: string, data: string, stream: string, now: number, limit: number, field: string) => Promise<number>;
type Schedule = (set: string, data: string, dueAt: number, id: string, entry: string) => Promise<number>;
type Cancel = (set: string, data: string, id: string) => Promise<number>;

export interface ScheduledTimer {
  tenantId: string;
  botId: string;
  contact: string;
  timerId: string;
  dueAt: number;
  name?: string;
}

function timerKeys(partition: number) {
  const tag = partitionTag(partition);
  return { set: `wa.timers.${tag}`, data: `wa.timers.${tag}.entries` };
}

export function createTimersRepository(redis: RedisClient, { partitions }: { partitions: number }) {
  redis.defineCommand("fleetTimerFireDue", { numberOfKeys: 3, lua: FIRE_DUE });
  redis.defineCommand("fleetTimerSchedule", { numberOfKeys: 2, lua: SCHEDULE });
  redis.defineCommand("fleetTimerCancel", { numberOfKeys: 2, lua: CANCEL });
  const commands = redis as unknown as { fleetTimerFireDue: FireDue; fleetTimerSchedule: Schedule; fleetTimerCancel: Cancel };
  const partitionOf = (botId: string, contact: string) => inboundPartition(botId, contact, partitions);

  return {
    /** Schedules (or moves) a timer; idempotent by timer id, so a replayed transition schedules it once. */
    async schedule(timer: ScheduledTimer): Promise<void> {
      const keys = timerKeys(partitionOf(timer.botId, timer.contact));
      const entry: TimerFired = {
        v: 1,
        kind: "timer",
        id: `timer:${timer.timerId}`,
        tenantId: timer.tenantId,
        occurredAt: new Date(timer.dueAt).toISOString(),
        botId: timer.botId,
        contact: timer.contact,
        timerId: timer.timerId,
        ...(timer.name === undefined ? {} : { name: timer.name }),
      };
      await commands.fleetTimerSchedule(keys.set, keys.data, timer.dueAt, timer.timerId, JSON.stringify(entry));
    },

    /** Cancels a timer; true when it was still pending. */
    async cancel(botId: string, contact: string, timerId: string): Promise<boolean> {
      const keys = timerKeys(partitionOf(botId, contact));
      return (await commands.fleetTimerCancel(keys.set, keys.data, timerId)) === 1;
    },

    /** Moves up to `limit` timers of a partition that are due at `now` into its stream; returns how many fired. */
    async fireDue(partition: number, now: number, limit = 500): Promise<number> {
      const keys = timerKeys(partition);
      return commands.fleetTimerFireDue(keys.set, keys.data, inboundStream(partition), now, limit, STREAM_FIELD);
    },

    /** Timers of a partition still pending (for metrics and tests). */
    async pending(partition: number): Promise<number> {
      return redis.zcard(timerKeys(partition).set);
    },

    /** The due time of the earliest pending timer of a partition, if any. */
    async nextDue(partition: number): Promise<number | null> {
      const [, score] = await redis.zrange(timerKeys(partition).set, 0, 0, "WITHSCORES");
      return score === undefined ? null : Number(score);
    },
  };
}

export type TimersRepository = ReturnType<typeof createTimersRepository>;
