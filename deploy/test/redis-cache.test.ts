// The cache Redis (REDIS_CACHE_URL) on two real redis-servers: the built gateway and analytics
// worker run with a main and a cache Redis; a catalogue read fills the cache server, the KPI
// refresh writes its documents there, and everything else — the events stream, the rollups, rate
// limits, leases — stays in the main server, which the cache server never holds a key of.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { createRedisClient, type RedisClient } from "@fleet/service-kit";
import { createTestDatabase, memoryLogger, startRedisServer, startServiceProcess, type PrivateRedis, type ServiceProcess, type TestDatabase } from "@fleet/testing";
import { configSchema as analyticsConfig } from "../../services/analytics-worker/src/config.js";
import { ROLLUPS_GROUP } from "../../services/analytics-worker/src/consumers/rollups.consumer.js";
import { createKpiCacheRepository } from "../../services/analytics-worker/src/repositories/kpi-cache.repository.js";
import { createRefreshKpis } from "../../services/analytics-worker/src/use-cases/refresh-kpis.use-case.js";
import { configSchema as gatewayConfig } from "../../services/gateway/src/config.js";
import { repoPath } from "./support.js";

const PREFIX = "fleet:";

async function keysOf(redis: RedisClient): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "COUNT", 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  return keys.sort();
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function call(base: string, path: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? "GET",
    headers: { "content-type": "application/json", ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("REDIS_CACHE_URL", () => {
  it("is optional in the gateway and the worker (REDIS_URL then), and must be a Redis URL when set", () => {
    for (const schema of [gatewayConfig, analyticsConfig]) {
      expect(schema.shape.REDIS_CACHE_URL.safeParse(undefined)).toEqual({ success: true, data: undefined });
      expect(schema.shape.REDIS_CACHE_URL.safeParse("redis://127.0.0.1:6380").success).toBe(true);
      expect(schema.shape.REDIS_CACHE_URL.safeParse("redis-cluster://10.0.0.1:7000,10.0.0.2:7000").success).toBe(true);
      expect(schema.shape.REDIS_CACHE_URL.safeParse("http://127.0.0.1:6380").success).toBe(false);
    }
  });
});

describe("a main and a cache Redis under the built gateway and analytics worker", () => {
  const { logger } = memoryLogger("redis-cache-test");
  let database: TestDatabase;
  let main: PrivateRedis;
  let cache: PrivateRedis;
  let mainClient: RedisClient;
  let cacheClient: RedisClient;
  let gateway: ServiceProcess | undefined;
  let worker: ServiceProcess | undefined;

  beforeAll(async () => {
    [database, main, cache] = await Promise.all([createTestDatabase(), startRedisServer(), startRedisServer()]);
    // Raw views of both servers (no prefix), to list every key.
    mainClient = createRedisClient({ url: main.url, keyPrefix: "", logger, name: "test-main" });
    cacheClient = createRedisClient({ url: cache.url, keyPrefix: "", logger, name: "test-cache" });
    const redisEnv = { REDIS_URL: main.url, REDIS_CACHE_URL: cache.url, REDIS_KEY_PREFIX: PREFIX };
    [gateway, worker] = await Promise.all([
      startServiceProcess(repoPath("services/gateway/dist/main.js"), { ...redisEnv, DATABASE_URL: database.url, JWT_SECRET: randomBytes(32).toString("hex"), GRPC_DEADLINE_MS: "500" }),
      startServiceProcess(repoPath("services/analytics-worker/dist/main.js"), { ...redisEnv, ROLLUPS_BLOCK_MS: "100" }),
    ]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([gateway?.stop("SIGKILL"), worker?.stop("SIGKILL")]);
    mainClient?.disconnect();
    if (cacheClient && cacheClient.status !== "end") cacheClient.disconnect();
    await Promise.all([main?.destroy(), cache?.destroy(), database?.drop()]);
  });

  it("keeps only the read caches (catalogue, customers) and the KPI documents in the cache server; streams, rollups, limits and leases in the main one", async () => {
    if (!gateway || !worker) throw new Error("services not started");
    const registered = await call(gateway.httpUrl, "/api/auth/register", {
      method: "POST",
      body: { tenantName: "Cache Shop", tenantSlug: `cache-${randomBytes(3).toString("hex")}`, email: "owner@cache.example", password: "a-long-Passphrase-42!" },
    });
    expect(registered.status).toBe(201);
    const token = String(registered.body.accessToken);
    const tenantId = String((registered.body.tenant as { id: string }).id);

    // Stock under its minimum: the creation also appends stock.low to the events stream.
    const created = await call(gateway.httpUrl, "/api/products", { method: "POST", token, body: { sku: "CACHE-1", name: "Cached ring", priceMinor: 1000, stock: 1, stockMin: 5 } });
    expect(created.status).toBe(201);
    // A miss that fills the cache, then a hit; the same for customers.
    for (let i = 0; i < 2; i++) expect((await call(gateway.httpUrl, "/api/products", { token })).status).toBe(200);
    expect((await call(gateway.httpUrl, "/api/customers", { method: "POST", token, body: { name: "Cached customer" } })).status).toBe(201);
    for (let i = 0; i < 2; i++) expect((await call(gateway.httpUrl, "/api/customers", { token })).status).toBe(200);

    // The worker folded the stream's entries into its rollups (in the main Redis).
    const folded = await eventually(
      async () => {
        const groups = (await mainClient.xinfo("GROUPS", `${PREFIX}events`).catch(() => [])) as unknown[][];
        const group = groups.find((fields) => fields[fields.indexOf("name") + 1] === ROLLUPS_GROUP);
        return group ? { read: Number(group[group.indexOf("entries-read") + 1]), pending: Number(group[group.indexOf("pending") + 1]) } : null;
      },
      (state) => state !== null && state.read >= 1 && state.pending === 0,
    );
    expect(folded).toEqual({ read: expect.any(Number), pending: 0 });

    // The worker's KPI refresh, as main.ts wires it: the documents in the cache Redis, the lease in
    // the main one. Its MongoDB source has no server here; its rows stand in for it.
    const prefixedMain = createRedisClient({ url: main.url, keyPrefix: PREFIX, logger, name: "test-worker-main" });
    const prefixedCache = createRedisClient({ url: cache.url, keyPrefix: PREFIX, logger, name: "test-worker-cache" });
    try {
      const refresh = createRefreshKpis({
        kpis: { messagesPerTenant: async () => [{ tenantId, messages: 3, received: 2, sent: 1 }] },
        cache: createKpiCacheRepository(prefixedMain, prefixedCache),
        ttlS: 900,
        holder: "test",
        leaseMs: 60_000,
      });
      expect(await refresh()).toEqual({ refreshed: true, tenants: 1 });
    } finally {
      prefixedMain.disconnect();
      prefixedCache.disconnect();
    }

    // The catalogue's and the customers' entries and version stamps (if the cache server evicts a stamp, a new one is drawn and the entries are read again).
    expect(await keysOf(cacheClient)).toEqual([
      `${PREFIX}analytics:metrics:${tenantId}:messages_24h`,
      `${PREFIX}catalogue:${tenantId}`,
      `${PREFIX}catalogue:${tenantId}:version`,
      `${PREFIX}customers:${tenantId}`,
      `${PREFIX}customers:${tenantId}:version`,
    ]);
    expect(await cacheClient.hlen(`${PREFIX}catalogue:${tenantId}`)).toBeGreaterThan(0);
    expect(await cacheClient.hlen(`${PREFIX}customers:${tenantId}`)).toBeGreaterThan(0);

    const mainKeys = await keysOf(mainClient);
    expect(mainKeys.filter((key) => ["catalogue:", "customers:", "orders:", "sellers:", "analytics:metrics:"].some((part) => key.startsWith(`${PREFIX}${part}`)))).toEqual([]);
    expect(mainKeys).toEqual(expect.arrayContaining([`${PREFIX}events`, `${PREFIX}analytics:kpi-refresh-lease`]));
    expect(await mainClient.type(`${PREFIX}events`)).toBe("stream");
    expect(await mainClient.xlen(`${PREFIX}events`)).toBeGreaterThan(0);
    expect(mainKeys.some((key) => key.startsWith(`${PREFIX}gateway:rate`))).toBe(true);
    expect(mainKeys.some((key) => key.startsWith(`${PREFIX}analytics:{${tenantId}}:`))).toBe(true);

    // A write drops the tenant's entry from the cache server.
    const productId = String(created.body.id);
    expect((await call(gateway.httpUrl, `/api/products/${productId}`, { method: "PATCH", token, body: { name: "Renamed ring" } })).status).toBe(200);
    expect(await cacheClient.exists(`${PREFIX}catalogue:${tenantId}`)).toBe(0);

    // The cache server gone: reads come from Postgres, and the gateway stays ready (a cache is not a dependency).
    await cacheClient.quit();
    await cache.stop();
    const page = await call(gateway.httpUrl, "/api/products", { token });
    expect(page.status).toBe(200);
    expect((page.body.items as { name: string }[]).map((item) => item.name)).toEqual(["Renamed ring"]);
    expect((await call(gateway.httpUrl, "/health")).status).toBe(200);
    expect((await call(worker.httpUrl, "/health")).status).toBe(200);
    // And a graceful stop does not hang on the missing server.
    expect(await gateway.stop("SIGTERM")).toBe(0);
  }, 30_000);
});
