// Local weeks (from Monday) and months, by hand: Mexico City (UTC−6 all year), Madrid across its
// March DST change, Santiago whose DST starts at midnight (no 00:00 that day), and which UTC day
// and hour buckets make each period.
import { describe, expect, it } from "@jest/globals";
import { localMidnight, periodsOverlapping, planPeriods } from "./local-periods.js";

const iso = (periods: { start: Date; end: Date }[]) => periods.map(({ start, end }) => `${start.toISOString()} ${end.toISOString()}`);

describe("local periods", () => {
  it("starts weeks on Monday 00:00 and months on the 1st 00:00 of the shop's zone", () => {
    const range = { start: new Date("2026-11-20T00:00:00Z"), end: new Date("2026-12-02T00:00:00Z") };
    // 2026-11-20T00:00Z is Thursday 19 November, 18:00 in Mexico City: its week began Monday 16th, 06:00Z.
    expect(iso(periodsOverlapping(range, "week", "America/Mexico_City"))).toEqual([
      "2026-11-16T06:00:00.000Z 2026-11-23T06:00:00.000Z",
      "2026-11-23T06:00:00.000Z 2026-11-30T06:00:00.000Z",
      "2026-11-30T06:00:00.000Z 2026-12-07T06:00:00.000Z",
    ]);
    expect(iso(periodsOverlapping(range, "month", "America/Mexico_City"))).toEqual(["2026-11-01T06:00:00.000Z 2026-12-01T06:00:00.000Z", "2026-12-01T06:00:00.000Z 2027-01-01T06:00:00.000Z"]);
  });

  it("follows a DST change: Madrid's week of 29 March 2026 is 167 hours long, April starts at 22:00Z", () => {
    const range = { start: new Date("2026-03-25T00:00:00Z"), end: new Date("2026-04-02T00:00:00Z") };
    expect(iso(periodsOverlapping(range, "week", "Europe/Madrid"))).toEqual(["2026-03-22T23:00:00.000Z 2026-03-29T22:00:00.000Z", "2026-03-29T22:00:00.000Z 2026-04-05T22:00:00.000Z"]);
    expect(iso(periodsOverlapping(range, "month", "Europe/Madrid"))).toEqual(["2026-02-28T23:00:00.000Z 2026-03-31T22:00:00.000Z", "2026-03-31T22:00:00.000Z 2026-04-30T22:00:00.000Z"]);
  });

  it("starts a day without a midnight (Santiago, 6 September 2026) at its first existing instant", () => {
    expect(localMidnight({ year: 2026, month: 9, day: 6 }, "America/Santiago").toISOString()).toBe("2026-09-06T04:00:00.000Z");
    expect(localMidnight({ year: 2026, month: 9, day: 7 }, "America/Santiago").toISOString()).toBe("2026-09-07T03:00:00.000Z");
  });

  it("reads whole UTC days inside a period as day buckets and a day cut by a boundary as its hours", () => {
    const range = { start: new Date("2026-11-24T00:00:00Z"), end: new Date("2026-11-30T00:00:00Z") };
    const plan = planPeriods(range, "week", "America/Mexico_City", new Date("2026-10-01T00:00:00Z"));
    // Week 23 Nov 06:00Z – 30 Nov 06:00Z: the 23rd and the 30th are cut (hours 06–23 and 00–05), the 24th–29th whole.
    expect(plan.days.map((day) => day.start.toISOString().slice(0, 10))).toEqual(["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29"]);
    expect(plan.hours.map((hour) => hour.start.toISOString().slice(0, 13))).toEqual([
      ...Array.from({ length: 18 }, (_, h) => `2026-11-23T${String(h + 6).padStart(2, "0")}`),
      ...Array.from({ length: 6 }, (_, h) => `2026-11-30T0${h}`),
    ]);
    expect(new Set([...plan.days, ...plan.hours].map((piece) => piece.period))).toEqual(new Set([0]));
  });

  it("counts a cut day whose hours are no longer kept in the period of its midday", () => {
    const range = { start: new Date("2026-08-20T00:00:00Z"), end: new Date("2026-09-10T00:00:00Z") };
    const plan = planPeriods(range, "month", "America/Mexico_City", new Date("2026-11-01T00:00:00Z"));
    expect(plan.hours).toEqual([]);
    // 1 September UTC: 00:00–06:00Z is still August in Mexico City, but its midday is September's.
    expect(plan.days.find((day) => day.start.toISOString() === "2026-09-01T00:00:00.000Z")?.period).toBe(1);
    expect(plan.days.find((day) => day.start.toISOString() === "2026-08-31T00:00:00.000Z")?.period).toBe(0);
  });
});
