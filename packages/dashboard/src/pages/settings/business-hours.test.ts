// The weekly hours between the form and the API: closed days, the midnight close a time input
// cannot hold, and the API's problems placed on their day.
import { describe, expect, it } from "@jest/globals";
import { fromDrafts, problemsPerWeekday, toDrafts, weekdayTitle } from "./business-hours";

describe("business hours in the settings form", () => {
  it("round-trips the API's hours, with every weekday present and the days without ranges closed", () => {
    const hours = [
      { weekday: 1, ranges: [{ open: "10:00", close: "14:00" }, { open: "16:00", close: "19:00" }] },
      { weekday: 7, ranges: [{ open: "22:00", close: "24:00" }] },
    ];
    const drafts = toDrafts(hours);
    expect(drafts.map((day) => [day.weekday, day.open])).toEqual([[1, true], [2, false], [3, false], [4, false], [5, false], [6, false], [7, true]]);
    // A time input cannot hold 24:00: the form shows the midnight close as 00:00.
    expect(drafts[6]?.ranges.map((range) => range.close)).toEqual(["00:00"]);
    expect(fromDrafts(drafts).filter((day) => day.ranges.length > 0)).toEqual(hours);
  });

  it("sends a day unticked as closed even when it still holds ranges", () => {
    const drafts = toDrafts([{ weekday: 2, ranges: [{ open: "09:00", close: "18:00" }] }]).map((day) => ({ ...day, open: false }));
    expect(fromDrafts(drafts).every((day) => day.ranges.length === 0)).toBe(true);
  });

  it("places each VALIDATION_FAILED problem on the weekday it names and ignores the rest", () => {
    const problems = problemsPerWeekday([
      { path: "businessHours.0", message: "ranges of one day must not overlap" },
      { path: "businessHours.6.ranges.0", message: "close must be after open" },
      { path: "timeZone", message: "must be an IANA time zone" },
      "not a problem",
    ]);
    expect([...problems.entries()]).toEqual([
      [1, ["ranges of one day must not overlap"]],
      [7, ["close must be after open"]],
    ]);
  });

  it("names the weekdays in the UI's language, capitalized for headings", () => {
    expect([weekdayTitle(1, "es"), weekdayTitle(7, "en")]).toEqual(["Lunes", "Sunday"]);
  });
});
