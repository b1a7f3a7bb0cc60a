// The shop's analytics from the live rollups: KPIs for a range (the last 24 h, 7 d, 30 d, or from/to)
// and a time series of one metric for charts. Ranges up to 7 days read hour buckets (exact to the
// hour); longer ones read day buckets (whole UTC days, so a range's first and last day count in
// full). Engagement by hour of day and active bots come from hour buckets, kept 35 days. Series
// come per UTC hour or day, or per week (from Monday) or month in the shop's time zone (see
// local-periods.ts); the `sales` series gives the orders' count and the amount sold per currency.
// Answers are kept a few seconds per tenant and question: a dashboard refreshing is a cache hit.
import { LRUCache } from "lru-cache";
import { ROLLUP_FIELDS, ROLLUP_TTL_SECONDS } from "@fleet/contracts";
import { AppError, entriesBound } from "@fleet/service-kit";
import { authorize, type Caller } from "../../auth/permissions.js";
import type { SettingsUseCases } from "../settings/settings.use-case.js";
import type { AnalyticsRepository, BucketKind } from "./analytics.repository.js";
import { engagementByHour, kpisOf, salesOf, sumBuckets, type Bucket, type Kpis } from "./kpis.js";
import { planPeriods, type PeriodKind } from "./local-periods.js";

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
/** Ranges up to this long read hour buckets. */
const HOURLY_UP_TO_MS = 7 * DAY_MS;
const HOUR_BUCKETS_KEPT_MS = ROLLUP_TTL_SECONDS.hour * 1000;
const LONGEST_RANGE_MS = 400 * DAY_MS;

export const PRESET_RANGES = { "24h": DAY_MS, "7d": 7 * DAY_MS, "30d": 30 * DAY_MS } as const;
export type PresetRange = keyof typeof PRESET_RANGES;

/** The metrics a time series can show: the rollup fields by their API names. */
export const SERIES_METRICS = {
  messagesIn: ROLLUP_FIELDS.messagesIn,
  messagesOut: ROLLUP_FIELDS.messagesOut,
  messagesFailed: ROLLUP_FIELDS.messagesFailed,
  conversations: ROLLUP_FIELDS.conversationsStarted,
  orders: ROLLUP_FIELDS.ordersCreated,
  handoffs: ROLLUP_FIELDS.handoffsRequested,
  /** The orders' count, with the amount sold per currency. */
  sales: ROLLUP_FIELDS.ordersCreated,
} as const;
export type SeriesMetric = keyof typeof SERIES_METRICS;

export const SERIES_BUCKETS = ["hour", "day", "week", "month"] as const;
export type SeriesBucket = (typeof SERIES_BUCKETS)[number];

export interface RangeInput {
  range?: PresetRange | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export interface Range {
  from: Date;
  to: Date;
}

export interface Metrics extends Kpis {
  range: { from: string; to: string };
  /** Messages received per hour of day (0–23) in the shop's time zone. */
  engagementByHour: number[];
  timeZone: string;
}

export interface SeriesPoint {
  start: string;
  value: number;
  /** The `sales` series only: amount sold per currency, in minor units. */
  amounts?: { currency: string; amountMinor: number }[];
}

export interface Series {
  metric: SeriesMetric;
  bucket: SeriesBucket;
  /** The time zone weeks and months are cut in (week and month series only). */
  timeZone?: string;
  points: SeriesPoint[];
}

/** One point of a series from the buckets it sums. */
function pointOf(start: Date, buckets: readonly Bucket[], metric: SeriesMetric): SeriesPoint {
  const total = sumBuckets(buckets);
  const value = total.get(SERIES_METRICS[metric]) ?? 0;
  return { start: start.toISOString(), value, ...(metric === "sales" ? { amounts: salesOf(total) } : {}) };
}

/** Bucket starts (UTC hours or days) overlapping [from, to). */
export function bucketStarts(range: Range, kind: BucketKind): Date[] {
  const size = kind === "hour" ? HOUR_MS : DAY_MS;
  const starts: Date[] = [];
  for (let at = Math.floor(range.from.getTime() / size) * size; at < range.to.getTime(); at += size) starts.push(new Date(at));
  return starts;
}

const invalidRange = (message: string) => new AppError("invalid_argument", "INVALID_RANGE", message);

export function createAnalytics({ repository, settings, now = () => new Date(), cacheMs = 5000 }: { repository: AnalyticsRepository; settings: Pick<SettingsUseCases, "readSettings">; now?: () => Date; cacheMs?: number }) {
  const metricsCache = new LRUCache<string, Metrics>({ ...entriesBound(5000), ttl: cacheMs });
  const seriesCache = new LRUCache<string, Series>({ ...entriesBound(5000), ttl: cacheMs });

  function rangeOf(input: RangeInput): Range {
    if (input.from !== undefined || input.to !== undefined) {
      if (input.range !== undefined) throw invalidRange("give either range or from/to");
      const to = input.to === undefined ? now() : new Date(input.to);
      const from = input.from === undefined ? new Date(to.getTime() - PRESET_RANGES["7d"]) : new Date(input.from);
      if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw invalidRange("from and to are ISO 8601 instants");
      if (from >= to) throw invalidRange("from must be before to");
      if (to.getTime() - from.getTime() > LONGEST_RANGE_MS) throw invalidRange("a range is at most 400 days");
      return { from, to };
    }
    const to = now();
    return { from: new Date(to.getTime() - PRESET_RANGES[input.range ?? "7d"]), to };
  }

  // Answers being computed: requests that miss together (an expired answer under load) share one
  // computation instead of each reading the buckets again.
  const inFlight = new Map<string, Promise<object>>();

  /** `key` names the question across both caches (metrics and series keys never collide: see their prefixes). */
  async function cached<T extends object>(cache: LRUCache<string, T>, key: string, compute: () => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    if (hit) return hit;
    const flightKey = key;
    const pending = inFlight.get(flightKey) as Promise<T> | undefined;
    if (pending) return pending;
    const computing = compute()
      .then((value) => {
        cache.set(key, value);
        return value;
      })
      .finally(() => inFlight.delete(flightKey));
    inFlight.set(flightKey, computing);
    return computing;
  }

  const metricsKey = (tenantId: string, input: RangeInput) => `metrics:${tenantId}:${input.range ?? ""}:${input.from ?? ""}:${input.to ?? ""}`;

  /**
   * KPIs of a range. Up to 7 days from the hour buckets (whole); longer from the day buckets, with
   * only the `in` field of each hour bucket (engagement by hour): a 30-day answer reads 720 small
   * fields and 31 hashes in one pipelined round trip, plus the active bots' set union.
   */
  async function computeMetrics(tenantId: string, range: Range): Promise<Metrics> {
    const { timeZone } = await settings.readSettings(tenantId);
    const hourly = range.to.getTime() - range.from.getTime() <= HOURLY_UP_TO_MS;
    const hours = bucketStarts(keptHours(range), "hour");
    const [buckets, messagesInByHour, activeBots] = await Promise.all([
      hourly ? repository.buckets(tenantId, "hour", hours) : repository.buckets(tenantId, "day", bucketStarts(range, "day")),
      hourly ? Promise.resolve(null) : repository.field(tenantId, "hour", hours, ROLLUP_FIELDS.messagesIn),
      repository.activeBots(tenantId, hours),
    ]);
    const hourBuckets: Bucket[] = messagesInByHour ? messagesInByHour.map((value): Bucket => (value === null ? {} : { [ROLLUP_FIELDS.messagesIn]: value })) : buckets;
    return {
      ...kpisOf(buckets, activeBots),
      range: { from: range.from.toISOString(), to: range.to.toISOString() },
      engagementByHour: engagementByHour(
        hours.map((start, index) => ({ start, bucket: hourBuckets[index] ?? {} })),
        timeZone,
      ),
      timeZone,
    };
  }

  /** A series per local week or month: whole UTC days from day buckets, the days cut by a boundary from hour buckets. */
  async function periodSeries(tenantId: string, range: Range, metric: SeriesMetric, kind: PeriodKind): Promise<Series> {
    const { timeZone } = await settings.readSettings(tenantId);
    // A whole day of hour buckets is kept only from a day after the oldest hour kept.
    const plan = planPeriods({ start: range.from, end: range.to }, kind, timeZone, new Date(now().getTime() - HOUR_BUCKETS_KEPT_MS + DAY_MS));
    const [days, hours] = await Promise.all([
      repository.buckets(tenantId, "day", plan.days.map((day) => day.start)),
      repository.buckets(tenantId, "hour", plan.hours.map((hour) => hour.start)),
    ]);
    const byPeriod = plan.periods.map((): Bucket[] => []);
    plan.days.forEach((day, index) => byPeriod[day.period]?.push(days[index] ?? {}));
    plan.hours.forEach((hour, index) => byPeriod[hour.period]?.push(hours[index] ?? {}));
    return { metric, bucket: kind, timeZone, points: plan.periods.map((period, index) => pointOf(period.start, byPeriod[index] ?? [], metric)) };
  }

  /** The hour buckets of the range still kept (the last 35 days). */
  const keptHours = (range: Range): Range => ({ from: new Date(Math.max(range.from.getTime(), now().getTime() - HOUR_BUCKETS_KEPT_MS)), to: range.to });

  return {
    async metrics(caller: Caller, input: RangeInput): Promise<Metrics> {
      authorize(caller, "analytics:read");
      const range = rangeOf(input);
      return cached(metricsCache, metricsKey(caller.tenantId, input), () => computeMetrics(caller.tenantId, range));
    },

    /**
     * The last 24 h KPIs of a tenant computed now (never from the cache), for the dashboards' "kpis"
     * pushes: the same body as metrics(range=24h), which it refreshes in the cache. Whoever receives
     * them is checked by the caller (only users who may read analytics).
     */
    async liveKpis(tenantId: string): Promise<Metrics> {
      const input: RangeInput = { range: "24h" };
      const metrics = await computeMetrics(tenantId, rangeOf(input));
      metricsCache.set(metricsKey(tenantId, input), metrics);
      return metrics;
    },

    async timeseries(caller: Caller, input: RangeInput & { metric: SeriesMetric; bucket: SeriesBucket }): Promise<Series> {
      authorize(caller, "analytics:read");
      const range = rangeOf(input);
      const { metric, bucket } = input;
      return cached(seriesCache, `series:${caller.tenantId}:${metric}:${bucket}:${input.range ?? ""}:${input.from ?? ""}:${input.to ?? ""}`, async () => {
        if (bucket === "week" || bucket === "month") return periodSeries(caller.tenantId, range, metric, bucket);
        // At most 840 hours (35 days kept) or 400 days.
        const starts = bucketStarts(bucket === "hour" ? keptHours(range) : range, bucket);
        const buckets = await repository.buckets(caller.tenantId, bucket, starts);
        return { metric, bucket, points: starts.map((start, index) => pointOf(start, [buckets[index] ?? {}], metric)) };
      });
    },
  };
}

export type Analytics = ReturnType<typeof createAnalytics>;
