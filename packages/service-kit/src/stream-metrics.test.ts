// Stream gauges at scrape time, on real Redis: the right lag and pending numbers,
// missing streams and groups, a target list that changes, and scrapes that still
// answer while Redis is down or slow.
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { Registry } from "prom-client";
import { createTestRedis, type TestRedis } from "@fleet/testing";
import { createLogger } from "./logger.js";
import { createRedisClient } from "./redis.js";
import { registerStreamMetrics, type StreamMetricsTarget } from "./stream-metrics.js";
import { ensureStreamGroup } from "./streams.js";

type Sample = { labels: Record<string, string | number | undefined>; value: number };

async function samples(registry: Registry, name: string): Promise<Sample[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`${name} is not registered`);
  const { values } = await metric.get();
  return values.map(({ labels, value }) => ({ labels: { ...labels }, value }));
}

describe("registerStreamMetrics", () => {
  let test: TestRedis;

  beforeEach(async () => {
    test = await createTestRedis();
  });

  afterEach(async () => {
    await test.cleanup();
  });

  it("reports each stream's length and each group's lag and pending entries", async () => {
    for (let n = 0; n < 10; n++) await test.redis.xadd("events", "*", "n", String(n));
    await ensureStreamGroup(test.redis, "events", "worker");
    await test.redis.xreadgroup("GROUP", "worker", "c", "COUNT", 7, "STREAMS", "events", ">");
    const pendingIds = (await test.redis.xrange("events", "-", "+", "COUNT", 7)).map(([id]) => id);
    await test.redis.xack("events", "worker", ...pendingIds.slice(0, 4));
    const registry = new Registry();
    registerStreamMetrics({
      registry,
      redis: test.redis,
      targets: () => [{ stream: "events", group: "worker" }, { stream: "events.dead" }, { stream: "events", group: "nobody" }],
    });

    const text = await registry.metrics();

    expect(await samples(registry, "stream_length_entries")).toEqual([
      { labels: { stream: "events" }, value: 10 },
      { labels: { stream: "events.dead" }, value: 0 },
    ]);
    expect(await samples(registry, "stream_lag_entries")).toEqual([{ labels: { stream: "events", group: "worker" }, value: 3 }]);
    expect(await samples(registry, "stream_pending_entries")).toEqual([{ labels: { stream: "events", group: "worker" }, value: 3 }]);
    expect(text).toContain('stream_lag_entries{stream="events",group="worker"} 3');
  });

  it("follows a target list that changes between scrapes", async () => {
    await ensureStreamGroup(test.redis, "p.{0}", "g");
    await ensureStreamGroup(test.redis, "p.{1}", "g");
    let targets: StreamMetricsTarget[] = [{ stream: "p.{0}", group: "g" }];
    const registry = new Registry();
    registerStreamMetrics({ registry, redis: test.redis, targets: () => targets });

    expect((await samples(registry, "stream_lag_entries")).map((s) => s.labels.stream)).toEqual(["p.{0}"]);
    targets = [{ stream: "p.{1}", group: "g" }];
    // Past the reuse window of one scrape's reading.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await samples(registry, "stream_lag_entries")).map((s) => s.labels.stream)).toEqual(["p.{1}"]);
  });

  it("still answers the scrape, without stream values, while Redis is unreachable", async () => {
    const logger = createLogger({ service: "metrics-test", level: "error" });
    const down = createRedisClient({ url: "redis://127.0.0.1:1", keyPrefix: test.prefix, logger, name: "down" });
    try {
      const registry = new Registry();
      registerStreamMetrics({ registry, redis: down, targets: () => [{ stream: "events", group: "worker" }] });
      const started = Date.now();

      const text = await registry.metrics();

      expect(Date.now() - started).toBeLessThan(500);
      expect(text).toContain("# TYPE stream_length_entries gauge");
      expect(await samples(registry, "stream_length_entries")).toEqual([]);
      expect(await samples(registry, "stream_lag_entries")).toEqual([]);
    } finally {
      down.disconnect();
    }
  });

  it("still answers the scrape within its timeout when reading is slow", async () => {
    const registry = new Registry();
    registerStreamMetrics({ registry, redis: test.redis, timeoutMs: 200, targets: () => new Promise<StreamMetricsTarget[]>(() => {}) });
    const started = Date.now();

    await registry.metrics();

    expect(Date.now() - started).toBeLessThan(1000);
    expect(await samples(registry, "stream_pending_entries")).toEqual([]);
  });
});
