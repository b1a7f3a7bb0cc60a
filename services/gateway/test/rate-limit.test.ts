// The per-tenant rate limit over HTTP on real Redis, with tenant overrides
// read from real Postgres (tenants.settings).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import request from "supertest";
import { freePort, createTestRedis, type TestRedis } from "@fleet/testing";
import type { RedisClient } from "@fleet/service-kit";
import { createVerifiedTokensCache } from "../src/auth/verified-tokens.cache.js";
import { rateLimit, tenantFromBearer, type RateLimitOptions } from "../src/http/rate-limit.middleware.js";
import { startAccounts, type AccountsHarness, type SeededAccount } from "./accounts.harness.js";
import { tinyApp } from "./tiny-app.harness.js";
import { createSettingsRepository } from "../src/modules/settings/settings.repository.js";
import { createSettingsUseCases } from "../src/modules/settings/settings.use-case.js";

let h: AccountsHarness;
let redis: TestRedis;
let seq = 0;

beforeAll(async () => {
  [h, redis] = await Promise.all([startAccounts(), createTestRedis()]);
});

afterAll(async () => {
  await Promise.all([h?.close(), redis?.cleanup()]);
});

/** A tenant of its own per test (so counters never mix), with `settings`, and two of its users. */
async function tenant(settings: Record<string, unknown> = {}): Promise<[SeededAccount, SeededAccount]> {
  const slug = `shop-${++seq}`;
  const a = await h.seedUser({ tenant: slug, email: `a@${slug}.test`, role: "owner" });
  const b = await h.seedUser({ tenant: slug, email: `b@${slug}.test`, role: "agent" });
  await h.pool.query("UPDATE tenants SET settings = $2 WHERE id = $1", [a.tenantId, JSON.stringify(settings)]);
  return [a, b];
}

async function bearer(user: SeededAccount): Promise<string> {
  const { token } = await h.tokens.issueAccessToken({ userId: user.id, tenantId: user.tenantId, role: user.role });
  return `Bearer ${token}`;
}

function limitedApp(options: Partial<RateLimitOptions> & { store?: RedisClient } = {}) {
  return tinyApp((app, logger) => {
    app.use(
      "/api",
      rateLimit({
        redis: options.store ?? redis.redis,
        logger,
        tenantOf: tenantFromBearer(createVerifiedTokensCache(h.tokens)),
        // The settings read uncached here, so a document edited in the database applies at once.
        tenantLimit: (tenantId) => createSettingsUseCases({ settings: createSettingsRepository(h.pool), now: () => new Date() }).rateLimitPerMinute(tenantId),
        perTenantPerMinute: 3,
        perIpPerMinute: 2,
        ...options,
      }),
    );
    app.get("/api/ping", (_req, res) => {
      res.json({ ok: true });
    });
  });
}

let ipSeq = 0;
const nextIp = () => `198.51.100.${++ipSeq}`;

describe("rateLimit", () => {
  it("counts all users of a tenant together and answers the request over the limit with 429 RATE_LIMITED and Retry-After", async () => {
    const { app } = limitedApp();
    const [owner, agent] = await tenant();
    const ownerAuth = await bearer(owner);
    const agentAuth = await bearer(agent);
    for (const auth of [ownerAuth, agentAuth, ownerAuth]) {
      expect((await request(app).get("/api/ping").set("authorization", auth).set("x-forwarded-for", nextIp())).status).toBe(200);
    }
    const refused = await request(app).get("/api/ping").set("authorization", agentAuth).set("x-forwarded-for", nextIp());
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: { code: "RATE_LIMITED", message: expect.any(String), details: { retryAfterS: expect.any(Number), limit: 3 }, requestId: refused.headers["x-request-id"] },
    });
    const retryAfter = Number(refused.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers["ratelimit-remaining"]).toBe("0");
  });

  it("sends RateLimit-Limit, -Remaining and -Reset on successful answers too", async () => {
    const { app } = limitedApp();
    const [owner] = await tenant();
    const auth = await bearer(owner);
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await request(app).get("/api/ping").set("authorization", auth);
      expect(response.status).toBe(200);
      expect(response.headers["ratelimit-limit"]).toBe("3");
      expect(Number(response.headers["ratelimit-reset"])).toBeGreaterThan(0);
      expect(Number(response.headers["ratelimit-reset"])).toBeLessThanOrEqual(60);
      expect(response.headers["ratelimit-policy"]).toBe("3;w=60");
      expect(response.headers["retry-after"]).toBeUndefined();
      remaining.push(String(response.headers["ratelimit-remaining"]));
    }
    expect(remaining).toEqual(["2", "1", "0"]);
  });

  it("applies the tenant's settings.rateLimitPerMinute instead of the default", async () => {
    const { app } = limitedApp();
    const [owner] = await tenant({ rateLimitPerMinute: 5 });
    const auth = await bearer(owner);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await request(app).get("/api/ping").set("authorization", auth)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it("reads a tenant's limit once per cache period, then again after it", async () => {
    const clock = { now: Date.now() };
    const { app } = limitedApp({ limitCacheTtlMs: 60_000, now: () => clock.now });
    const [owner] = await tenant({ rateLimitPerMinute: 2 });
    const auth = await bearer(owner);
    expect((await request(app).get("/api/ping").set("authorization", auth)).headers["ratelimit-limit"]).toBe("2");

    await h.pool.query("UPDATE tenants SET settings = '{\"rateLimitPerMinute\": 50}' WHERE id = $1", [owner.tenantId]);
    expect((await request(app).get("/api/ping").set("authorization", auth)).headers["ratelimit-limit"]).toBe("2");

    clock.now += 61_000;
    const later = await request(app).get("/api/ping").set("authorization", auth);
    expect(later.status).toBe(200);
    expect(later.headers["ratelimit-limit"]).toBe("50");
  });

  it("applies the default when the tenant's setting is not a usable number", async () => {
    const { app } = limitedApp();
    const [owner] = await tenant({ rateLimitPerMinute: "lots" });
    expect((await request(app).get("/api/ping").set("authorization", await bearer(owner))).headers["ratelimit-limit"]).toBe("3");
  });

  it("applies the default, and logs it, when the tenant's limit cannot be read", async () => {
    const { app, logs } = limitedApp({ tenantLimit: () => Promise.reject(new Error("connection refused")) });
    const [owner] = await tenant({ rateLimitPerMinute: 50 });
    const response = await request(app).get("/api/ping").set("authorization", await bearer(owner));
    expect(response.status).toBe(200);
    expect(response.headers["ratelimit-limit"]).toBe("3");
    expect(logs.some((line) => String(line.message).includes("tenant limit unreadable"))).toBe(true);
  });

  it("limits one tenant without slowing another", async () => {
    const { app } = limitedApp();
    const [busy] = await tenant();
    const [quiet] = await tenant();
    const busyAuth = await bearer(busy);
    for (let i = 0; i < 4; i++) await request(app).get("/api/ping").set("authorization", busyAuth);
    expect((await request(app).get("/api/ping").set("authorization", busyAuth)).status).toBe(429);
    const other = await request(app).get("/api/ping").set("authorization", await bearer(quiet));
    expect(other.status).toBe(200);
    expect(other.headers["ratelimit-remaining"]).toBe("2");
  });

  it("counts requests without a tenant per client IP, with the per-IP limit", async () => {
    const { app } = limitedApp();
    const ip = nextIp();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(app).get("/api/ping").set("x-forwarded-for", ip)).status);
    expect(statuses).toEqual([200, 200, 429]);
    const elsewhere = await request(app).get("/api/ping").set("x-forwarded-for", nextIp());
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.headers["ratelimit-limit"]).toBe("2");
  });

  it("counts a request with a forged or expired token per IP, never against the tenant it names", async () => {
    const { app } = limitedApp();
    const [victim] = await tenant();
    const forged = await h.tokens.issueAccessToken({ userId: victim.id, tenantId: victim.tenantId, role: "owner" });
    const tampered = `Bearer ${forged.token.slice(0, -4)}AAAA`;
    const ip = nextIp();
    for (let i = 0; i < 3; i++) await request(app).get("/api/ping").set("authorization", tampered).set("x-forwarded-for", ip);
    const response = await request(app).get("/api/ping").set("authorization", await bearer(victim));
    expect(response.status).toBe(200);
    expect(response.headers["ratelimit-remaining"]).toBe("2");
  });

  it("keeps serving when Redis is down, counting in this replica's memory, and logs a warning", async () => {
    const gone = new Redis(`redis://127.0.0.1:${await freePort()}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      const { app, logs } = limitedApp({ store: gone });
      const [owner] = await tenant();
      const auth = await bearer(owner);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await request(app).get("/api/ping").set("authorization", auth)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const warnings = logs.filter((line) => line.level === "warn" && String(line.message).includes("Redis unavailable"));
      // Throttled: one warning for the burst, not one per request.
      expect(warnings).toHaveLength(1);
    } finally {
      gone.disconnect();
    }
  });

  it("keeps its counters in Redis under the gateway's key prefix, per tenant id and per IP", async () => {
    const { app } = limitedApp();
    const [owner] = await tenant();
    await request(app).get("/api/ping").set("authorization", await bearer(owner));
    await request(app).get("/api/ping").set("x-forwarded-for", "203.0.113.77");
    const raw = new Redis(redis.url);
    try {
      expect(await raw.exists(`${redis.prefix}gateway:rate:tenant:${owner.tenantId}`)).toBe(1);
      expect(await raw.exists(`${redis.prefix}gateway:rate:ip:203.0.113.77`)).toBe(1);
      expect(await raw.pttl(`${redis.prefix}gateway:rate:tenant:${owner.tenantId}`)).toBeLessThanOrEqual(60_000);
    } finally {
      raw.disconnect();
    }
  });
});

describe("rateLimit on busy tenants", () => {
  it("reserves points from Redis in batches (1 % of the limit), so most requests cost no round trip, and counts each one in its headers", async () => {
    const { app } = limitedApp({ perTenantPerMinute: 5_000 });
    const [owner] = await tenant();
    const auth = await bearer(owner);
    const remaining: number[] = [];
    for (let i = 0; i < 30; i++) remaining.push(Number((await request(app).get("/api/ping").set("authorization", auth)).headers["ratelimit-remaining"]));
    expect(remaining).toEqual(Array.from({ length: 30 }, (_, i) => 5_000 - i - 1));
    const raw = new Redis(redis.url);
    try {
      // Batches of 50: one reservation served all 30 requests.
      expect(await raw.get(`${redis.prefix}gateway:rate:tenant:${owner.tenantId}`)).toBe("50");
    } finally {
      raw.disconnect();
    }
  });

  it("shares one limit between replicas: at most the limit is served, and at most a batch per replica is refused early", async () => {
    const first = limitedApp({ perTenantPerMinute: 300 }).app;
    const second = limitedApp({ perTenantPerMinute: 300 }).app;
    const [owner] = await tenant();
    const auth = await bearer(owner);
    let served = 0;
    for (let i = 0; i < 340; i++) {
      const response = await request(i % 2 === 0 ? first : second).get("/api/ping").set("authorization", auth);
      if (response.status === 200) served++;
      else expect(response.status).toBe(429);
    }
    // Batch of 3 per replica: the unspent part of each replica's last batch may be lost to the other.
    expect(served).toBeLessThanOrEqual(300);
    expect(served).toBeGreaterThanOrEqual(300 - 2 * 3);
  });

  it("lets concurrent requests share one reservation instead of each asking Redis", async () => {
    const { app } = limitedApp({ perTenantPerMinute: 10_000 });
    const [owner] = await tenant();
    const auth = await bearer(owner);
    const answers = await Promise.all(Array.from({ length: 40 }, () => request(app).get("/api/ping").set("authorization", auth)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const remaining = answers.map((a) => Number(a.headers["ratelimit-remaining"])).sort((x, y) => y - x);
    expect(remaining).toEqual(Array.from({ length: 40 }, (_, i) => 10_000 - i - 1));
    const raw = new Redis(redis.url);
    try {
      expect(await raw.get(`${redis.prefix}gateway:rate:tenant:${owner.tenantId}`)).toBe("100");
    } finally {
      raw.disconnect();
    }
  });
});

describe("tenantFromBearer", () => {
  it("names the tenant of a valid access token and nothing for a missing, malformed or forged one", async () => {
    const [owner] = await tenant();
    const { app } = tinyApp((app) => {
      const tenantOf = tenantFromBearer(createVerifiedTokensCache(h.tokens));
      app.get("/who", async (req, res) => {
        const tenantId = tenantOf(req);
        res.json({ tenantId: await tenantId, immediate: !(tenantId instanceof Promise) });
      });
    });
    const { token } = await h.tokens.issueAccessToken({ userId: owner.id, tenantId: owner.tenantId, role: "owner" });
    const who = async (authorization?: string) => {
      const call = request(app).get("/who");
      return (await (authorization ? call.set("authorization", authorization) : call)).body as { tenantId: string | null; immediate: boolean };
    };
    expect(await who(`Bearer ${token}`)).toEqual({ tenantId: owner.tenantId, immediate: false });
    // Verified once, the same token names its tenant without waiting.
    expect(await who(`Bearer ${token}`)).toEqual({ tenantId: owner.tenantId, immediate: true });
    expect(await who()).toEqual({ tenantId: null, immediate: true });
    expect(await who("Basic abc")).toEqual({ tenantId: null, immediate: true });
    expect(await who(`Bearer ${token}x`)).toEqual({ tenantId: null, immediate: false });
  });
});
