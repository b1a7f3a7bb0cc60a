// /api/analytics: the shop's KPIs and chart series from the live rollups. Everyone in the shop reads them.
import { z } from "zod";
import { userRoute, type Route } from "../../http/routes.js";
import { PRESET_RANGES, SERIES_METRICS, type Analytics } from "./analytics.use-case.js";

const RangeQuery = {
  range: z.enum(Object.keys(PRESET_RANGES) as [keyof typeof PRESET_RANGES]).optional().meta({ description: "The last 24 h, 7 d (default) or 30 d; or give from/to" }),
  from: z.string().max(40).optional().meta({ description: "ISO 8601 instant (a custom range, at most 400 days)" }),
  to: z.string().max(40).optional().meta({ description: "ISO 8601 instant (default: now)" }),
};

const Count = z.number();
const MetricsSchema = z
  .object({
    range: z.object({ from: z.string(), to: z.string() }),
    timeZone: z.string(),
    messagesIn: Count,
    messagesOut: Count,
    messagesFailed: Count,
    errorRate: z.number().meta({ description: "failed / (sent + failed)" }),
    responseMs: z.object({ average: z.number().nullable(), p90: z.number().nullable().meta({ description: "Upper bound of the histogram bucket holding the 90th percentile" }) }),
    activeBots: Count,
    conversations: Count,
    handoffs: z.object({ requested: Count, attended: Count, escalated: Count }),
    sellers: z.object({ assigned: Count, released: Count, alerted: Count }),
    orders: Count,
    sales: z.array(z.object({ currency: z.string(), amountMinor: Count })),
    stockLow: Count,
    errors: Count,
    engagementByHour: z.array(Count).meta({ description: "Messages received per hour of day 0–23 in the shop's time zone" }),
  })
  .meta({ id: "AnalyticsMetrics" });

const SeriesSchema = z
  .object({
    metric: z.string(),
    bucket: z.enum(["hour", "day"]),
    points: z.array(z.object({ start: z.string(), value: Count })),
  })
  .meta({ id: "AnalyticsSeries" });

export function analyticsRoutes(analytics: Analytics): Route[] {
  const tags = ["analytics"];
  const invalid = { 400: { description: "INVALID_RANGE, VALIDATION_FAILED" } };
  return [
    userRoute({
      method: "get",
      path: "/analytics/metrics",
      operationId: "getAnalyticsMetrics",
      summary: "The shop's KPIs for a range: messages, error rate, response time, conversations, hand-offs, seller workload, orders and sales, engagement by hour",
      tags,
      permission: "analytics:read",
      query: z.object(RangeQuery),
      responses: { 200: { description: "KPIs", schema: MetricsSchema }, ...invalid },
      handle: async ({ actor, query }) => ({ status: 200, body: await analytics.metrics(actor, query) }),
    }),
    userRoute({
      method: "get",
      path: "/analytics/timeseries",
      operationId: "getAnalyticsTimeseries",
      summary: "One metric per hour or day over a range, for charts",
      tags,
      permission: "analytics:read",
      query: z.object({
        ...RangeQuery,
        metric: z.enum(Object.keys(SERIES_METRICS) as [keyof typeof SERIES_METRICS]),
        bucket: z.enum(["hour", "day"]).default("day"),
      }),
      responses: { 200: { description: "Points, oldest first", schema: SeriesSchema }, ...invalid },
      handle: async ({ actor, query }) => ({ status: 200, body: await analytics.timeseries(actor, query) }),
    }),
  ];
}
