// KPI refresh into the Redis cache the gateway reads (real Redis), and the
// periodic job that drives it.
import { describe, it, expect, beforeEach, afterEach } from "@jest/globals";
import { createTestRedis, type TestRedis } from "@fleet/testing";
import { startPeriodicJob } from "../src/jobs/periodic.job.js";
import type { TenantMessages } from "../src/kpis/messages-per-tenant.pipeline.js";
import { createKpiCacheRepository, kpiCacheKey } from "../src/repositories/kpi-cache.repository.js";
import type { KpiRepository } from "../src/repositories/kpi.repository.js";
import { createRefreshKpis } from "../src/use-cases/refresh-kpis.use-case.js";
import { capturingLogger, eventually } from "./fakes.js";

const NOW = new Date("2025-03-10T12:00:00.000Z");

class FakeKpiRepository implements KpiRepository {
  readonly calls: { now: Date; windowHours: number }[] = [];
  rows: TenantMessages[] = [];
  failure: Error | null = null;

  async messagesPerTenant(now: Date, windowHours: number): Promise<TenantMessages[]> {
    this.calls.push({ now, windowHours });
    if (this.failure) throw this.failure;
    return this.rows;
  }
}

describe("refresh KPIs", () => {
  let test: TestRedis;
  let kpis: FakeKpiRepository;

  beforeEach(async () => {
    test = await createTestRedis();
    kpis = new FakeKpiRepository();
  });

  afterEach(async () => {
    await test.cleanup();
  });

  const refresh = (holder = "replica-1") =>
    createRefreshKpis({ kpis, cache: createKpiCacheRepository(test.redis), ttlS: 300, holder, leaseMs: 60_000, now: () => NOW });

  it("caches each tenant's messages of the last 24 h under analytics:metrics:<tenantId>:messages_24h for 5 minutes", async () => {
    kpis.rows = [
      { tenantId: "shop-b", messages: 7, received: 1, sent: 6 },
      { tenantId: "shop-a", messages: 5, received: 3, sent: 2 },
    ];

    expect(await refresh()()).toEqual({ refreshed: true, tenants: 2 });

    expect(kpis.calls).toEqual([{ now: NOW, windowHours: 24 }]);
    expect(kpiCacheKey("shop-a", "messages_24h")).toBe("analytics:metrics:shop-a:messages_24h");
    expect(JSON.parse((await test.redis.get("analytics:metrics:shop-a:messages_24h")) ?? "null")).toEqual({
      tenantId: "shop-a",
      messages: 5,
      received: 3,
      sent: 2,
      windowHours: 24,
      computedAt: NOW.toISOString(),
    });
    expect(JSON.parse((await test.redis.get("analytics:metrics:shop-b:messages_24h")) ?? "null")).toMatchObject({ messages: 7 });
    const ttl = await test.redis.ttl("analytics:metrics:shop-a:messages_24h");
    expect(ttl).toBeGreaterThan(290);
    expect(ttl).toBeLessThanOrEqual(300);
  });

  it("lets one replica per interval compute: another replica skips without querying MongoDB", async () => {
    kpis.rows = [{ tenantId: "shop-a", messages: 1, received: 1, sent: 0 }];
    expect(await refresh("replica-1")()).toEqual({ refreshed: true, tenants: 1 });
    expect(await refresh("replica-2")()).toEqual({ refreshed: false, reason: "another replica refreshed" });
    expect(kpis.calls).toHaveLength(1);
  });

  it("leaves the cache as it was when MongoDB fails", async () => {
    await test.redis.set("analytics:metrics:shop-a:messages_24h", "previous", "EX", 300);
    kpis.failure = new Error("Server selection timed out");

    await expect(refresh()()).rejects.toThrow("Server selection timed out");
    expect(await test.redis.get("analytics:metrics:shop-a:messages_24h")).toBe("previous");
  });
});

describe("periodic job", () => {
  it("runs at once, then every interval, one run at a time, and keeps going after a failure", async () => {
    const { logger, lines } = capturingLogger();
    let running = 0;
    let overlapped = false;
    let runs = 0;
    const job = startPeriodicJob({
      name: "test-job",
      intervalMs: 20,
      logger,
      run: async () => {
        runs++;
        overlapped ||= running > 0;
        running++;
        await new Promise((resolve) => setTimeout(resolve, 30));
        running--;
        if (runs === 2) throw new Error("MongoDB unreachable");
        return { runs };
      },
    });

    await eventually(() => runs, (n) => n >= 4);
    await job.stop();
    const afterStop = runs;
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(runs).toBe(afterStop);
    expect(running).toBe(0);
    expect(overlapped).toBe(false);
    expect(lines).toContainEqual(expect.objectContaining({ level: "warn", job: "test-job", error: "MongoDB unreachable" }));
    expect(lines.filter((l) => l.message === "job finished").length).toBeGreaterThanOrEqual(2);
  });
});
