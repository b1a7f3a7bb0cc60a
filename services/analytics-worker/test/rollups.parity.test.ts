// The heart of the analytics issue: the live rollups (the real fold into a real Redis) and the
// recompute pipelines (run by mingo on the same events stored as MongoDB stores them) give identical
// hour buckets, bot sets and day buckets, so the two paths cannot drift; plus hand-computed buckets.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { AnalyticsEvent } from "@fleet/contracts";
import { createTestRedis, type TestRedis } from "@fleet/testing";
import { createFoldIntoRollups } from "../src/rollups/fold-into-rollups.use-case.js";
import { createRollupsRecomputeRepository, type TenantHourTarget } from "../src/rollups/rollups-recompute.repository.js";
import { createRollupsRepository } from "../src/rollups/rollups.repository.js";
import { capturingLogger } from "./fakes.js";
import { DAY0, botsOf, bucketsOf, mingoAggregate, parityFixtures, storedCollections } from "./rollups.fixtures.js";

const DAY = 24 * 3_600_000;
const TENANTS = ["shop-a", "shop-b", "shop-c"];

/** The recomputed hours in the shape bucketsOf/botsOf read Redis: tenant → hour → fields (bots apart). */
function byTenant(targets: readonly TenantHourTarget[]) {
  const hours: Record<string, Record<string, Record<string, number>>> = {};
  const days: Record<string, Record<string, Record<string, number>>> = {};
  const bots: Record<string, Record<string, string[]>> = {};
  for (const { tenantId, hour, fields, bots: hourBots } of targets) {
    (hours[tenantId] ??= {})[hour] = fields;
    if (hourBots.length > 0) (bots[tenantId] ??= {})[hour] = hourBots;
    const day = ((days[tenantId] ??= {})[hour.slice(0, 8)] ??= {});
    for (const [field, value] of Object.entries(fields)) day[field] = (day[field] ?? 0) + value;
  }
  return { hours, days, bots };
}

describe("live rollups = recompute pipelines (mingo) on the same events", () => {
  let test: TestRedis;
  let folded: AnalyticsEvent[];
  let expected: ReturnType<typeof parityFixtures>["expected"];
  let recomputed: ReturnType<typeof byTenant>;
  const outcomes: string[] = [];

  beforeAll(async () => {
    test = await createTestRedis();
    ({ folded, expected } = parityFixtures());
    const fold = createFoldIntoRollups({ repository: createRollupsRepository(test.redis), logger: capturingLogger().logger });
    // One at a time: the fold order is part of the fixture (late events last, duplicates again).
    for (const event of folded) outcomes.push(await fold(event));
    const recompute = createRollupsRecomputeRepository(mingoAggregate(storedCollections(folded)));
    recomputed = byTenant(await recompute.recompute(new Date(DAY0 - 10 * DAY), new Date(DAY0 + 5 * DAY)));
  });

  afterAll(async () => {
    await test.cleanup();
  });

  it("folds duplicates once and ignores the types the rollups do not count", () => {
    expect(outcomes.filter((outcome) => outcome === "duplicate")).toHaveLength(3);
    expect(outcomes.filter((outcome) => outcome === "ignored")).toHaveLength(2);
  });

  it.each(TENANTS)("gives %s the same hour buckets both ways", async (tenantId) => {
    const live = await bucketsOf(test.redis, test.prefix, tenantId, "h");
    expect(Object.keys(live).length).toBeGreaterThan(0);
    expect(live).toEqual(recomputed.hours[tenantId]);
  });

  it.each(TENANTS)("gives %s the same day buckets both ways", async (tenantId) => {
    expect(await bucketsOf(test.redis, test.prefix, tenantId, "d")).toEqual(recomputed.days[tenantId]);
  });

  it.each(TENANTS)("gives %s the same active bots per hour both ways", async (tenantId) => {
    expect(await botsOf(test.redis, test.prefix, tenantId)).toEqual(recomputed.bots[tenantId]);
  });

  it("matches the hand-computed buckets on both paths", async () => {
    for (const [tenantId, hours] of Object.entries(expected)) {
      const live = await bucketsOf(test.redis, test.prefix, tenantId, "h");
      for (const [hour, fields] of Object.entries(hours)) {
        expect({ tenantId, hour, fields: live[hour] }).toEqual({ tenantId, hour, fields });
        expect({ tenantId, hour, fields: recomputed.hours[tenantId]?.[hour] }).toEqual({ tenantId, hour, fields });
      }
    }
  });

  it("counts conversion once per conversation, in its start's buckets, by the contract's definition", () => {
    const converted = (tenantId: string) =>
      Object.values(recomputed.hours[tenantId] ?? {}).reduce((sum, fields) => sum + (fields.conv_converted ?? 0), 0);
    const startedCount = (tenantId: string) => Object.values(recomputed.hours[tenantId] ?? {}).reduce((sum, fields) => sum + (fields.conv_started ?? 0), 0);
    // shop-a: c1 (the later of two), c2, c5 converted; c1's first, c3, c4 and the one without a contact did not.
    expect([converted("shop-a"), startedCount("shop-a")]).toEqual([3, 7]);
    // shop-b: c9 after its order's conversation, and one of the two simultaneous c8 starts.
    expect([converted("shop-b"), startedCount("shop-b")]).toEqual([2, 4]);
  });

  it("names only real bots: an empty bot id and an event without one add none", async () => {
    expect(await botsOf(test.redis, test.prefix, "shop-c")).toEqual(recomputed.bots["shop-c"]);
    expect(Object.values(recomputed.bots["shop-c"] ?? {})).toEqual([["bot-c"]]);
  });
});
