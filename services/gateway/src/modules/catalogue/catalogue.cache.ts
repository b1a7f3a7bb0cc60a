// Reads of the catalogue cached in Redis, shared by every gateway replica: one hash per tenant
// (product lists, single products, shopper searches), dropped whole on any write to that tenant's
// catalogue, so no replica serves a product as it was before a change. A read racing a write may
// store the old answer again; the short TTL bounds that.
import type { z } from "zod";
import type { Logger, RedisClient } from "@fleet/service-kit";

const TTL_SECONDS = 60;

export interface CatalogueCache {
  /** The cached value of `field`, or `load()` stored under it. */
  read<T>(tenantId: string, field: string, schema: z.ZodType<T>, load: () => Promise<T>): Promise<T>;
  /** Drops every cached read of the tenant. */
  invalidate(tenantId: string): Promise<void>;
}

export function createCatalogueCache({ redis, logger }: { redis: RedisClient; logger: Logger }): CatalogueCache {
  const keyOf = (tenantId: string) => `catalogue:${tenantId}`;
  const warn = (what: string) => (error: unknown) => {
    logger.warn(what, { error: error instanceof Error ? error.message : String(error) });
    return null;
  };
  return {
    async read(tenantId, field, schema, load) {
      const raw = await redis.hget(keyOf(tenantId), field).catch(warn("catalogue cache not read"));
      if (raw !== null) {
        const cached = schema.safeParse(safeJson(raw));
        if (cached.success) return cached.data;
      }
      const value = await load();
      await redis
        .multi()
        .hset(keyOf(tenantId), field, JSON.stringify(value))
        .expire(keyOf(tenantId), TTL_SECONDS)
        .exec()
        .catch(warn("catalogue cache not written"));
      return value;
    },
    async invalidate(tenantId) {
      await redis.del(keyOf(tenantId)).catch(warn("catalogue cache not invalidated"));
    },
  };
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
