// /api/analytics over HTTP on real Redis: the buckets the analytics worker writes (written here as
// it writes them, through the contract's keys) become the shop's KPIs and chart series; another
// shop sees only its own; a bad range is a 400 with a stable code.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { dayBucket, hourBucket, rollupKeys } from "@fleet/contracts";
import request from "supertest";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";

let h: GatewayHarness;
let shop: SeededUser;
let other: SeededUser;
const HOUR = 3600_000;

beforeAll(async () => {
  h = await startGateway();
  shop = await h.createUser({ tenant: "analitica", email: "duena@analitica.test", role: "viewer" });
  other = await h.createUser({ tenant: "otra-analitica", email: "duena@otra.test", role: "owner" });
  const redis = h.testRedis.redis;
  const now = Date.now();
  // Two hours ago and three days ago: in the last 7 days; forty days ago: only in a 400-day range.
  for (const [ago, fields] of [
    [2 * HOUR, { in: "6", out: "5", failed: "1", resp_ms_sum: "1500", resp_n: "5", resp_le_250: "4", resp_le_500: "1", conv_started: "2", conv_converted: "1", orders: "1", "sales:MXN": "45000" }],
    [72 * HOUR, { in: "4", out: "4", resp_ms_sum: "800", resp_n: "4", resp_le_250: "4", handoff_requested: "1" }],
    [40 * 24 * HOUR, { in: "100" }],
  ] as const) {
    const at = new Date(now - ago);
    await redis.hset(rollupKeys.hour(shop.tenantId, hourBucket(at)), fields);
    // The worker folds each event into its hour and its UTC day alike: a week series reads whole days
    // from the day buckets (a sale in a day no week boundary cuts is found only there).
    for (const [field, value] of Object.entries(fields)) await redis.hincrby(rollupKeys.day(shop.tenantId, dayBucket(at)), field, Number(value));
    await redis.sadd(rollupKeys.hourBots(shop.tenantId, hourBucket(at)), "bot-1");
  }
});

afterAll(async () => {
  await h?.close();
});

const get = async (user: SeededUser, path: string) => request(h.app).get(`/api${path}`).set("authorization", `Bearer ${await tokenFor(h, user)}`);

describe("analytics", () => {
  it("answers the KPIs of the last 24 h and 7 d from the hour buckets", async () => {
    const day = await get(shop, "/analytics/metrics?range=24h");
    expect(day.status).toBe(200);
    expect(day.body).toMatchObject({ messagesIn: 6, messagesOut: 5, messagesFailed: 1, errorRate: 1 / 6, responseMs: { average: 300, p90: 500 }, activeBots: 1, conversations: 2, conversion: { converted: 1, rate: 0.5 }, orders: 1, sales: [{ currency: "MXN", amountMinor: 45000 }] });
    expect(day.body.engagementByHour.reduce((a: number, b: number) => a + b, 0)).toBe(6);
    const week = await get(shop, "/analytics/metrics?range=7d");
    expect(week.body).toMatchObject({ messagesIn: 10, messagesOut: 9, handoffs: { requested: 1 }, responseMs: { average: 256 } });
  });

  it("reads day buckets for long custom ranges", async () => {
    const from = new Date(Date.now() - 60 * 24 * HOUR).toISOString();
    const long = await get(shop, `/analytics/metrics?from=${from}`);
    expect(long.status).toBe(200);
    expect(long.body.messagesIn).toBe(110);
  });

  it("gives a series per day or hour for charts", async () => {
    const series = await get(shop, "/analytics/timeseries?metric=messagesIn&range=7d&bucket=day");
    expect(series.status).toBe(200);
    expect(series.body.points.length).toBeGreaterThanOrEqual(7);
    expect(series.body.points.reduce((sum: number, point: { value: number }) => sum + point.value, 0)).toBe(10);
    const hourly = await get(shop, "/analytics/timeseries?metric=conversations&range=24h&bucket=hour");
    expect(hourly.body.points.reduce((sum: number, point: { value: number }) => sum + point.value, 0)).toBe(2);
    // Hour buckets are kept 35 days: an hourly series of an older range has no points.
    const old = await get(shop, "/analytics/timeseries?metric=messagesIn&bucket=hour&from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00Z");
    expect([old.status, old.body.points]).toEqual([200, []]);
    // Per local week and month (the shop's zone), and sales with their amounts.
    const weekly = await get(shop, "/analytics/timeseries?metric=sales&range=30d&bucket=week");
    expect(weekly.status).toBe(200);
    expect(weekly.body).toMatchObject({ metric: "sales", bucket: "week", timeZone: expect.any(String) });
    expect(weekly.body.points.reduce((sum: number, point: { value: number }) => sum + point.value, 0)).toBe(1);
    expect(weekly.body.points.flatMap((point: { amounts: unknown[] }) => point.amounts)).toEqual([{ currency: "MXN", amountMinor: 45000 }]);
    const monthly = await get(shop, "/analytics/timeseries?metric=messagesIn&range=7d&bucket=month");
    expect(monthly.body.points.reduce((sum: number, point: { value: number }) => sum + point.value, 0)).toBe(10);
  });

  it("shows another shop only its own (nothing here)", async () => {
    const theirs = await get(other, "/analytics/metrics?range=30d");
    expect(theirs.body).toMatchObject({ messagesIn: 0, activeBots: 0, orders: 0, sales: [], conversion: { converted: 0, rate: 0 } });
  });

  it("refuses bad ranges with INVALID_RANGE or VALIDATION_FAILED, never a 5xx", async () => {
    for (const [path, code] of [
      ["/analytics/metrics?from=yesterday", "INVALID_RANGE"],
      ["/analytics/metrics?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "INVALID_RANGE"],
      ["/analytics/metrics?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "INVALID_RANGE"],
      ["/analytics/metrics?range=24h&from=2026-01-01T00:00:00Z", "INVALID_RANGE"],
      ["/analytics/metrics?range=1y", "VALIDATION_FAILED"],
      ["/analytics/timeseries?metric=nope", "VALIDATION_FAILED"],
      ["/analytics/timeseries?metric=sales&bucket=year", "VALIDATION_FAILED"],
    ] as const) {
      const answer = await get(shop, path);
      expect({ path, status: answer.status, code: answer.body.error?.code }).toEqual({ path, status: 400, code });
    }
  });
});
