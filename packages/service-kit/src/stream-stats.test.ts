// streamGroupStats and trimAcknowledged on real Redis: trimming follows the slowest
// group and never removes an entry some group has pending or has not been delivered.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { createTestRedis, type TestRedis } from "@fleet/testing";
import { parseEntryList } from "./stream-replies.js";
import { streamGroupStats, trimAcknowledged } from "./stream-stats.js";
import { ensureStreamGroup } from "./streams.js";

const STREAM = "events";

describe("stream stats and trimming", () => {
  let test: TestRedis;

  beforeEach(async () => {
    test = await createTestRedis();
  });

  afterEach(async () => {
    await test.cleanup();
  });

  async function append(count: number): Promise<string[]> {
    const batch = test.redis.pipeline();
    for (let n = 0; n < count; n++) batch.xadd(STREAM, "*", "n", String(n));
    const results = (await batch.exec()) ?? [];
    return results.map(([error, id]) => {
      if (error || typeof id !== "string") throw error ?? new Error("XADD returned no id");
      return id;
    });
  }

  async function read(group: string, count: number): Promise<void> {
    await test.redis.xreadgroup("GROUP", group, "c", "COUNT", count, "STREAMS", STREAM, ">");
  }

  async function remaining(): Promise<Set<string>> {
    return new Set(parseEntryList(await test.redis.xrange(STREAM, "-", "+")).entries.map((entry) => entry.id));
  }

  it("never removes a pending or undelivered entry, follows the slowest group, and removes acknowledged ones", async () => {
    const ids = await append(250);
    await ensureStreamGroup(test.redis, STREAM, "fast");
    await ensureStreamGroup(test.redis, STREAM, "slow");
    // fast: everything delivered, all acknowledged except #120. slow: 230 delivered and acknowledged.
    await read("fast", 250);
    await test.redis.xack(STREAM, "fast", ...ids.filter((_, n) => n !== 120));
    await read("slow", 230);
    await test.redis.xack(STREAM, "slow", ...ids.slice(0, 230));

    const first = await trimAcknowledged(test.redis, STREAM);
    // `~` trims whole internal nodes (at most 100 entries each here) below #120.
    expect(first).toBeGreaterThanOrEqual(100);
    expect(first).toBeLessThanOrEqual(120);
    let left = await remaining();
    expect(ids.slice(120).filter((id) => !left.has(id))).toEqual([]);
    expect(left.size).toBe(250 - first);

    // #120 done: now the slow group's undelivered #230… hold the line.
    await test.redis.xack(STREAM, "fast", ids[120] ?? "");
    const second = await trimAcknowledged(test.redis, STREAM);
    expect(second).toBeGreaterThan(0);
    left = await remaining();
    expect(ids.slice(230).filter((id) => !left.has(id))).toEqual([]);

    await read("slow", 100);
    await test.redis.xack(STREAM, "slow", ...ids.slice(230));
    await trimAcknowledged(test.redis, STREAM);
    expect(await test.redis.xlen(STREAM)).toBe(0);
  });

  it("trims nothing from a stream without a consumer group, or whose group has read nothing", async () => {
    await append(150);
    expect(await trimAcknowledged(test.redis, STREAM)).toBe(0);
    await ensureStreamGroup(test.redis, STREAM, "idle");
    expect(await trimAcknowledged(test.redis, STREAM)).toBe(0);
    expect(await test.redis.xlen(STREAM)).toBe(150);
    expect(await trimAcknowledged(test.redis, "no-such-stream")).toBe(0);
  });

  it("reports length, and per group pending, lag, the oldest pending entry and what may be trimmed", async () => {
    const ids = await append(10);
    await ensureStreamGroup(test.redis, STREAM, "g1");
    await ensureStreamGroup(test.redis, STREAM, "g2");
    await read("g1", 6);
    await test.redis.xack(STREAM, "g1", ...ids.slice(0, 4));

    const stats = await streamGroupStats(test.redis, STREAM);

    expect(stats).toEqual({
      length: 10,
      neededFrom: "0-1",
      groups: [
        { name: "g1", consumers: 1, pending: 2, lag: 4, lagExact: true, lastDeliveredId: ids[5], oldestPendingId: ids[4] },
        { name: "g2", consumers: 0, pending: 0, lag: 10, lagExact: true, lastDeliveredId: "0-0", oldestPendingId: null },
      ],
    });
    expect(await streamGroupStats(test.redis, "no-such-stream")).toBeNull();
  });

  it("counts the lag itself when Redis cannot compute it (an undelivered entry was deleted)", async () => {
    const ids = await append(5);
    await ensureStreamGroup(test.redis, STREAM, "g");
    await read("g", 2);
    await test.redis.xdel(STREAM, ids[3] ?? "");

    const stats = await streamGroupStats(test.redis, STREAM);

    expect(stats?.groups).toEqual([expect.objectContaining({ name: "g", pending: 2, lag: 2, lagExact: true })]);
  });

  it("reports the stream length as the lag, flagged inexact, when too many undelivered entries follow a deleted one", async () => {
    const ids = await append(1200);
    await ensureStreamGroup(test.redis, STREAM, "g");
    await read("g", 2);
    await test.redis.xdel(STREAM, ids[3] ?? "");

    const stats = await streamGroupStats(test.redis, STREAM);

    expect(stats?.groups).toEqual([expect.objectContaining({ name: "g", lag: 1199, lagExact: false })]);
  });

  it("computes the entry after the last delivered one across a sequence rollover", async () => {
    await test.redis.xadd(STREAM, "5-18446744073709551615", "n", "0");
    await test.redis.xadd(STREAM, "6-0", "n", "1");
    await ensureStreamGroup(test.redis, STREAM, "g");
    await read("g", 1);
    await test.redis.xack(STREAM, "g", "5-18446744073709551615");

    expect((await streamGroupStats(test.redis, STREAM))?.neededFrom).toBe("6-0");
  });
});
