// Weeks (Monday to Sunday) and months in the shop's time zone, and which rollup buckets make each
// of them. The worker's buckets are UTC hours and UTC days, so a local period is summed from the UTC
// days wholly inside it and, for a UTC day cut by the period's local midnight, from that day's 24
// hour buckets (each counted in the period its hour starts in). Hour buckets are kept 35 days: an
// older cut day counts whole in the period holding its midday (UTC), the closest the day buckets can
// tell. Zones whose offset is not a whole hour (e.g. Asia/Kolkata) have their cut hour counted in
// the period it starts in.

export type PeriodKind = "week" | "month";

export interface Period {
  start: Date;
  end: Date;
}

/** The buckets to read: each UTC day or hour with the index of the period it counts in. */
export interface PeriodPlan {
  periods: Period[];
  days: { start: Date; period: number }[];
  hours: { start: Date; period: number }[];
}

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

interface LocalDate {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  /** 1 Monday … 7 Sunday */
  weekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", weekday: "short" });
    if (formatters.size < 1000) formatters.set(timeZone, formatter);
  }
  return formatter;
}

function wallClock(at: Date, timeZone: string): LocalDate & { hour: number; minute: number; second: number } {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(at)) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: WEEKDAYS[parts.weekday ?? ""] ?? 1,
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function offsetAt(at: Date, timeZone: string): number {
  const wall = wallClock(at, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The calendar date `days` after a date (days may be negative or overflow the month). */
function addDays(date: Pick<LocalDate, "year" | "month" | "day">, days: number): Pick<LocalDate, "year" | "month" | "day"> {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** The first instant of a local calendar date in a zone (after a DST gap at midnight, the first existing time). */
export function localMidnight(date: Pick<LocalDate, "year" | "month" | "day">, timeZone: string): Date {
  const wallMs = Date.UTC(date.year, date.month - 1, date.day);
  let at = wallMs - offsetAt(new Date(wallMs), timeZone);
  at = wallMs - offsetAt(new Date(at), timeZone);
  // Midnight fell in a gap: the wall clock reads the day before; the day starts at the transition.
  const sameDay = (ms: number) => {
    const wall = wallClock(new Date(ms), timeZone);
    return wall.year === date.year && wall.month === date.month && wall.day === date.day;
  };
  while (!sameDay(at) && at < wallMs + DAY_MS) at += 15 * 60_000;
  while (sameDay(at - 15 * 60_000)) at -= 15 * 60_000;
  return new Date(at);
}

/** The start of the local week (Monday 00:00) or month (the 1st, 00:00) holding an instant. */
export function periodStart(at: Date, kind: PeriodKind, timeZone: string): Date {
  const wall = wallClock(at, timeZone);
  const first = kind === "week" ? addDays(wall, 1 - wall.weekday) : { year: wall.year, month: wall.month, day: 1 };
  return localMidnight(first, timeZone);
}

/** The start of the local week or month after the one starting at `start`. */
export function nextPeriodStart(start: Date, kind: PeriodKind, timeZone: string): Date {
  // Noon of the period's first local day: clear of any DST shift around midnight.
  const wall = wallClock(new Date(start.getTime() + 12 * HOUR_MS), timeZone);
  const next = kind === "week" ? addDays(wall, 7) : { year: wall.month === 12 ? wall.year + 1 : wall.year, month: (wall.month % 12) + 1, day: 1 };
  return localMidnight(next, timeZone);
}

/** The local weeks or months overlapping [from, to), oldest first. */
export function periodsOverlapping(range: Period, kind: PeriodKind, timeZone: string): Period[] {
  const periods: Period[] = [];
  for (let start = periodStart(range.start, kind, timeZone); start < range.end; ) {
    const end = nextPeriodStart(start, kind, timeZone);
    periods.push({ start, end });
    start = end;
  }
  return periods;
}

/**
 * The buckets that make each local period overlapping the range: whole UTC days inside a period as
 * day buckets; a UTC day cut by a period boundary as its hour buckets when they are all still kept
 * (the day starts at or after `hoursKeptFrom`), else as a day bucket in the period of its midday.
 */
export function planPeriods(range: Period, kind: PeriodKind, timeZone: string, hoursKeptFrom: Date): PeriodPlan {
  const periods = periodsOverlapping(range, kind, timeZone);
  const plan: PeriodPlan = { periods, days: [], hours: [] };
  const first = periods[0];
  const last = periods.at(-1);
  if (!first || !last) return plan;
  const periodOf = (ms: number) => periods.findIndex((period) => period.start.getTime() <= ms && ms < period.end.getTime());
  for (let day = Math.floor(first.start.getTime() / DAY_MS) * DAY_MS; day < last.end.getTime(); day += DAY_MS) {
    const atStart = periodOf(day);
    if (atStart >= 0 && atStart === periodOf(day + DAY_MS - 1)) {
      plan.days.push({ start: new Date(day), period: atStart });
    } else if (day >= hoursKeptFrom.getTime()) {
      for (let hour = day; hour < day + DAY_MS; hour += HOUR_MS) {
        const period = periodOf(hour);
        if (period >= 0) plan.hours.push({ start: new Date(hour), period });
      }
    } else {
      const period = periodOf(day + DAY_MS / 2);
      if (period >= 0) plan.days.push({ start: new Date(day), period });
    }
  }
  return plan;
}
