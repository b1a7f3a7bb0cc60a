// entriesBound with the real lru-cache: the bound holds (least recently used out first), TTLs still
// expire entries, and nothing is allocated for entries the cache does not hold.
import { describe, expect, it } from "@jest/globals";
import { LRUCache } from "lru-cache";
import { entriesBound } from "./caches.js";

describe("entriesBound", () => {
  it("keeps at most that many entries, dropping the least recently used", () => {
    const cache = new LRUCache<string, number>({ ...entriesBound(3) });
    for (const [key, value] of [["a", 1], ["b", 2], ["c", 3]] as const) cache.set(key, value);
    cache.get("a");
    cache.set("d", 4);
    expect([...cache.keys()].sort()).toEqual(["a", "c", "d"]);
    expect(cache.size).toBe(3);
  });

  it("still expires entries by TTL", () => {
    let now = 1_000;
    const cache = new LRUCache<string, number>({ ...entriesBound(10), ttl: 100, ttlResolution: 0, perf: { now: () => now } });
    cache.set("a", 1);
    now += 99;
    expect(cache.get("a")).toBe(1);
    now += 2;
    expect(cache.get("a")).toBeUndefined();
  });

  it("allocates for the entries held, not for the bound", () => {
    const sized = (options: ConstructorParameters<typeof LRUCache<string, number>>[0]) => {
      const before = process.memoryUsage().heapUsed;
      const caches = Array.from({ length: 20 }, () => new LRUCache<string, number>(options));
      const grown = process.memoryUsage().heapUsed - before;
      caches.forEach((cache) => cache.set("k", 1));
      return grown;
    };
    // `max` allocates arrays for 100 000 entries per cache (megabytes for twenty); the bound, nearly nothing.
    expect(sized({ max: 100_000 })).toBeGreaterThan(20 * 100_000 * 8);
    expect(sized({ ...entriesBound(100_000) })).toBeLessThan(20 * 100_000);
  });

  it("refuses a bound that is not a positive integer", () => {
    expect(() => entriesBound(0)).toThrow(RangeError);
    expect(() => entriesBound(2.5)).toThrow(RangeError);
  });
});
