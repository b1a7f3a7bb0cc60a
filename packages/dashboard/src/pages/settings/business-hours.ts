// The shop's weekly hours as the form edits them and as the API takes them. A time input cannot
// hold "24:00" (a range that closes at midnight): the form shows it as a close at "00:00", which
// is otherwise never a valid close (it must come after the open).
import type { DayHours } from "./settings.queries";

export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;
export const MAX_RANGES = 8;

export interface RangeDraft {
  key: number;
  open: string;
  close: string;
}

export interface DayDraft {
  weekday: number;
  open: boolean;
  ranges: RangeDraft[];
}

let nextKey = 0;
export const newRange = (open = "09:00", close = "18:00"): RangeDraft => ({ key: nextKey++, open, close });

export function toDrafts(hours: readonly DayHours[]): DayDraft[] {
  return WEEKDAYS.map((weekday) => {
    const ranges = hours.find((day) => day.weekday === weekday)?.ranges ?? [];
    return { weekday, open: ranges.length > 0, ranges: ranges.map((range) => newRange(range.open, range.close === "24:00" ? "00:00" : range.close)) };
  });
}

export function fromDrafts(days: readonly DayDraft[]): DayHours[] {
  return days.map((day) => ({
    weekday: day.weekday,
    ranges: day.open ? day.ranges.map((range) => ({ open: range.open, close: range.close === "00:00" ? "24:00" : range.close })) : [],
  }));
}

/** The weekday's name in the UI's language (1 Monday … 7 Sunday); 2024-01-01 was a Monday. */
export function weekdayName(weekday: number, language: string): string {
  return new Intl.DateTimeFormat(language, { weekday: "long", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, weekday)));
}

/** The same, capitalized for a heading ("lunes" → "Lunes"). */
export function weekdayTitle(weekday: number, language: string): string {
  const name = weekdayName(weekday, language);
  return name.charAt(0).toLocaleUpperCase(language) + name.slice(1);
}

/**
 * The problems of a VALIDATION_FAILED answer per day of the week, by the path of each problem
 * ("businessHours.2.ranges.0" is the third day sent: the form sends the seven days in order).
 */
export function problemsPerWeekday(details: unknown): Map<number, string[]> {
  const problems = new Map<number, string[]>();
  const list: unknown[] = Array.isArray(details) ? details : [];
  for (const issue of list) {
    if (typeof issue !== "object" || issue === null || !("path" in issue) || !("message" in issue)) continue;
    const { path, message } = issue;
    const match = typeof path === "string" ? /^businessHours\.(\d+)(?:\.|$)/.exec(path) : null;
    const weekday = match ? WEEKDAYS[Number(match[1])] : undefined;
    if (weekday === undefined || typeof message !== "string") continue;
    problems.set(weekday, [...(problems.get(weekday) ?? []), message]);
  }
  return problems;
}

/** "10:00–14:00, 16:00–19:00" for a read-only view. */
export function rangesText(day: DayHours | undefined): string {
  return (day?.ranges ?? []).map((range) => `${range.open}–${range.close}`).join(", ");
}
