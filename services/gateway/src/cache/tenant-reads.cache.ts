// Reads of one part of every tenant's data (catalogue, customers, orders, sellers) cached in
// Redis and shared by every gateway replica: one hash per tenant and part (`<part>:<tenant>`) and a
// version stamp per tenant and part, replaced on any write to that part. Entries are stored under
// the version they were read at, so a read that raced a write (loaded before it, stored after it)
// is filed under the old version and never served again, and no replica serves data as it was
// before a change. A write invalidates after its transaction committed, and before it tells anyone
// (events, WebSocket), so whoever reads on the news reads the change.
//
// Redis stays the judge of freshness: every read asks it for the tenant's version. What a replica
// keeps in memory is an entry's value (parsed and validated once) and its JSON, encoded once, for
// the version it belongs to; while the version stands, a busy list costs one GET of a short stamp —
// not a transfer of the whole page, a JSON parse, a validation and a serialisation every time.
// When Redis cannot answer, reads go to Postgres and a warning is logged.
import { randomUUID } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { z } from "zod";
import type { Logger, RedisClient } from "@fleet/service-kit";
import { JsonText } from "../http/json-text.js";

const TTL_SECONDS = 60;
/**
 * Entries kept in memory per kind of read, and their largest total size in characters of JSON
 * (held twice over: parsed, and encoded for the API).
 */
const MAX_KNOWN_ENTRIES = 2000;
const MAX_KNOWN_CHARS = 4_000_000;

/** Cached reads of one kind of value (one schema). */
export interface CachedReads<T> {
  /** The cached value of `field`, or `load()` stored under it. Shared between requests: never change it. */
  read(tenantId: string, field: string, load: () => Promise<T>): Promise<T>;
  /** The same read, as the JSON the API answers. */
  readJson(tenantId: string, field: string, load: () => Promise<T>): Promise<JsonText>;
}

export interface TenantReadsCache {
  /** Reads whose values `schema` validates when they come back from Redis. */
  reads<T>(schema: z.ZodType<T>): CachedReads<T>;
  /** Drops every cached read of the tenant's part. */
  invalidate(tenantId: string): Promise<void>;
}

/** An entry's value, the version it belongs to, and that value serialised for the API once asked. */
interface Known<T> {
  version: string | null;
  value: T;
  json?: JsonText;
  /** Characters of JSON, for the memory bound. */
  size: number;
}

/** The cache of one part of every tenant's data; `part` names its keys and its log lines. */
export function createTenantReadsCache({ redis, logger, part }: { redis: RedisClient; logger: Logger; part: string }): TenantReadsCache {
  const entriesKey = (tenantId: string) => `${part}:${tenantId}`;
  const versionKey = (tenantId: string) => `${part}:${tenantId}:version`;
  const warn = (what: string) => (error: unknown) => {
    logger.warn(`${part} ${what}`, { error: error instanceof Error ? error.message : String(error) });
    return null;
  };

  /**
   * The tenant's catalogue version; a stamp of its own is set the first time (never a counter from
   * zero, which after a Redis restart could count up to a stamp some replica still holds). Null when
   * Redis cannot answer.
   */
  async function readVersion(tenantId: string): Promise<string | null> {
    try {
      const version = await redis.get(versionKey(tenantId));
      if (version !== null) return version;
      const fresh = randomUUID();
      return (await redis.set(versionKey(tenantId), fresh, "NX", "GET")) ?? fresh;
    } catch (error) {
      return warn("cache version not read")(error);
    }
  }

  const versionReads = new Map<string, Promise<string | null>>();

  /**
   * `readVersion`, shared by the reads of a tenant that arrive in the same turn of the event loop:
   * one GET, sent once the turn is over — after every one of those requests arrived, so each still
   * sees any write that finished before it came in. Under load that is one GET for many reads.
   */
  function versionOf(tenantId: string): Promise<string | null> {
    const pending = versionReads.get(tenantId);
    if (pending) return pending;
    const read = new Promise<string | null>((resolve) => {
      setImmediate(() => {
        versionReads.delete(tenantId);
        resolve(readVersion(tenantId));
      });
    });
    versionReads.set(tenantId, read);
    return read;
  }

  function reads<T>(schema: z.ZodType<T>): CachedReads<T> {
    const known = new LRUCache<string, Known<T>>({ max: MAX_KNOWN_ENTRIES, maxSize: MAX_KNOWN_CHARS, sizeCalculation: (entry) => Math.max(1, entry.size), ttl: TTL_SECONDS * 1000 });

    /** The entry for `field` at the tenant's current version: from memory, from Redis, or loaded and stored. */
    async function entryOf(tenantId: string, field: string, load: () => Promise<T>): Promise<Known<T>> {
      const version = await versionOf(tenantId);
      if (version === null) return knownOf(null, await load(), 0);
      const memoKey = `${tenantId}|${field}`;
      const remembered = known.get(memoKey);
      if (remembered?.version === version) return remembered;
      const stored = `${version}|${field}`;
      const raw = await redis.hget(entriesKey(tenantId), stored).catch(warn("cache not read"));
      const parsed = raw === null ? null : schema.safeParse(safeJson(raw));
      if (raw !== null && parsed?.success) return remember(memoKey, knownOf(version, parsed.data, raw.length));
      const value = await load();
      const json = JsonText.of(value);
      await redis
        .multi()
        .hset(entriesKey(tenantId), stored, json.text)
        .expire(entriesKey(tenantId), TTL_SECONDS)
        .exec()
        .catch(warn("cache not written"));
      return remember(memoKey, { ...knownOf(version, value, json.text.length), json });
    }

    function remember(memoKey: string, entry: Known<T>): Known<T> {
      known.set(memoKey, entry);
      return entry;
    }

    return {
      async read(tenantId, field, load) {
        return (await entryOf(tenantId, field, load)).value;
      },
      async readJson(tenantId, field, load) {
        const entry = await entryOf(tenantId, field, load);
        entry.json ??= JsonText.of(entry.value);
        return entry.json;
      },
    };
  }

  return {
    reads,
    // The new stamp is what makes every stored entry stale (entries are filed under the stamp they
    // were read at); dropping them only frees their memory early. Neither needs the other to be
    // atomic, so both go as plain commands, in the same write as whatever else is sent in that turn.
    async invalidate(tenantId) {
      await Promise.all([redis.set(versionKey(tenantId), randomUUID()), redis.del(entriesKey(tenantId)).catch(warn("cache entries not dropped"))]).catch(warn("cache not invalidated"));
    },
  };
}

/** A value as every request shares it (frozen), for the version it was read at (null: Redis did not answer). */
function knownOf<T>(version: string | null, value: T, size: number): Known<T> {
  return { version, value: deepFreeze(value), size };
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
