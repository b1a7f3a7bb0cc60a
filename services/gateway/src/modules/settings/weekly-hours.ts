// Weekly opening hours (the shop's business hours, a seller's schedule) and their evaluation in
// the shop's IANA time zone. Ranges are "HH:MM"–"HH:MM" on one local day, open inclusive, close
// exclusive ("24:00" closes at midnight); several per day are allowed, overlapping ones are not.
// An overnight shift is refused as one range: it is written as two, "22:00"–"24:00" on one day
// and "00:00"–"02:00" on the next. Local wall-clock time comes from Intl (the runtime's tz
// database): no offset arithmetic is written here. Instants are stepped in real minutes and the
// wall clock re-read at each step, so DST gaps and repeats are handled by the database.
import { z } from "zod";

const MINUTES_PER_DAY = 24 * 60;

const TimeOfDay = z.string().regex(/^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/, 'must be "HH:MM" (00:00 to 24:00)');

export const TimeRangeSchema = z
  .object({ open: TimeOfDay, close: TimeOfDay })
  .strip()
  .refine((range) => minutesOf(range.open) < minutesOf(range.close), 'close must be after open (an overnight shift is two ranges: "22:00"–"24:00" and "00:00"–"02:00" the next day)')
  .meta({ id: "TimeRange" });

export const DayHoursSchema = z
  .object({
    weekday: z.number().int().min(1).max(7).meta({ description: "1 Monday … 7 Sunday" }),
    ranges: z.array(TimeRangeSchema).max(8).meta({ description: "Empty: closed that day" }),
  })
  .strip()
  .refine((day) => !overlaps(day.ranges), "ranges of one day must not overlap")
  .meta({ id: "DayHours" });

export const WeeklyHoursSchema = z
  .array(DayHoursSchema)
  .max(7)
  .refine((days) => new Set(days.map((day) => day.weekday)).size === days.length, "each weekday at most once");

export type TimeRange = z.infer<typeof TimeRangeSchema>;
export type DayHours = z.infer<typeof DayHoursSchema>;
export type WeeklyHours = DayHours[];

/** An IANA time zone the runtime knows, in its canonical spelling ("us/eastern" → "America/New_York"); null otherwise. */
export function canonicalTimeZone(value: string): string | null {
  // Offsets ("+05:00") are not zones: they ignore DST, which is the point of naming a zone.
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(value) || value.length > 64) return null;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

export function minutesOf(time: string): number {
  const [hours = "0", minutes = "0"] = time.split(":");
  return Number(hours) * 60 + Number(minutes);
}

function overlaps(ranges: readonly TimeRange[]): boolean {
  const sorted = ranges.map((r) => [minutesOf(r.open), minutesOf(r.close)] as const).sort((a, b) => a[0] - b[0]);
  return sorted.some((range, i) => i > 0 && range[0] < (sorted[i - 1]?.[1] ?? 0));
}

/** A moment as the shop's clock and calendar show it. */
export interface WallClock {
  /** "YYYY-MM-DD", local. */
  date: string;
  /** 1 Monday … 7 Sunday. */
  weekday: number;
  /** Minutes since local midnight. */
  minutes: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", weekday: "short" });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function wallClock(at: Date, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(at)) parts[part.type] = part.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: WEEKDAYS[parts.weekday ?? ""] ?? 1,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** Whether the weekly hours include that local moment. */
export function isWithin(hours: WeeklyHours, wall: WallClock): boolean {
  const day = hours.find((d) => d.weekday === wall.weekday);
  return (day?.ranges ?? []).some((range) => minutesOf(range.open) <= wall.minutes && wall.minutes < minutesOf(range.close));
}

/** Wall-clock minutes from `wall` to the next minute of the day where the hours may change (a range edge or midnight). */
function minutesToNextEdge(hours: WeeklyHours, wall: WallClock): number {
  const day = hours.find((d) => d.weekday === wall.weekday);
  const edges = (day?.ranges ?? []).flatMap((range) => [minutesOf(range.open), minutesOf(range.close)]).filter((edge) => edge > wall.minutes);
  return Math.min(MINUTES_PER_DAY, ...edges) - wall.minutes;
}

const MINUTE_MS = 60_000;
/** A week and a day: any weekly pattern changes within it unless it never changes. */
const HORIZON_MS = 8 * MINUTES_PER_DAY * MINUTE_MS;

/**
 * The first instant after `at` where `isOpen` (a function of the local wall clock) changes, or null
 * when it does not change within eight days (always open, always closed). Jumps from edge to edge
 * of the weekly hours, then narrows to the minute, so a DST shift between edges is still exact.
 */
export function nextChange(at: Date, timeZone: string, hours: WeeklyHours, isOpen: (wall: WallClock) => boolean): Date | null {
  const start = Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS;
  const initial = isOpen(wallClock(new Date(start), timeZone));
  const differs = (ms: number) => isOpen(wallClock(new Date(ms), timeZone)) !== initial;
  let from = start;
  while (from - start < HORIZON_MS) {
    const to = from + Math.max(1, minutesToNextEdge(hours, wallClock(new Date(from), timeZone))) * MINUTE_MS;
    if (differs(to)) {
      let [low, high] = [from, to];
      while (high - low > MINUTE_MS) {
        const middle = low + Math.floor((high - low) / MINUTE_MS / 2) * MINUTE_MS;
        if (differs(middle)) high = middle;
        else low = middle;
      }
      return new Date(high);
    }
    from = to;
  }
  return null;
}
