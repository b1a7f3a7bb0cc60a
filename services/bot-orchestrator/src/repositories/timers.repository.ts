// Durable timers of conversations, in Redis, one sorted set per inbound partition (score: due time)
// with the entry each timer becomes in a hash beside it. Timers are scheduled and cancelled by the
// commit of the transition that decides them (conversations.repository.ts); this side fires them. Both carry the partition's hash tag, like
// the partition stream, so one script moves a due timer into the stream: the timer leaves the set
// and its entry is appended in one atomic step — fired exactly once, whichever replicas run the
// script at the same time, and ordered with the contact's messages in the conversation's partition.
// A Redis sorted set, not BullMQ: BullMQ's delayed jobs would fire into a queue of its own, and the
// timer must enter the conversation's partition stream atomically to keep that order.
import { STREAM_FIELD, inboundStream, partitionTag, type TimerFired } from "@fleet/contracts";
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

type FireDue = (set: string, data: string, stream: string, now: number, limit: number, field: string) => Promise<number>;

export interface ScheduledTimer {
  tenantId: string;
  botId: string;
  contact: string;
  timerId: string;
  dueAt: number;
  name?: string;
}

/** A partition's timers: the sorted set of due times and the hash of the entries they become. */
export function timerKeys(partition: number) {
  const tag = partitionTag(partition);
  return { set: `wa.timers.${tag}`, data: `wa.timers.${tag}.entries` };
}

/** The inbound entry a timer becomes when it fires (stored with it when it is scheduled). */
export function timerEntry(timer: ScheduledTimer): TimerFired {
  return {
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
}

export function createTimersRepository(redis: RedisClient) {
  redis.defineCommand("fleetTimerFireDue", { numberOfKeys: 3, lua: FIRE_DUE });
  const commands = redis as unknown as { fleetTimerFireDue: FireDue };

  return {
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
