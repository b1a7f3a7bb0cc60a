// KPIs from rollup buckets: sums across buckets, the error rate, conversion, the average and p90
// response time from the histogram, sales per currency, and engagement by hour of day in the shop's time zone.
import { describe, expect, it } from "@jest/globals";
import { engagementByHour, kpisOf, p90, sumBuckets } from "./kpis.js";

describe("KPIs from buckets", () => {
  it("sums the buckets' fields and derives the rates", () => {
    const kpis = kpisOf(
      [
        { in: "10", out: "9", failed: "1", resp_ms_sum: "4500", resp_n: "9", resp_le_250: "3", resp_le_500: "4", resp_le_1000: "2", conv_started: "4", conv_converted: "1", orders: "1", "sales:MXN": "90000" },
        { in: "5", out: "5", resp_ms_sum: "500", resp_n: "5", resp_le_250: "5", handoff_requested: "2", handoff_escalated: "1", seller_alerted: "3", conv_started: "4", conv_converted: "2", "sales:USD": "4500", "sales:MXN": "10000", orders: "2" },
        {},
      ],
      2,
    );
    expect(kpis).toMatchObject({
      messagesIn: 15,
      messagesOut: 14,
      messagesFailed: 1,
      errorRate: 1 / 15,
      responseMs: { average: 357, p90: 1000 },
      activeBots: 2,
      conversations: 8,
      conversion: { converted: 3, rate: 3 / 8 },
      handoffs: { requested: 2, attended: 0, escalated: 1 },
      sellers: { assigned: 0, released: 0, alerted: 3 },
      orders: 3,
      sales: [
        { currency: "MXN", amountMinor: 100_000 },
        { currency: "USD", amountMinor: 4500 },
      ],
    });
  });

  it("has no rates without data, and ignores fields that are not numbers", () => {
    expect(kpisOf([{ in: "abc" }], 0)).toMatchObject({ messagesIn: 0, errorRate: 0, responseMs: { average: null, p90: null }, conversion: { converted: 0, rate: 0 } });
    // A conversion folded before its conversation's start (a late event) never makes the rate exceed 1.
    expect(kpisOf([{ conv_converted: "2", conv_started: "1" }], 0).conversion).toEqual({ converted: 2, rate: 1 });
  });

  it("takes the p90 as the bound of the bucket where 90 % of the responses are reached; the open bucket reads as the last bound", () => {
    expect(p90(sumBuckets([{ resp_le_250: "90", resp_le_500: "10" }]))).toBe(250);
    expect(p90(sumBuckets([{ resp_le_250: "89", resp_le_500: "11" }]))).toBe(500);
    expect(p90(sumBuckets([{ resp_le_inf: "1" }]))).toBe(60_000);
  });

  it("counts messages by hour of day in the shop's zone (Mexico City is UTC−6)", () => {
    const byHour = engagementByHour(
      [
        { start: new Date("2026-11-30T15:00:00Z"), bucket: { in: "4" } },
        { start: new Date("2026-11-30T16:00:00Z"), bucket: { in: "1" } },
        { start: new Date("2026-12-01T15:00:00Z"), bucket: { in: "2" } },
      ],
      "America/Mexico_City",
    );
    expect(byHour).toHaveLength(24);
    expect(byHour[9]).toBe(6);
    expect(byHour[10]).toBe(1);
    expect(byHour.reduce((a, b) => a + b, 0)).toBe(7);
  });
});
