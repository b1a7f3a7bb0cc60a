// Failed-login counters in Redis (rate-limiter-flexible on the gateway's
// ioredis client, so every key sits under REDIS_KEY_PREFIX): one per identity
// (email + client IP) and one per client IP. If Redis cannot answer, logins
// fail closed (503) rather than run unthrottled.
import { createHash } from "node:crypto";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { AppError, type RedisClient } from "@fleet/service-kit";

export interface LoginLimits {
  maxFailuresPerIdentity: number;
  maxFailuresPerIp: number;
  windowSeconds: number;
}

export type AttemptVerdict = { blocked: false } | { blocked: true; retryAfterS: number };

function identityKey(email: string, ip: string): string {
  // Hashed: the key needs to be stable, not readable (no emails in Redis key listings).
  return createHash("sha256").update(`${email}\n${ip}`).digest("base64url").slice(0, 32);
}

function unavailable(cause: unknown): AppError {
  return new AppError("unavailable", "LOGIN_UNAVAILABLE", "Login is temporarily unavailable", { cause });
}

function retryAfter(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

export function createLoginAttemptsRepository(redis: RedisClient, limits: LoginLimits) {
  const common = { storeClient: redis, duration: limits.windowSeconds, rejectIfRedisNotReady: true };
  const byIdentity = new RateLimiterRedis({ ...common, keyPrefix: "gateway:login-fail:identity", points: limits.maxFailuresPerIdentity });
  const byIp = new RateLimiterRedis({ ...common, keyPrefix: "gateway:login-fail:ip", points: limits.maxFailuresPerIp });

  async function read(limiter: RateLimiterRedis, key: string): Promise<RateLimiterRes | null> {
    try {
      return await limiter.get(key);
    } catch (error) {
      throw unavailable(error);
    }
  }

  async function consume(limiter: RateLimiterRedis, key: string): Promise<RateLimiterRes> {
    try {
      return await limiter.consume(key);
    } catch (error) {
      // Over the limit rejects with the counter itself; anything else is Redis failing.
      if (error instanceof RateLimiterRes) return error;
      throw unavailable(error);
    }
  }

  function verdict(pairs: [RateLimiterRes | null, number][]): AttemptVerdict {
    let retryAfterS = 0;
    for (const [res, limit] of pairs) {
      if (res && res.consumedPoints >= limit) retryAfterS = Math.max(retryAfterS, retryAfter(res));
    }
    return retryAfterS > 0 ? { blocked: true, retryAfterS } : { blocked: false };
  }

  return {
    /** Whether this client may try a password now. */
    async check(email: string, ip: string): Promise<AttemptVerdict> {
      const [identity, address] = await Promise.all([read(byIdentity, identityKey(email, ip)), read(byIp, ip)]);
      return verdict([
        [identity, limits.maxFailuresPerIdentity],
        [address, limits.maxFailuresPerIp],
      ]);
    },

    /** Counts a failed login; blocked when it used up (or, in a race, overran) a limit. */
    async recordFailure(email: string, ip: string): Promise<AttemptVerdict> {
      const [identity, address] = await Promise.all([consume(byIdentity, identityKey(email, ip)), consume(byIp, ip)]);
      // Only an overrun blocks this attempt's answer; reaching the limit blocks the next one (through check).
      return verdict([
        [identity, limits.maxFailuresPerIdentity + 1],
        [address, limits.maxFailuresPerIp + 1],
      ]);
    },

    /** A successful login clears its identity's failures (the per-IP count stays). */
    async recordSuccess(email: string, ip: string): Promise<void> {
      try {
        await byIdentity.delete(identityKey(email, ip));
      } catch (error) {
        throw unavailable(error);
      }
    },
  };
}

export type LoginAttemptsRepository = ReturnType<typeof createLoginAttemptsRepository>;
