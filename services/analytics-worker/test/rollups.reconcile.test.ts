// The reconciliation from the logs of record: it corrects what the live fold could not know (an order
// folded before its conversation) and whatever Redis lost or miscounted, re-derives whole days from
// their hours and adjusts partial days by the hours' changes; and the lease: three workers on one
// Redis, one recompute per interval.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { rollupKeys, type AnalyticsEvent } from "@fleet/contracts";
import { createTestRedis, type TestRedis } from "@fleet/testing";
import { loadAnalyticsConfig } from "../src/config.js";
import { startPeriodicJob } from "../src/jobs/periodic.job.js";
import { createAnalyticsMetrics, type AnalyticsMetrics } from "../src/metrics.js";
import { createLeaseRepository } from "../src/repositories/lease.repository.js";
import { createFoldIntoRollups } from "../src/rollups/fold-into-rollups.use-case.js";
import { createRollupsRecomputeRepository, type RollupsRecomputeRepository, type TenantHourTarget } from "../src/rollups/rollups-recompute.repository.js";
import { createRollupsRepository } from "../src/rollups/rollups.repository.js";
import { createReconcileRollups, reconcileWindow, type ReconcileRollupsDeps } from "../src/use-cases/reconcile-rollups.use-case.js";
import { capturingLogger, eventually } from "./fakes.js";
import { DAY0, at, botsOf, bucketsOf, event, hourOf, mingoAggregate, parityFixtures, storedCollections } from "./rollups.fixtures.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function correctionsOf(metrics: AnalyticsMetrics): Promise<Record<string, number>> {
  const { values } = await metrics.rollupCorrections.get();
  return Object.fromEntries(values.map(({ labels, value }) => [String(labels.bucket), value]));
}

describe("reconciling the rollups from the stored events", () => {
  let test: TestRedis;
  let events: AnalyticsEvent[];
  let metrics: AnalyticsMetrics;
  let run: 0 | number;

  beforeEach(async () => {
    test = await createTestRedis();
    metrics = createAnalyticsMetrics(new Registry());
    run = 0;
    // The parity fixtures, plus an order folded before its (late) conversation.started.
    const lateStart = event("shop-a", "conversation.started", at(2, 15), { contact: "c7" });
    const orderFirst = event("shop-a", "order.created", at(2, 15, 20), { source: "gateway", contact: "c7", attributes: { totalMinor: 4200, currency: "USD" } });
    events = [...parityFixtures().folded, orderFirst, lateStart];
    const fold = createFoldIntoRollups({ repository: createRollupsRepository(test.redis), logger: capturingLogger().logger });
    for (const item of events) await fold(item);
  });

  afterEach(async () => {
    await test.cleanup();
  });

  function reconcile(overrides: Partial<ReconcileRollupsDeps> = {}) {
    return createReconcileRollups({
      leases: createLeaseRepository(test.redis),
      recompute: createRollupsRecomputeRepository(mingoAggregate(storedCollections(events))),
      rollups: createRollupsRepository(test.redis),
      pendingEvents: async () => 0,
      corrections: metrics.rollupCorrections,
      holder: "replica-1",
      intervalMs: 300_000,
      // Tomorrow's midnight: every fixture hour has ended; 8 days back reaches DAY0 - 4 days, a midnight.
      now: () => new Date(DAY0 + 4 * DAY + run++ * 300_000),
      hours: 8 * 24,
      settleMs: 0,
      retentionDays: 30,
      maxPendingEvents: 100,
      ...overrides,
    });
  }

  async function recomputed(from: number, to: number): Promise<TenantHourTarget[]> {
    return createRollupsRecomputeRepository(mingoAggregate(storedCollections(events))).recompute(new Date(from), new Date(to));
  }

  it("credits the conversion the live fold missed, and changes nothing on the next run", async () => {
    expect((await bucketsOf(test.redis, test.prefix, "shop-a", "h"))[hourOf(2, 15)]).toEqual({ conv_started: 1, orders: 1, "sales:USD": 4200 });

    const first = await reconcile()();
    expect(first).toMatchObject({ reconciled: true, from: new Date(DAY0 - 4 * DAY).toISOString(), to: new Date(DAY0 + 4 * DAY).toISOString() });
    expect((await bucketsOf(test.redis, test.prefix, "shop-a", "h"))[hourOf(2, 15)]).toEqual({ conv_started: 1, conv_converted: 1, orders: 1, "sales:USD": 4200 });
    expect((await bucketsOf(test.redis, test.prefix, "shop-a", "d"))[hourOf(2, 0).slice(0, 8)]).toMatchObject({ conv_converted: 1 });
    expect(await correctionsOf(metrics)).toEqual({ hour: 1, bots: 0, day: 1 });

    expect(await reconcile()()).toMatchObject({ reconciled: true, corrections: { hours: 0, bots: 0, days: 0 } });
    expect(await correctionsOf(metrics)).toEqual({ hour: 1, bots: 0, day: 1 });
  });

  it("makes hour buckets, bot sets and whole days equal to the recompute when Redis lost or miscounted them", async () => {
    const a = (kind: "h" | "d") => bucketsOf(test.redis, test.prefix, "shop-a", kind);
    await test.redis.hset(rollupKeys.hour("shop-a", hourOf(0, 10)), "out", "99", "bogus", "3");
    await test.redis.del(rollupKeys.hour("shop-b", hourOf(1, 12)), rollupKeys.hourBots("shop-a", hourOf(0, 10)));
    await test.redis.hincrby(rollupKeys.day("shop-a", hourOf(-1, 0).slice(0, 8)), "in", 5);

    const result = await reconcile()();
    // Hours: shop-a's miscounted one, shop-b's lost one, the missed conversion. Bots: shop-a's lost set.
    // Days: shop-a's day -1 (miscounted), day 2 (the conversion); the other days held their hours' truth.
    expect(result).toMatchObject({ reconciled: true, corrections: { hours: 3, bots: 1, days: 2 } });

    const targets = await recomputed(DAY0 - 4 * DAY, DAY0 + 4 * DAY);
    for (const tenantId of ["shop-a", "shop-b", "shop-c"]) {
      const mine = targets.filter((target) => target.tenantId === tenantId);
      expect(await bucketsOf(test.redis, test.prefix, tenantId, "h")).toEqual(Object.fromEntries(mine.map((target) => [target.hour, target.fields])));
      expect(await botsOf(test.redis, test.prefix, tenantId)).toEqual(Object.fromEntries(mine.filter((target) => target.bots.length > 0).map((target) => [target.hour, target.bots])));
      const days: Record<string, Record<string, number>> = {};
      for (const { hour, fields } of mine) for (const [field, value] of Object.entries(fields)) (days[hour.slice(0, 8)] ??= {})[field] = (days[hour.slice(0, 8)]?.[field] ?? 0) + value;
      expect(await bucketsOf(test.redis, test.prefix, tenantId, "d")).toEqual(days);
    }
    expect((await a("h"))[hourOf(0, 10)]).toMatchObject({ out: 7 });
    expect((await a("h"))[hourOf(0, 10)]).not.toHaveProperty("bogus");
  });

  it("adjusts a day only partly recomputed by its hours' changes, keeping what its other hours counted", async () => {
    const day = hourOf(-1, 0).slice(0, 8);
    await test.redis.hset(rollupKeys.hour("shop-a", hourOf(-1, 5)), "out", "4");
    // Only counted in the day (e.g. its hour outside the range): must survive the adjustment.
    await test.redis.hincrby(rollupKeys.day("shop-a", day), "in", 2);
    const before = (await bucketsOf(test.redis, test.prefix, "shop-a", "d"))[day];

    // 4 days and 20 hours back from tomorrow's midnight: from day -1 04:00; MongoDB keeps one day only, so day -1 is not taken whole.
    const result = await reconcile({ hours: 4 * 24 + 20, retentionDays: 1 })();
    expect(result).toMatchObject({ reconciled: true, from: new Date(DAY0 - DAY + 4 * HOUR).toISOString() });
    expect((await bucketsOf(test.redis, test.prefix, "shop-a", "h"))[hourOf(-1, 5)]).toMatchObject({ out: 1 });
    expect((await bucketsOf(test.redis, test.prefix, "shop-a", "d"))[day]).toEqual({ ...before, out: (before?.out ?? 0) - 3 });
  });

  it("keeps a live fold that lands after a correction", async () => {
    await reconcile()();
    const fold = createFoldIntoRollups({ repository: createRollupsRepository(test.redis), logger: capturingLogger().logger });
    await fold(event("shop-c", "message.received", at(2, 0, 30), { botId: "bot-new" }));
    expect((await bucketsOf(test.redis, test.prefix, "shop-c", "h"))[hourOf(2, 0)]).toMatchObject({ in: 3 });
    expect((await botsOf(test.redis, test.prefix, "shop-c"))[hourOf(2, 0)]).toEqual(["bot-c", "bot-new"]);
  });

  it("skips a run while events wait to be stored or folded, without taking the interval's lease", async () => {
    let recomputes = 0;
    const counting: RollupsRecomputeRepository = { recompute: async () => (recomputes++, []) };
    expect(await reconcile({ pendingEvents: async () => 101, recompute: counting })()).toEqual({ reconciled: false, reason: "events wait to be stored or folded", pendingEvents: 101 });
    expect(recomputes).toBe(0);
    run = 0;
    expect(await reconcile({ recompute: counting })()).toMatchObject({ reconciled: true });
    expect(recomputes).toBe(1);
  });
});

describe("the recompute window", () => {
  const now = Date.UTC(2026, 2, 10, 14, 37);
  it("ends at the last hour settled and starts at its first day's midnight while MongoDB keeps that day", () => {
    expect(reconcileWindow(now, { hours: 48, settleMs: 300_000, retentionDays: 30 })).toEqual({ from: Date.UTC(2026, 2, 8), to: Date.UTC(2026, 2, 10, 14) });
    expect(reconcileWindow(now, { hours: 48, settleMs: 40 * 60_000, retentionDays: 30 })).toEqual({ from: Date.UTC(2026, 2, 8), to: Date.UTC(2026, 2, 10, 13) });
  });

  it("starts at the hour when MongoDB no longer keeps the whole first day", () => {
    expect(reconcileWindow(now, { hours: 48, settleMs: 0, retentionDays: 2 })).toEqual({ from: Date.UTC(2026, 2, 8, 14), to: Date.UTC(2026, 2, 10, 14) });
  });
});

describe("the reconciliation lease with three workers", () => {
  const INTERVAL = 60_000;
  let test: TestRedis;
  let workers: Redis[];

  beforeAll(async () => {
    test = await createTestRedis();
    // Three workers, each with its own connection to the same Redis (same key prefix).
    workers = [1, 2, 3].map(() => new Redis(test.url, { keyPrefix: test.prefix, maxRetriesPerRequest: 2 }));
  });

  afterAll(async () => {
    for (const worker of workers) worker.disconnect();
    await test.cleanup();
  });

  function worker(index: number, clock: () => number, recomputes: { holder: string; at: number }[], intervalMs = INTERVAL) {
    const holder = `worker-${index}`;
    const connection = workers[index];
    if (!connection) throw new Error(`no worker ${index}`);
    // The time a run takes its interval from (its one reading of the clock): on a busy machine its
    // recompute may start in the next interval.
    let startedAt = 0;
    return createReconcileRollups({
      leases: createLeaseRepository(connection),
      recompute: { recompute: async () => (recomputes.push({ holder, at: startedAt }), []) },
      rollups: createRollupsRepository(connection),
      pendingEvents: async () => 0,
      corrections: createAnalyticsMetrics(new Registry()).rollupCorrections,
      holder,
      intervalMs,
      hours: 48,
      settleMs: 0,
      retentionDays: 30,
      maxPendingEvents: 0,
      now: () => {
        startedAt = clock();
        return new Date(startedAt);
      },
    });
  }

  it("recomputes exactly once per interval, whichever worker ticks first, with an injected clock", async () => {
    const base = Date.UTC(2031, 0, 1);
    let clock = base;
    const recomputes: { holder: string; at: number }[] = [];
    const all = [0, 1, 2].map((index) => worker(index, () => clock, recomputes));
    const intervals = 12;
    for (let interval = 0; interval < intervals; interval++) {
      // Each worker ticks twice at drifting offsets inside the interval, all at once.
      const ticks = all.flatMap((run, index) => [0, 1].map((second) => ({ run, offset: ((interval * 7 + index * 13 + second * 29) % 59) * 1000 })));
      // A different worker ticks first in each interval.
      ticks.push(...ticks.splice(0, (interval % 3) * 2));
      const results = await Promise.all(ticks.map(async ({ run, offset }) => {
        clock = base + interval * INTERVAL + offset;
        return run();
      }));
      expect(results.filter((result) => result.reconciled)).toHaveLength(1);
    }
    expect(recomputes).toHaveLength(intervals);
    expect(new Set(recomputes.map(({ at: when }) => Math.floor((when - base) / INTERVAL))).size).toBe(intervals);
    // Every worker took part: the lease is not stuck to the first holder.
    expect(new Set(recomputes.map(({ holder }) => holder)).size).toBeGreaterThan(1);
  });

  it("recomputes at most once per interval with three periodic jobs on real timers", async () => {
    const intervalMs = 50;
    const recomputes: { holder: string; at: number }[] = [];
    const { logger } = capturingLogger();
    const jobs = [0, 1, 2].map((index) => startPeriodicJob({ name: `reconcile-${index}`, intervalMs, run: worker(index, () => Date.now(), recomputes, intervalMs), logger, finishedLevel: "debug" }));
    await eventually(() => recomputes.length, (n) => n >= 8, 5000);
    await Promise.all(jobs.map((job) => job.stop()));
    const slots = recomputes.map(({ at: when }) => Math.floor(when / intervalMs));
    expect(recomputes.length).toBeGreaterThanOrEqual(8);
    expect(new Set(slots).size).toBe(slots.length);
    const span = Math.max(...slots) - Math.min(...slots) + 1;
    // Hardly an interval without its run: each worker ticks once per interval, one of three takes it.
    expect(slots.length).toBeGreaterThanOrEqual(Math.floor(span * 0.7));
  });
});

describe("reconciliation settings", () => {
  it("defaults to every 5 minutes over the last 48 hours", () => {
    expect(loadAnalyticsConfig({ FLEET_KEY: "fleet-key-of-the-tests-0123456789abcdef" })).toMatchObject({ RECONCILE_INTERVAL_MS: 300_000, RECONCILE_HOURS: 48, RECONCILE_SETTLE_MS: 300_000, RECONCILE_MAX_PENDING_EVENTS: 5000 });
  });

  it("refuses a range reaching into the day MongoDB is expiring, naming the variable", () => {
    expect(() => loadAnalyticsConfig({ FLEET_KEY: "fleet-key-of-the-tests-0123456789abcdef", EVENTS_RETENTION_DAYS: "3", RECONCILE_HOURS: "49" })).toThrow(/RECONCILE_HOURS/);
    expect(loadAnalyticsConfig({ FLEET_KEY: "fleet-key-of-the-tests-0123456789abcdef", EVENTS_RETENTION_DAYS: "3", RECONCILE_HOURS: "48" }).RECONCILE_HOURS).toBe(48);
  });
});
