// /api/analytics: the shop's KPIs and chart series from the live rollups, and its event log from the
// analytics worker's storage. Everyone in the shop reads them.
import { z } from "zod";
import { analyticsEventTypes } from "@fleet/contracts";
import { PageQuery, pageSchema } from "../../http/pagination.js";
import { userRoute, type Route } from "../../http/routes.js";
import { AnalyticsMetricsSchema as MetricsSchema } from "./analytics.schemas.js";
import { PRESET_RANGES, SERIES_BUCKETS, SERIES_METRICS, type Analytics } from "./analytics.use-case.js";
import type { ListEvents } from "./list-events.use-case.js";

const RangeQuery = {
  range: z.enum(Object.keys(PRESET_RANGES) as [keyof typeof PRESET_RANGES]).optional().meta({ description: "The last 24 h, 7 d (default) or 30 d; or give from/to" }),
  from: z.string().max(40).optional().meta({ description: "ISO 8601 instant (a custom range, at most 400 days)" }),
  to: z.string().max(40).optional().meta({ description: "ISO 8601 instant (default: now)" }),
};

const Count = z.number();

const SeriesSchema = z
  .object({
    metric: z.string(),
    bucket: z.enum(SERIES_BUCKETS),
    timeZone: z.string().optional().meta({ description: "The shop's time zone weeks and months are cut in (week and month series)" }),
    points: z.array(
      z.object({
        start: z.string(),
        value: Count,
        amounts: z.array(z.object({ currency: z.string(), amountMinor: Count })).optional().meta({ description: "The sales series: amount sold per currency, in minor units" }),
      }),
    ),
  })
  .meta({ id: "AnalyticsSeries" });

const LoggedEventSchema = z
  .object({
    id: z.string(),
    type: z.string().meta({ description: "message.received, message.sent, conversation.started, order.created, …" }),
    source: z.string().meta({ description: "The service that emitted it" }),
    occurredAt: z.string(),
    botId: z.string().nullable(),
    contact: z.string().nullable(),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  })
  .meta({ id: "AnalyticsLoggedEvent" });

const EventsQuery = PageQuery.extend({
  type: z.enum(analyticsEventTypes).optional().meta({ description: "Only events of this type" }),
  botId: z.string().min(1).max(100).optional(),
  contact: z.string().min(1).max(64).optional().meta({ description: "The contact's WhatsApp id, as the events carry it" }),
  from: z.string().max(40).optional().meta({ description: "ISO 8601 instant: events at or after it" }),
  to: z.string().max(40).optional().meta({ description: "ISO 8601 instant: events before it" }),
});

export function analyticsRoutes(analytics: Analytics, listEvents: ListEvents): Route[] {
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
      summary: "One metric per hour or day (UTC), or per week (from Monday) or month in the shop's time zone, over a range, for charts; `sales` gives the orders' count and the amount per currency",
      tags,
      permission: "analytics:read",
      query: z.object({
        ...RangeQuery,
        metric: z.enum(Object.keys(SERIES_METRICS) as [keyof typeof SERIES_METRICS]),
        bucket: z.enum(SERIES_BUCKETS).default("day"),
      }),
      responses: { 200: { description: "Points, oldest first", schema: SeriesSchema }, ...invalid },
      handle: async ({ actor, query }) => ({ status: 200, body: await analytics.timeseries(actor, query) }),
    }),
    userRoute({
      method: "get",
      path: "/analytics/events",
      operationId: "listAnalyticsEvents",
      summary: "The shop's stored events (the last 30 days), newest first, filtered by type, bot, contact and time, in cursor pages",
      tags,
      permission: "analytics:read",
      query: EventsQuery,
      responses: {
        200: { description: "A page of events", schema: pageSchema(LoggedEventSchema) },
        400: { description: "INVALID_RANGE, INVALID_CURSOR, VALIDATION_FAILED" },
        503: { description: "ANALYTICS_STORAGE_UNAVAILABLE: event storage is not configured, or it or the analytics worker cannot be reached now (details.reason)" },
      },
      handle: async ({ actor, query }) => ({ status: 200, body: await listEvents(actor, query) }),
    }),
  ];
}
