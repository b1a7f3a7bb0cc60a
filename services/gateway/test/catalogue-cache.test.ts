// The catalogue's read cache on real Redis: two caches stand for two gateway replicas.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { z } from "zod";
import { createLogger, type RedisClient } from "@fleet/service-kit";
import { createTestRedis, freePort, memoryLogger, type TestRedis } from "@fleet/testing";
import { createCatalogueCache } from "../src/modules/catalogue/catalogue.cache.js";

const Page = z.object({ names: z.array(z.string()) });
type Page = z.infer<typeof Page>;

let redis: TestRedis;
let seq = 0;
const logger = createLogger({ service: "test", level: "error" });

beforeAll(async () => {
  redis = await createTestRedis();
});

afterAll(async () => {
  await redis?.cleanup();
});

/** A tenant of its own, and a "database" whose loads are counted. */
function shop(names: string[]) {
  const tenantId = `tenant-${++seq}`;
  const db = { names, loads: 0 };
  const load = async (): Promise<Page> => {
    db.loads++;
    return { names: [...db.names] };
  };
  return { tenantId, db, load };
}

describe("catalogue cache", () => {
  it("loads once, then answers from the cache on every replica, as the same JSON", async () => {
    const a = createCatalogueCache({ redis: redis.redis, logger }).reads(Page);
    const b = createCatalogueCache({ redis: redis.redis, logger }).reads(Page);
    const { tenantId, db, load } = shop(["Anillo"]);
    expect(await a.read(tenantId, "list", load)).toEqual({ names: ["Anillo"] });
    expect(await a.read(tenantId, "list", load)).toEqual({ names: ["Anillo"] });
    expect((await b.readJson(tenantId, "list", load)).text).toBe('{"names":["Anillo"]}');
    expect(db.loads).toBe(1);
    const json = await a.readJson(tenantId, "list", load);
    expect(json.bytes.toString("utf8")).toBe(json.text);
    expect(Object.isFrozen(await a.read(tenantId, "list", load))).toBe(true);
  });

  it("shows a write made through one replica on the other at its next read", async () => {
    const cacheA = createCatalogueCache({ redis: redis.redis, logger });
    const cacheB = createCatalogueCache({ redis: redis.redis, logger });
    const { tenantId, db, load } = shop(["Anillo"]);
    expect(await cacheB.reads(Page).read(tenantId, "list", load)).toEqual({ names: ["Anillo"] });
    db.names = ["Anillo", "Cadena"];
    await cacheA.invalidate(tenantId);
    expect(await cacheB.reads(Page).read(tenantId, "list", load)).toEqual({ names: ["Anillo", "Cadena"] });
    expect(db.loads).toBe(2);
  });

  it("never serves an answer loaded before a write that finished while it was loading", async () => {
    const cache = createCatalogueCache({ redis: redis.redis, logger });
    const reads = cache.reads(Page);
    const { tenantId, db } = shop(["Anillo"]);
    // The first read loads the old catalogue; the write lands (and invalidates) before it stores it.
    const racing = reads.read(tenantId, "list", async () => {
      const old = { names: [...db.names] };
      db.names = ["Anillo", "Cadena"];
      await cache.invalidate(tenantId);
      return old;
    });
    expect(await racing).toEqual({ names: ["Anillo"] });
    const after = await reads.read(tenantId, "list", async () => ({ names: [...db.names] }));
    expect(after).toEqual({ names: ["Anillo", "Cadena"] });
    const otherReplica = await createCatalogueCache({ redis: redis.redis, logger }).reads(Page).read(tenantId, "list", async () => ({ names: ["loaded again"] }));
    expect(otherReplica).toEqual({ names: ["Anillo", "Cadena"] });
  });

  it("keeps tenants apart", async () => {
    const reads = createCatalogueCache({ redis: redis.redis, logger }).reads(Page);
    const one = shop(["Anillo"]);
    const two = shop(["Reloj"]);
    expect(await reads.read(one.tenantId, "list", one.load)).toEqual({ names: ["Anillo"] });
    expect(await reads.read(two.tenantId, "list", two.load)).toEqual({ names: ["Reloj"] });
  });

  it("reads an entry Redis holds in a shape the schema refuses as a miss, loading it again", async () => {
    const reads = createCatalogueCache({ redis: redis.redis, logger }).reads(Page);
    const { tenantId, db, load } = shop(["Anillo"]);
    await reads.read(tenantId, "list", load);
    const version = await redis.redis.get(`catalogue:${tenantId}:version`);
    await redis.redis.hset(`catalogue:${tenantId}`, `${version}|list`, '{"names":"not a list"}');
    expect(await createCatalogueCache({ redis: redis.redis, logger }).reads(Page).read(tenantId, "list", load)).toEqual({ names: ["Anillo"] });
    expect(db.loads).toBe(2);
  });

  it("reads from the database, logging a warning, when Redis cannot answer", async () => {
    const gone = new Redis(`redis://127.0.0.1:${await freePort()}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    const { logger: watched, lines } = memoryLogger("gateway");
    try {
      const reads = createCatalogueCache({ redis: gone as unknown as RedisClient, logger: watched }).reads(Page);
      const { tenantId, db, load } = shop(["Anillo"]);
      expect(await reads.read(tenantId, "list", load)).toEqual({ names: ["Anillo"] });
      expect(await reads.read(tenantId, "list", load)).toEqual({ names: ["Anillo"] });
      expect(db.loads).toBe(2);
      expect(lines.some((line) => line.level === "warn" && String(line.message).startsWith("catalogue cache"))).toBe(true);
    } finally {
      gone.disconnect();
    }
  });
});

describe("catalogue cache version reads", () => {
  /** The test's Redis, counting the version reads (GET) it is asked for. */
  function counting() {
    const counter = { gets: 0 };
    const client = new Proxy(redis.redis, {
      get(target, property, receiver) {
        if (property === "get") {
          return (...args: Parameters<typeof target.get>) => {
            counter.gets++;
            return target.get(...args);
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    return { client: client as unknown as RedisClient, counter };
  }

  it("shares one version read among the reads of a tenant that arrive together", async () => {
    const { client, counter } = counting();
    const reads = createCatalogueCache({ redis: client, logger }).reads(Page);
    const { tenantId, load } = shop(["Anillo"]);
    await reads.read(tenantId, "list", load);
    counter.gets = 0;
    const together = await Promise.all(Array.from({ length: 20 }, () => reads.read(tenantId, "list", load)));
    expect(together.every((page) => page.names[0] === "Anillo")).toBe(true);
    expect(counter.gets).toBe(1);
  });

  it("shows a write that finished before a read came in, though another read of the tenant was already waiting for its version", async () => {
    const { client } = counting();
    const reads = createCatalogueCache({ redis: client, logger }).reads(Page);
    const { tenantId, db, load } = shop(["Anillo"]);
    await reads.read(tenantId, "list", load);
    const waiting = reads.read(tenantId, "list", load);
    db.names = ["Anillo", "Cadena"];
    await createCatalogueCache({ redis: client, logger }).invalidate(tenantId);
    expect(await reads.read(tenantId, "list", load)).toEqual({ names: ["Anillo", "Cadena"] });
    await waiting;
  });
});
