// Fleet-wide pacing of sends per provider number (Meta allows 80 msg/s per
// number by default), shared by every adapter replica through Redis, on a
// sliding window that the tenants' outbound quotas (per minute) use too.
// Meta counts sends as they reach it, over any one-second span. A slot taken
// here therefore counts from the moment it is taken until one second after the
// provider answered: however long a request spends on the way, no second on the
// provider's side sees more sends than the configured rate. (A fixed window
// counted when slots are taken lets the next window's sends land less than a
// second after the previous window's, and the provider answers 130429.)
import { randomUUID } from "node:crypto";
import { AppError, type RedisClient } from "@fleet/service-kit";
import type { Pacer } from "../use-cases/send-message.use-case.js";

const WINDOW_MS = 1000;
/** Longest sleep between two tries while slots are held by sends still in flight. */
const MAX_POLL_MS = 100;

const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

// KEYS[1]: the window's slots (sorted set, score = when the slot's send was answered, or
// the latest it can be while in flight). ARGV: limit, window ms, slot id, max in-flight ms.
// Returns 0 when the slot was taken, else how many ms until one may free up.
const ACQUIRE = `${NOW_MS}
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window + tonumber(ARGV[4]))
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(tonumber(oldest[2]) + window - now, 1)`;

// KEYS[1]: the number's slots. ARGV: slot id, window ms. The slot counts for one more window from now.
const RELEASE = `${NOW_MS}
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

interface PacerCommands {
  fleetPaceAcquire(key: string, limit: number, windowMs: number, slot: string, maxInFlightMs: number): Promise<number>;
  fleetPaceRelease(key: string, slot: string, windowMs: number): Promise<number>;
}

/** A slot taken in a window. */
export interface Slot {
  /** The slot's work is done (the provider answered): it counts for one more window from now. */
  end(): Promise<void>;
  /** The slot was taken for work that did not happen (nothing was sent): it frees at once. */
  cancel(): Promise<void>;
}

export interface SlidingWindowOptions {
  /** The span over which at most `limit` slots may be taken. */
  windowMs: number;
  /** The longest a slot's work can take (the provider timeout); a slot whose release was lost frees after it. */
  maxInFlightMs: number;
  /** Longest sleep between two tries while the window is full. */
  maxPollMs: number;
  /** Error thrown when `signal` aborts while waiting (its code tells what was waited for). */
  deadline: () => AppError;
}

/** Takes a slot of `key`'s window (at most `limit` per window, fleet-wide), waiting while it is full. */
export type SlidingWindow = (key: string, limit: number, signal: AbortSignal) => Promise<Slot>;

export function createSlidingWindow(redis: RedisClient, { windowMs, maxInFlightMs, maxPollMs, deadline }: SlidingWindowOptions): SlidingWindow {
  redis.defineCommand("fleetPaceAcquire", { numberOfKeys: 1, lua: ACQUIRE });
  redis.defineCommand("fleetPaceRelease", { numberOfKeys: 1, lua: RELEASE });
  const commands = redis as unknown as PacerCommands;
  const holdMs = maxInFlightMs + windowMs;

  return async (key, limit, signal) => {
    const slot = randomUUID();
    for (;;) {
      const waitMs = Number(await commands.fleetPaceAcquire(key, Math.max(Math.floor(limit), 1), windowMs, slot, holdMs));
      if (waitMs === 0) break;
      if (signal.aborted) throw deadline();
      await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, maxPollMs)));
    }
    return {
      async end() {
        await commands.fleetPaceRelease(key, slot, windowMs);
      },
      async cancel() {
        await redis.zrem(key, slot);
      },
    };
  };
}

/** `maxInFlightMs`: the longest a provider call can take (its timeout); a slot whose release was lost frees after it. */
export function createRedisPacer(redis: RedisClient, { maxInFlightMs }: { maxInFlightMs: number }): Pacer {
  const window = createSlidingWindow(redis, {
    windowMs: WINDOW_MS,
    maxInFlightMs,
    maxPollMs: MAX_POLL_MS,
    deadline: () => new AppError("deadline_exceeded", "PACING_DEADLINE", "Deadline passed while waiting for the provider rate limit"),
  });
  return (kind, routingKey, perSecond, signal) => window(`pace:${kind}:${routingKey}`, perSecond, signal);
}
