import { describe, expect, it } from "@jest/globals";
import { applyRate, computeTotals } from "./order-totals.js";

describe("order totals", () => {
  it("adds the lines, takes the discount, taxes the rest and adds delivery, in minor units", () => {
    const totals = computeTotals({ lines: [{ unitPriceMinor: 125_000, quantity: 2 }, { unitPriceMinor: 9_990, quantity: 3 }], discountMinor: 10_000, deliveryMinor: 15_000, taxRateBps: 1600 });
    // subtotal 250000 + 29970 = 279970; taxable 269970; tax 16 % = 43195.2 → 43195
    expect(totals).toEqual({ subtotalMinor: 279_970, discountMinor: 10_000, taxRateBps: 1600, taxMinor: 43_195, deliveryMinor: 15_000, totalMinor: 279_970 - 10_000 + 43_195 + 15_000 });
  });

  it("rounds tax half up to the minor unit", () => {
    expect(applyRate(5n, 1000)).toBe(1n); // 0.5 → 1
    expect(applyRate(4n, 1000)).toBe(0n); // 0.4 → 0
    expect(applyRate(15n, 1000)).toBe(2n); // 1.5 → 2
    expect(applyRate(14n, 1000)).toBe(1n); // 1.4 → 1
    expect(computeTotals({ lines: [{ unitPriceMinor: 1_005, quantity: 1 }], discountMinor: 0, deliveryMinor: 0, taxRateBps: 1000 }).taxMinor).toBe(101); // 100.5 → 101
  });

  it("does not tax delivery", () => {
    const totals = computeTotals({ lines: [{ unitPriceMinor: 1_000, quantity: 1 }], discountMinor: 0, deliveryMinor: 5_000, taxRateBps: 1000 });
    expect(totals.taxMinor).toBe(100);
    expect(totals.totalMinor).toBe(6_100);
  });

  it("has no tax at a zero rate and a zero total for free items", () => {
    expect(computeTotals({ lines: [{ unitPriceMinor: 0, quantity: 4 }], discountMinor: 0, deliveryMinor: 0, taxRateBps: 0 })).toMatchObject({ subtotalMinor: 0, taxMinor: 0, totalMinor: 0 });
  });

  it("refuses a discount larger than the subtotal", () => {
    expect(() => computeTotals({ lines: [{ unitPriceMinor: 1_000, quantity: 1 }], discountMinor: 1_001, deliveryMinor: 0, taxRateBps: 0 })).toThrow(expect.objectContaining({ code: "DISCOUNT_EXCEEDS_SUBTOTAL" }));
  });

  it("refuses negative or fractional amounts and rates out of range", () => {
    const line = [{ unitPriceMinor: 1_000, quantity: 1 }];
    expect(() => computeTotals({ lines: line, discountMinor: -1, deliveryMinor: 0, taxRateBps: 0 })).toThrow(expect.objectContaining({ code: "INVALID_AMOUNT" }));
    expect(() => computeTotals({ lines: line, discountMinor: 0, deliveryMinor: 0.5, taxRateBps: 0 })).toThrow(expect.objectContaining({ code: "INVALID_AMOUNT" }));
    expect(() => computeTotals({ lines: line, discountMinor: 0, deliveryMinor: 0, taxRateBps: 10_001 })).toThrow(expect.objectContaining({ code: "INVALID_TAX_RATE" }));
    expect(() => computeTotals({ lines: [{ unitPriceMinor: 1, quantity: 0 }], discountMinor: 0, deliveryMinor: 0, taxRateBps: 0 })).toThrow(expect.objectContaining({ code: "INVALID_QUANTITY" }));
  });

  it("refuses totals beyond exact integers instead of losing precision", () => {
    expect(() => computeTotals({ lines: [{ unitPriceMinor: Number.MAX_SAFE_INTEGER, quantity: 2 }], discountMinor: 0, deliveryMinor: 0, taxRateBps: 0 })).toThrow(expect.objectContaining({ code: "AMOUNT_TOO_LARGE" }));
  });
});
