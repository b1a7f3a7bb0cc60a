// Reads of the catalogue cached in Redis, shared by every gateway replica: one hash per tenant
// (product lists, single products, shopper searches), dropped whole on any write to that tenant's
// catalogue, so no replica serves a product as it was before a change. A read racing a write may
// store the old answer again; the short TTL bounds that.
//
// Redis stays the only source of truth: every read asks it. What a replica keeps in memory is only
// the work done on an entry's text — parsed and validated once, serialised once for the API — and
// is used while Redis answers the very same text; any other text (a write dropped the entry and
// another replica filled it again) is parsed afresh. So a busy list costs one HGET, not a JSON
// parse, a zod validation and a JSON serialisation of the whole page on every request.
import { LRUCache } from "lru-cache";
import type { z } from "zod";
import type { Logger, RedisClient } from "@fleet/service-kit";
import { JsonText } from "../../http/json-text.js";

const TTL_SECONDS = 60;
/**
 * Parsed entries kept per kind of read, and their largest total size in characters of stored text
 * (held about three times over: as stored, parsed, and serialised for the API).
 */
const MAX_PARSED_ENTRIES = 2000;
const MAX_PARSED_CHARS = 4_000_000;

/** Cached reads of one kind of value (one schema). */
export interface CachedReads<T> {
  /** The cached value of `field`, or `load()` stored under it. Shared between requests: never change it. */
  read(tenantId: string, field: string, load: () => Promise<T>): Promise<T>;
  /** The same read, as the JSON the API answers. */
  readJson(tenantId: string, field: string, load: () => Promise<T>): Promise<JsonText>;
}

export interface CatalogueCache {
  /** Reads whose values `schema` validates when they come back from Redis. */
  reads<T>(schema: z.ZodType<T>): CachedReads<T>;
  /** Drops every cached read of the tenant. */
  invalidate(tenantId: string): Promise<void>;
}

/** An entry's stored text, the value it parsed to, and that value serialised for the API once asked. */
interface Parsed<T> {
  raw: string;
  value: T;
  json?: JsonText;
}

export function createCatalogueCache({ redis, logger }: { redis: RedisClient; logger: Logger }): CatalogueCache {
  const keyOf = (tenantId: string) => `catalogue:${tenantId}`;
  const warn = (what: string) => (error: unknown) => {
    logger.warn(what, { error: error instanceof Error ? error.message : String(error) });
    return null;
  };

  function reads<T>(schema: z.ZodType<T>): CachedReads<T> {
    const parsed = new LRUCache<string, Parsed<T>>({ max: MAX_PARSED_ENTRIES, maxSize: MAX_PARSED_CHARS, sizeCalculation: (entry) => Math.max(1, entry.raw.length) });

    /** The entry Redis holds for `field`, parsed (once per distinct text); null on a miss or an unreadable entry. */
    async function cached(tenantId: string, field: string): Promise<Parsed<T> | null> {
      const raw = await redis.hget(keyOf(tenantId), field).catch(warn("catalogue cache not read"));
      if (raw === null) return null;
      const memoKey = `${tenantId}|${field}`;
      const known = parsed.get(memoKey);
      if (known?.raw === raw) return known;
      const result = schema.safeParse(safeJson(raw));
      if (!result.success) return null;
      const entry: Parsed<T> = { raw, value: deepFreeze(result.data) };
      parsed.set(memoKey, entry);
      return entry;
    }

    async function fill(tenantId: string, field: string, load: () => Promise<T>): Promise<T> {
      const value = await load();
      await redis
        .multi()
        .hset(keyOf(tenantId), field, JSON.stringify(value))
        .expire(keyOf(tenantId), TTL_SECONDS)
        .exec()
        .catch(warn("catalogue cache not written"));
      return value;
    }

    return {
      async read(tenantId, field, load) {
        const entry = await cached(tenantId, field);
        return entry ? entry.value : fill(tenantId, field, load);
      },
      async readJson(tenantId, field, load) {
        const entry = await cached(tenantId, field);
        if (!entry) return JsonText.of(await fill(tenantId, field, load));
        entry.json ??= JsonText.of(entry.value);
        return entry.json;
      },
    };
  }

  return {
    reads,
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

/** A value shared by every request that reads the entry: frozen, so a change by mistake throws instead of leaking into other answers. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
