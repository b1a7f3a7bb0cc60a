// Sales per week and month in the shop's time zone, on real Redis, against hand-computed sums:
// orders on both sides of Mexico City's local midnights (UTC−6), written into the hour and day
// buckets exactly as the analytics worker folds them, must land in the local week (from Monday) or
// month they happened in, with the count and the amount per currency of each point.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { dayBucket, hourBucket, rollupKeys, salesField } from "@fleet/contracts";
import { createTestRedis, type TestRedis } from "@fleet/testing";
import { createAnalyticsRepository } from "../src/modules/analytics/analytics.repository.js";
import { createAnalytics, type Analytics } from "../src/modules/analytics/analytics.use-case.js";
import { readShopSettings } from "../src/modules/settings/shop-settings.js";

const TENANT = "tenant-series";
const actor = { userId: "user-1", tenantId: TENANT, role: "viewer" as const };
let testRedis: TestRedis;
let analytics: Analytics;

/** One order.created as the worker folds it: +1 order and its amount, in its hour and its day bucket. */
async function order(at: string, currency: string, amountMinor: number): Promise<void> {
  const when = new Date(at);
  for (const key of [rollupKeys.hour(TENANT, hourBucket(when)), rollupKeys.day(TENANT, dayBucket(when))]) {
    await testRedis.redis.hincrby(key, "orders", 1);
    await testRedis.redis.hincrby(key, salesField(currency), amountMinor);
  }
}

beforeAll(async () => {
  testRedis = await createTestRedis();
  analytics = createAnalytics({
    repository: createAnalyticsRepository(testRedis.redis),
    settings: { readSettings: async () => readShopSettings({ timeZone: "America/Mexico_City" }) },
    now: () => new Date("2026-12-02T12:00:00Z"),
    cacheMs: 1,
  });
  await order("2026-11-01T02:00:00Z", "MXN", 300); // Saturday 31 October, 20:00 local
  await order("2026-11-23T03:00:00Z", "MXN", 10_000); // Sunday 22 November, 21:00 local
  await order("2026-11-23T07:00:00Z", "MXN", 20_000); // Monday 23 November, 01:00 local
  await order("2026-11-23T07:30:00Z", "USD", 500);
  await order("2026-11-25T12:00:00Z", "MXN", 5000); // a UTC day inside the week
  await order("2026-11-30T05:00:00Z", "MXN", 1000); // Sunday 29 November, 23:00 local
  await order("2026-11-30T06:00:00Z", "MXN", 7000); // Monday 30 November, 00:00 local
  await order("2026-12-01T03:00:00Z", "MXN", 900); // Monday 30 November, 21:00 local
  await order("2026-12-01T06:00:00Z", "USD", 100); // Tuesday 1 December, 00:00 local
});

afterAll(async () => {
  await testRedis?.cleanup();
});

describe("sales per week and month in the shop's time zone", () => {
  it("sums each local week from Monday 00:00, whatever UTC day the orders fell on", async () => {
    const series = await analytics.timeseries(actor, { metric: "sales", bucket: "week", from: "2026-11-20T00:00:00Z", to: "2026-12-02T00:00:00Z" });
    expect(series).toEqual({
      metric: "sales",
      bucket: "week",
      timeZone: "America/Mexico_City",
      points: [
        { start: "2026-11-16T06:00:00.000Z", value: 1, amounts: [{ currency: "MXN", amountMinor: 10_000 }] },
        {
          start: "2026-11-23T06:00:00.000Z",
          value: 4,
          amounts: [
            { currency: "MXN", amountMinor: 26_000 },
            { currency: "USD", amountMinor: 500 },
          ],
        },
        {
          start: "2026-11-30T06:00:00.000Z",
          value: 3,
          amounts: [
            { currency: "MXN", amountMinor: 7900 },
            { currency: "USD", amountMinor: 100 },
          ],
        },
      ],
    });
  });

  it("sums each local month from the 1st 00:00", async () => {
    const series = await analytics.timeseries(actor, { metric: "sales", bucket: "month", from: "2026-11-01T00:00:00Z", to: "2026-12-02T00:00:00Z" });
    expect(series.points).toEqual([
      { start: "2026-10-01T06:00:00.000Z", value: 1, amounts: [{ currency: "MXN", amountMinor: 300 }] },
      {
        start: "2026-11-01T06:00:00.000Z",
        value: 7,
        amounts: [
          { currency: "MXN", amountMinor: 43_900 },
          { currency: "USD", amountMinor: 500 },
        ],
      },
      { start: "2026-12-01T06:00:00.000Z", value: 1, amounts: [{ currency: "USD", amountMinor: 100 }] },
    ]);
  });

  it("gives other metrics per week without amounts, and sales per UTC day with them", async () => {
    const orders = await analytics.timeseries(actor, { metric: "orders", bucket: "week", from: "2026-11-20T00:00:00Z", to: "2026-12-02T00:00:00Z" });
    expect(orders.points.map((point) => [point.value, point.amounts])).toEqual([
      [1, undefined],
      [4, undefined],
      [3, undefined],
    ]);
    const daily = await analytics.timeseries(actor, { metric: "sales", bucket: "day", from: "2026-11-23T00:00:00Z", to: "2026-11-24T00:00:00Z" });
    expect(daily.points).toEqual([
      {
        start: "2026-11-23T00:00:00.000Z",
        value: 3,
        amounts: [
          { currency: "MXN", amountMinor: 30_000 },
          { currency: "USD", amountMinor: 500 },
        ],
      },
    ]);
  });
});
