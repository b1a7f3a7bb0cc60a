// Weekly hours read in a time zone: the local day and minute of an instant, and when the hours next
// change, including across midnight and a DST shift.
import { describe, expect, it } from "@jest/globals";
import { canonicalTimeZone, isWithin, nextChange, wallClock, WeeklyHoursSchema, type WeeklyHours } from "./weekly-hours.js";

const weekdays9to18: WeeklyHours = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, ranges: [{ open: "09:00", close: "18:00" }] }));
const openIn = (hours: WeeklyHours) => (wall: ReturnType<typeof wallClock>) => isWithin(hours, wall);

describe("wall clock in a time zone", () => {
  it("puts 05:30 UTC on a Tuesday on the previous Monday evening in Mexico City (UTC-6, no DST)", () => {
    const at = new Date("2025-07-15T05:30:00Z");
    expect(wallClock(at, "UTC")).toEqual({ date: "2025-07-15", weekday: 2, minutes: 5 * 60 + 30 });
    expect(wallClock(at, "America/Mexico_City")).toEqual({ date: "2025-07-14", weekday: 1, minutes: 23 * 60 + 30 });
  });

  it("follows summer time in Madrid: 08:30 UTC is 09:30 in winter and 10:30 in summer", () => {
    expect(wallClock(new Date("2025-01-15T08:30:00Z"), "Europe/Madrid").minutes).toBe(9 * 60 + 30);
    expect(wallClock(new Date("2025-07-15T08:30:00Z"), "Europe/Madrid").minutes).toBe(10 * 60 + 30);
  });
});

describe("next change of the hours", () => {
  it("answers the next opening in the shop's zone when closed at night", () => {
    // Monday 23:30 in Mexico City: next opening is Tuesday 09:00 local = 15:00 UTC.
    const next = nextChange(new Date("2025-07-15T05:30:00Z"), "America/Mexico_City", weekdays9to18, openIn(weekdays9to18));
    expect(next?.toISOString()).toBe("2025-07-15T15:00:00.000Z");
  });

  it("answers the closing time when open, and skips the weekend to Monday", () => {
    const friday = new Date("2025-07-18T20:00:00Z"); // Friday 14:00 in Mexico City
    const closes = nextChange(friday, "America/Mexico_City", weekdays9to18, openIn(weekdays9to18));
    expect(closes?.toISOString()).toBe("2025-07-19T00:00:00.000Z");
    const opens = nextChange(new Date("2025-07-19T00:00:00Z"), "America/Mexico_City", weekdays9to18, openIn(weekdays9to18));
    expect(opens?.toISOString()).toBe("2025-07-21T15:00:00.000Z");
  });

  it("lands on the exact instant across the spring DST shift (Madrid, 30 March 2025 02:00 → 03:00)", () => {
    const sunday: WeeklyHours = [{ weekday: 7, ranges: [{ open: "02:30", close: "12:00" }] }];
    // Sunday 01:50 CET (00:50 UTC): local 02:30 does not exist, so it opens when the clock jumps to 03:00 CEST (01:00 UTC).
    const next = nextChange(new Date("2025-03-30T00:50:00Z"), "Europe/Madrid", sunday, openIn(sunday));
    expect(next?.toISOString()).toBe("2025-03-30T01:00:00.000Z");
    // And the summer offset applies to the closing time: 12:00 CEST = 10:00 UTC.
    expect(nextChange(next ?? new Date(0), "Europe/Madrid", sunday, openIn(sunday))?.toISOString()).toBe("2025-03-30T10:00:00.000Z");
  });

  it("answers null for hours that never change", () => {
    expect(nextChange(new Date("2025-07-15T05:30:00Z"), "UTC", [], openIn([]))).toBeNull();
    const always: WeeklyHours = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ open: "00:00", close: "24:00" }] }));
    expect(nextChange(new Date("2025-07-15T05:30:00Z"), "UTC", always, openIn(always))).toBeNull();
  });
});

describe("validation", () => {
  it("refuses overnight and overlapping ranges and a weekday twice, accepts a close at 24:00", () => {
    expect(WeeklyHoursSchema.safeParse([{ weekday: 5, ranges: [{ open: "22:00", close: "02:00" }] }]).success).toBe(false);
    expect(WeeklyHoursSchema.safeParse([{ weekday: 5, ranges: [{ open: "09:00", close: "13:00" }, { open: "12:00", close: "18:00" }] }]).success).toBe(false);
    expect(WeeklyHoursSchema.safeParse([{ weekday: 1, ranges: [] }, { weekday: 1, ranges: [] }]).success).toBe(false);
    expect(WeeklyHoursSchema.safeParse([{ weekday: 8, ranges: [] }]).success).toBe(false);
    expect(WeeklyHoursSchema.safeParse([{ weekday: 5, ranges: [{ open: "09:00", close: "13:00" }, { open: "22:00", close: "24:00" }] }]).success).toBe(true);
  });

  it("knows IANA zones in their canonical spelling and refuses offsets and made-up names", () => {
    expect(canonicalTimeZone("America/Mexico_City")).toBe("America/Mexico_City");
    expect(canonicalTimeZone("utc")).toBe("UTC");
    expect(canonicalTimeZone("+05:00")).toBeNull();
    expect(canonicalTimeZone("Mars/Olympus_Mons")).toBeNull();
  });
});
