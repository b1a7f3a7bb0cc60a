// The shop's analytics from the live rollups: KPIs for a range (the last 24 h, 7 d, 30 d, or from/to)
// and a time series of one metric for charts. Ranges up to 7 days read hour buckets (exact to the
// hour); longer ones read day buckets (whole UTC days, so a range's first and last day count in
// full). Engagement by hour of day and active bots come from hour buckets, kept 35 days. Answers
// are kept a few seconds per tenant and question: a dashboard refreshing is a cache hit.
import { LRUCache } from "lru-cache";
import { ROLLUP_FIELDS, ROLLUP_TTL_SECONDS } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
import { authorize, type Caller } from "../../auth/permissions.js";
import type { SettingsUseCases } from "../settings/settings.use-case.js";
import type { AnalyticsRepository, BucketKind } from "./analytics.repository.js";
import { engagementByHour, kpisOf, type Kpis } from "./kpis.js";

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
} as const;
export type SeriesMetric = keyof typeof SERIES_METRICS;

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

export interface Series {
  metric: SeriesMetric;
  bucket: BucketKind;
  points: { start: string; value: number }[];
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
  const metricsCache = new LRUCache<string, Metrics>({ max: 5000, ttl: cacheMs });
  const seriesCache = new LRUCache<string, Series>({ max: 5000, ttl: cacheMs });

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

  async function cached<T extends object>(cache: LRUCache<string, T>, key: string, compute: () => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    if (hit) return hit;
    const value = await compute();
    cache.set(key, value);
    return value;
  }

  /** The hour buckets of the range still kept (the last 35 days). */
  const keptHours = (range: Range): Range => ({ from: new Date(Math.max(range.from.getTime(), now().getTime() - HOUR_BUCKETS_KEPT_MS)), to: range.to });

  return {
    async metrics(caller: Caller, input: RangeInput): Promise<Metrics> {
      authorize(caller, "analytics:read");
      const range = rangeOf(input);
      return cached(metricsCache, `${caller.tenantId}:${input.range ?? ""}:${input.from ?? ""}:${input.to ?? ""}`, async () => {
        const { timeZone } = await settings.readSettings(caller.tenantId);
        const hourly = range.to.getTime() - range.from.getTime() <= HOURLY_UP_TO_MS;
        const hours = bucketStarts(keptHours(range), "hour");
        const [hourBuckets, dayBuckets, activeBots] = await Promise.all([
          repository.buckets(caller.tenantId, "hour", hours),
          hourly ? Promise.resolve([]) : repository.buckets(caller.tenantId, "day", bucketStarts(range, "day")),
          repository.activeBots(caller.tenantId, hours),
        ]);
        return {
          ...kpisOf(hourly ? hourBuckets : dayBuckets, activeBots),
          range: { from: range.from.toISOString(), to: range.to.toISOString() },
          engagementByHour: engagementByHour(
            hours.map((start, index) => ({ start, bucket: hourBuckets[index] ?? {} })),
            timeZone,
          ),
          timeZone,
        };
      });
    },

    async timeseries(caller: Caller, input: RangeInput & { metric: SeriesMetric; bucket: BucketKind }): Promise<Series> {
      authorize(caller, "analytics:read");
      const range = rangeOf(input);
      // At most 840 hours (35 days kept) or 400 days.
      const starts = bucketStarts(input.bucket === "hour" ? keptHours(range) : range, input.bucket);
      return cached(seriesCache, `${caller.tenantId}:${input.metric}:${input.bucket}:${input.range ?? ""}:${input.from ?? ""}:${input.to ?? ""}`, async () => {
        const buckets = await repository.buckets(caller.tenantId, input.bucket, starts);
        const field = SERIES_METRICS[input.metric];
        return { metric: input.metric, bucket: input.bucket, points: starts.map((start, index) => ({ start: start.toISOString(), value: Number(buckets[index]?.[field] ?? 0) || 0 })) };
      });
    },
  };
}

export type Analytics = ReturnType<typeof createAnalytics>;
