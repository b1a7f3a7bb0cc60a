// Fleet-wide pacing of sends per provider number (Meta allows 80 msg/s per
// number by default): a Redis token bucket shared by every adapter replica.
import type { Redis } from "ioredis";
import { AppError } from "@fleet/service-kit";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { Pacer } from "../use-cases/send-message.use-case.js";

export function createRedisPacer(redis: Redis): Pacer {
  const limiters = new Map<number, RateLimiterRedis>();
  function limiter(perSecond: number): RateLimiterRedis {
    let found = limiters.get(perSecond);
    if (!found) {
      found = new RateLimiterRedis({ storeClient: redis, points: perSecond, duration: 1, keyPrefix: `pace:${perSecond}` });
      limiters.set(perSecond, found);
    }
    return found;
  }
  return async (kind, routingKey, perSecond, signal) => {
    for (;;) {
      try {
        await limiter(perSecond).consume(`${kind}:${routingKey}`);
        return;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        if (signal.aborted) throw new AppError("deadline_exceeded", "PACING_DEADLINE", "Deadline passed while waiting for the provider rate limit");
        await new Promise((resolve) => setTimeout(resolve, Math.max(rejection.msBeforeNext, 5)));
      }
    }
  };
}
