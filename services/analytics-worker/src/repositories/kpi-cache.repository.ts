// KPI cache in Redis: `analytics:metrics:<tenantId>:<kpi>`, each a JSON document that expires
// unless refreshed, in the cache Redis (REDIS_CACHE_URL); the lease that lets one replica compute
// per interval stays in the main Redis, where nothing evicts it.
import type { RedisClient } from "@fleet/service-kit";

export interface KpiCacheRepository {
  /** Stores each tenant's value of one KPI, with a lifetime in seconds. */
  save(kpi: string, values: { tenantId: string; value: unknown }[], ttlS: number): Promise<void>;
  /** True when this replica may compute now: one replica per interval does the work. */
  tryLead(holder: string, ttlMs: number): Promise<boolean>;
}

export function kpiCacheKey(tenantId: string, kpi: string): string {
  return `analytics:metrics:${tenantId}:${kpi}`;
}

const LEASE_KEY = "analytics:kpi-refresh-lease";

/** `redis`: the main Redis (the lease); `cacheRedis`: the cache Redis (the KPI documents), `redis` by default. */
export function createKpiCacheRepository(redis: RedisClient, cacheRedis: RedisClient = redis): KpiCacheRepository {
  return {
    async save(kpi, values, ttlS) {
      // One command per tenant, issued together (the client auto-pipelines them per node): a
      // pipeline object would need every tenant's key in one slot on a Redis Cluster.
      await Promise.all(values.map(({ tenantId, value }) => cacheRedis.set(kpiCacheKey(tenantId, kpi), JSON.stringify(value), "EX", ttlS)));
    },
    async tryLead(holder, ttlMs) {
      return (await redis.set(LEASE_KEY, holder, "PX", ttlMs, "NX")) === "OK";
    },
  };
}
