// Money typed in the product form: decimal text to integer minor units of the shop's currency and back.
import { describe, expect, it } from "@jest/globals";
import { moneyText, parseMoney } from "./money";

describe("money in the product form", () => {
  it("reads decimal text as minor units with the currency's digits", () => {
    expect(parseMoney("1234.50", "MXN")).toBe(123450);
    expect(parseMoney("1234.5", "MXN")).toBe(123450);
    expect(parseMoney(" 12 ", "MXN")).toBe(1200);
    expect(parseMoney("0,99", "MXN")).toBe(99);
    expect(parseMoney("1500", "JPY")).toBe(1500);
  });

  it("refuses text that is not an amount of the currency", () => {
    for (const text of ["", "12.345", "doce", "-5", "$12", "1,234.50", "1.5"]) {
      expect({ text, minor: parseMoney(text, text === "1.5" ? "JPY" : "MXN") }).toEqual({ text, minor: null });
    }
  });

  it("writes minor units back as the text it reads", () => {
    expect(moneyText(123450, "MXN")).toBe("1234.50");
    expect(moneyText(5, "MXN")).toBe("0.05");
    expect(moneyText(1500, "JPY")).toBe("1500");
    for (const minor of [0, 7, 99, 100, 34950]) expect(parseMoney(moneyText(minor, "USD"), "USD")).toBe(minor);
  });
});
