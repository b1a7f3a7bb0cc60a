// Requests per minute, per tenant: every user of a shop shares the shop's
// budget (RATE_LIMIT_PER_MINUTE, or the tenant's settings.rateLimitPerMinute),
// so one busy shop cannot starve the others. Requests without an
// authenticated tenant (sign-in, registration, refresh) count per client IP.
// Counters are fixed one-minute windows in Redis (rate-limiter-flexible, keys
// under the gateway's prefix), shared by all replicas. Every answer carries
// RateLimit-Limit / -Remaining / -Reset (IETF draft); a refused one is 429
// RATE_LIMITED with Retry-After.
//
// Each replica reserves points from the shared counter in small batches (at
// most 1 % of the limit, so at 100/min every request still counts in Redis)
// and spends them from memory: a busy tenant costs one Redis round trip per
// batch instead of one per request. The shared count can run ahead of the
// requests really served by the unspent part of each replica's batch, so a
// tenant may be refused up to replicas × 1 % of its limit early; never late.
//
// When Redis cannot count, requests are counted in this process's memory
// instead (the same limits, per replica) and a warning is logged. Failing
// open, unlike the login limiter: that one guards passwords against guessing,
// where letting attempts through unthrottled is the risk; this one shares
// capacity fairly, and refusing every request would turn a Redis outage into
// an outage of the whole dashboard, including endpoints that never touch
// Redis. Per-replica counting still stops a runaway client.
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from "rate-limiter-flexible";
import { AppError, type Logger, type RedisClient } from "@fleet/service-kit";
import type { VerifiedTokens } from "../auth/verified-tokens.cache.js";
import { bearerToken } from "./auth.middleware.js";

const WINDOW_SECONDS = 60;
/**
 * The stores count without a ceiling of their own (they never refuse): the
 * limit differs per tenant and can change at any time, so the middleware
 * compares the count with the limit itself.
 */
const UNCAPPED = 1_000_000_000;
const DEFAULT_LIMIT_CACHE_TTL_MS = 60_000;
const MAX_CACHED_TENANTS = 10_000;
const WARN_EVERY_MS = 10_000;
/** Largest share of a limit one replica reserves at once, and the largest batch. */
const BATCH_SHARE = 0.01;
const MAX_BATCH = 100;
const MAX_ALLOWANCES = 10_000;

export interface RateLimitOptions {
  redis: RedisClient;
  logger: Pick<Logger, "warn">;
  /** The tenant a request counts against; null when there is no authenticated tenant (then the client IP counts). */
  tenantOf(req: Request): string | null | Promise<string | null>;
  /** The tenant's own limit per minute (settings.rateLimitPerMinute); undefined: the default applies. */
  tenantLimit(tenantId: string): Promise<number | undefined>;
  /** RATE_LIMIT_PER_MINUTE: requests per minute per tenant. */
  perTenantPerMinute: number;
  /** RATE_LIMIT_PER_IP_PER_MINUTE: requests per minute per client IP without a tenant. */
  perIpPerMinute: number;
  /** How long a tenant's limit is remembered before it is read again (milliseconds). */
  limitCacheTtlMs?: number;
  now?: () => number;
}

/** Points this replica reserved from the shared counter and has not spent yet. */
interface Allowance {
  /** The shared count right after the reservation (this batch included). */
  countedAfter: number;
  left: number;
  resetAt: number;
}

/** What one request counts as: its position in the window, and when the window ends. */
interface Counted {
  consumed: number;
  msBeforeNext: number;
}

interface CachedLimit {
  limit: Promise<number>;
  /** The limit once read. */
  value?: number;
  expiresAt: number;
}

function setHeaders(res: Response, limit: number, counted: Counted): { remaining: number; resetS: number } {
  const remaining = Math.max(0, limit - counted.consumed);
  const resetS = Math.max(1, Math.ceil(counted.msBeforeNext / 1000));
  res.setHeader("ratelimit-limit", String(limit));
  res.setHeader("ratelimit-remaining", String(remaining));
  res.setHeader("ratelimit-reset", String(resetS));
  res.setHeader("ratelimit-policy", `${limit};w=${WINDOW_SECONDS}`);
  return { remaining, resetS };
}

export function rateLimit(options: RateLimitOptions): RequestHandler {
  const { redis, logger, tenantOf, tenantLimit, perTenantPerMinute, perIpPerMinute, limitCacheTtlMs = DEFAULT_LIMIT_CACHE_TTL_MS, now = Date.now } = options;
  const common = { points: UNCAPPED, duration: WINDOW_SECONDS, keyPrefix: "gateway:rate" };
  // rejectIfRedisNotReady: with Redis down, fail over at once instead of queueing commands until a timeout.
  const shared = new RateLimiterRedis({ ...common, storeClient: redis, rejectIfRedisNotReady: true });
  const local = new RateLimiterMemory(common);
  const limits = new Map<string, CachedLimit>();
  const allowances = new Map<string, Allowance>();
  const reserving = new Map<string, Promise<void>>();
  let lastWarned = 0;

  function warn(message: string, error: unknown): void {
    const at = now();
    if (at - lastWarned < WARN_EVERY_MS) return;
    lastWarned = at;
    logger.warn(message, { error: error instanceof Error ? error.message : String(error) });
  }

  async function reserve(key: string, limit: number): Promise<void> {
    const batch = Math.max(1, Math.min(MAX_BATCH, Math.floor(limit * BATCH_SHARE)));
    let counted: RateLimiterRes;
    try {
      counted = await shared.consume(key, batch);
    } catch (error) {
      warn("rate limiter: Redis unavailable, counting in memory on this replica", error);
      counted = await local.consume(key, batch);
    }
    if (allowances.size >= MAX_ALLOWANCES && !allowances.has(key)) {
      // Forgetting an allowance only forgets points already counted: it can refuse early, never late.
      const oldest = allowances.keys().next();
      if (!oldest.done) allowances.delete(oldest.value);
    }
    allowances.set(key, { countedAfter: counted.consumedPoints, left: batch, resetAt: now() + counted.msBeforeNext });
  }

  /** Spends one point of this replica's allowance for `key` when it has one left in the current window (no waiting). */
  function spend(key: string, reserved = false): Counted | null {
    const allowance = allowances.get(key);
    const at = now();
    // Right after a reservation its points are spent even if the window just ended (no spinning on a window's edge).
    if (!allowance || !(reserved || allowance.resetAt > at) || allowance.left <= 0) return null;
    allowance.left--;
    return { consumed: allowance.countedAfter - allowance.left, msBeforeNext: Math.max(0, allowance.resetAt - at) };
  }

  /** Spends one point, reserving a new batch when the allowance is spent or its window ended. */
  async function count(key: string, limit: number): Promise<Counted> {
    for (let reserved = false; ; reserved = true) {
      const counted = spend(key, reserved);
      if (counted) return counted;
      // Requests arriving together share one reservation; whoever finds it spent reserves the next.
      let pending = reserving.get(key);
      if (!pending) {
        pending = reserve(key, limit).finally(() => reserving.delete(key));
        reserving.set(key, pending);
      }
      await pending;
    }
  }

  async function readLimit(tenantId: string): Promise<number> {
    try {
      return (await tenantLimit(tenantId)) ?? perTenantPerMinute;
    } catch (error) {
      warn("rate limiter: tenant limit unreadable, using the default", error);
      limits.delete(tenantId);
      return perTenantPerMinute;
    }
  }

  /** The tenant's limit, read at most once per TTL (one read in flight shared by concurrent requests). */
  function limitOf(tenantId: string): CachedLimit {
    const at = now();
    const cached = limits.get(tenantId);
    if (cached && cached.expiresAt > at) return cached;
    limits.delete(tenantId);
    if (limits.size >= MAX_CACHED_TENANTS) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      const oldest = limits.keys().next();
      if (!oldest.done) limits.delete(oldest.value);
    }
    const entry: CachedLimit = { limit: readLimit(tenantId), expiresAt: at + limitCacheTtlMs };
    void entry.limit.then((value) => (entry.value = value));
    limits.set(tenantId, entry);
    return entry;
  }

  /** The answer's RateLimit headers; then the request goes on, or is refused. */
  function decide(res: Response, limit: number, counted: Counted, next: NextFunction): void {
    const { resetS } = setHeaders(res, limit, counted);
    if (counted.consumed > limit) {
      res.setHeader("retry-after", String(resetS));
      next(new AppError("rate_limited", "RATE_LIMITED", "Too many requests; slow down and try again later", { details: { retryAfterS: resetS, limit } }));
      return;
    }
    next();
  }

  const keyOf = (req: Request, tenantId: string | null) => (tenantId ? `tenant:${tenantId}` : `ip:${req.ip ?? req.socket.remoteAddress ?? "unknown"}`);

  async function waitAndDecide(req: Request, res: Response, next: NextFunction): Promise<void> {
    const tenantId = await tenantOf(req);
    const limit = tenantId ? await limitOf(tenantId).limit : perIpPerMinute;
    decide(res, limit, await count(keyOf(req, tenantId), limit), next);
  }

  // Most requests are decided from memory (a token already verified, a limit already read,
  // points left in the allowance) without waiting for anything; the others wait for what they need.
  return (req, res, next) => {
    const tenantId = tenantOf(req);
    if (!(tenantId instanceof Promise)) {
      const limit = tenantId ? limitOf(tenantId).value : perIpPerMinute;
      const counted = limit === undefined ? null : spend(keyOf(req, tenantId));
      if (limit !== undefined && counted) {
        decide(res, limit, counted, next);
        return;
      }
    }
    waitAndDecide(req, res, next).catch(next);
  };
}

/**
 * `tenantOf` for a limiter mounted before the routes authenticate: the tenant
 * of a valid bearer access token (signature and expiry checked, no database
 * read), null otherwise — a request with a bad token then counts per IP and
 * its route answers 401 as usual. A token verified moments ago answers at once.
 */
export function tenantFromBearer(tokens: VerifiedTokens): (req: Request) => string | null | Promise<string | null> {
  return (req) => {
    const token = bearerToken(req);
    if (!token) return null;
    const known = tokens.known(token);
    if (known) return known.tenantId;
    return tokens.verifyAccessToken(token).then(
      (claims) => claims.tenantId,
      () => null,
    );
  };
}
