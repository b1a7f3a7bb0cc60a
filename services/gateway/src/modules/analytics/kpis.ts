// The shop's KPIs from the analytics worker's rollup buckets (see @fleet/contracts
// analytics-rollups): pure sums and ratios over the buckets of a range, the p90 response time from
// the histogram, and engagement by hour of day in the shop's time zone from the UTC hour buckets.
import { RESPONSE_MS_BOUNDS, ROLLUP_FIELDS, responseBucketField } from "@fleet/contracts";

/** A bucket as Redis gives it: field → decimal text. */
export type Bucket = Record<string, string>;

export interface Kpis {
  messagesIn: number;
  messagesOut: number;
  messagesFailed: number;
  /** failed / (out + failed); 0 without sends. */
  errorRate: number;
  /** Bot response time, from the contact's message to each reply; null without replies. */
  responseMs: { average: number | null; p90: number | null };
  activeBots: number;
  conversations: number;
  /** Conversations started in the range that led to an order within 7 days, and their share of the conversations started (0 without any). */
  conversion: { converted: number; rate: number };
  handoffs: { requested: number; attended: number; escalated: number };
  sellers: { assigned: number; released: number; alerted: number };
  orders: number;
  /** Amount sold per currency, in minor units. */
  sales: { currency: string; amountMinor: number }[];
  stockLow: number;
  errors: number;
}

const number = (bucket: Bucket, field: string) => {
  const value = Number(bucket[field] ?? 0);
  return Number.isFinite(value) ? value : 0;
};

/** Field-wise sum of buckets. */
export function sumBuckets(buckets: readonly Bucket[]): Map<string, number> {
  const total = new Map<string, number>();
  for (const bucket of buckets) for (const field of Object.keys(bucket)) total.set(field, (total.get(field) ?? 0) + number(bucket, field));
  return total;
}

/** The smallest histogram bound under which 90 % of the responses fall (the last bound for the open bucket); null without responses. */
export function p90(total: ReadonlyMap<string, number>): number | null {
  const bounds = [...RESPONSE_MS_BOUNDS, Infinity];
  const counts = bounds.map((bound) => total.get(responseBucketField(bound === Infinity ? "inf" : bound)) ?? 0);
  const all = counts.reduce((a, b) => a + b, 0);
  if (all === 0) return null;
  let seen = 0;
  for (const [index, count] of counts.entries()) {
    seen += count;
    if (seen >= 0.9 * all) return bounds[index] === Infinity ? (RESPONSE_MS_BOUNDS.at(-1) ?? null) : (bounds[index] ?? null);
  }
  return null;
}

/** The amount sold per currency (the `sales:<currency>` fields), by currency code. */
export function salesOf(total: ReadonlyMap<string, number>): { currency: string; amountMinor: number }[] {
  return [...total.entries()]
    .filter(([field]) => field.startsWith("sales:"))
    .map(([field, amount]) => ({ currency: field.slice("sales:".length), amountMinor: amount }))
    .sort((a, b) => a.currency.localeCompare(b.currency));
}

export function kpisOf(buckets: readonly Bucket[], activeBots: number): Kpis {
  const total = sumBuckets(buckets);
  const get = (field: string) => total.get(field) ?? 0;
  const out = get(ROLLUP_FIELDS.messagesOut);
  const failed = get(ROLLUP_FIELDS.messagesFailed);
  const responses = get(ROLLUP_FIELDS.responseCount);
  const started = get(ROLLUP_FIELDS.conversationsStarted);
  const converted = get(ROLLUP_FIELDS.conversationsConverted);
  const sales = salesOf(total);
  return {
    messagesIn: get(ROLLUP_FIELDS.messagesIn),
    messagesOut: out,
    messagesFailed: failed,
    errorRate: out + failed === 0 ? 0 : failed / (out + failed),
    responseMs: { average: responses === 0 ? null : Math.round(get(ROLLUP_FIELDS.responseMsSum) / responses), p90: p90(total) },
    activeBots,
    conversations: started,
    // A conversion counted before its start was folded (a late event) cannot make the rate exceed 1.
    conversion: { converted, rate: started === 0 ? 0 : Math.min(1, converted / started) },
    handoffs: { requested: get(ROLLUP_FIELDS.handoffsRequested), attended: get(ROLLUP_FIELDS.handoffsAttended), escalated: get(ROLLUP_FIELDS.handoffsEscalated) },
    sellers: { assigned: get(ROLLUP_FIELDS.sellersAssigned), released: get(ROLLUP_FIELDS.sellersReleased), alerted: get(ROLLUP_FIELDS.sellersAlerted) },
    orders: get(ROLLUP_FIELDS.ordersCreated),
    sales,
    stockLow: get(ROLLUP_FIELDS.stockLow),
    errors: get(ROLLUP_FIELDS.errors),
  };
}

const hourFormatters = new Map<string, Intl.DateTimeFormat>();

/** The hour of day (0–23) an instant is in a time zone. */
export function localHour(at: Date, timeZone: string): number {
  let formatter = hourFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", hourCycle: "h23" });
    if (hourFormatters.size < 1000) hourFormatters.set(timeZone, formatter);
  }
  return Number(formatter.format(at)) % 24;
}

/** Messages received per hour of day (0–23) in the shop's time zone, from UTC hour buckets with their start instants. */
export function engagementByHour(hours: readonly { start: Date; bucket: Bucket }[], timeZone: string): number[] {
  const byHour = Array.from({ length: 24 }, () => 0);
  for (const { start, bucket } of hours) {
    const hour = localHour(start, timeZone);
    byHour[hour] = (byHour[hour] ?? 0) + number(bucket, ROLLUP_FIELDS.messagesIn);
  }
  return byHour;
}
