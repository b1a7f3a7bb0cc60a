// Wire schemas of the analytics domain shared beyond its routes: the KPIs body is both the answer of
// GET /api/analytics/metrics and what the dashboard WebSocket pushes in its "kpis" frame.
import { z } from "zod";

const Count = z.number();

/** GET /api/analytics/metrics, and the `kpis` of the dashboard WebSocket's "kpis" frame. */
export const AnalyticsMetricsSchema = z
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
    conversion: z
      .object({ converted: Count, rate: z.number().meta({ description: "converted / conversations; 0 without conversations" }) })
      .meta({ description: "Conversations started in the range that led to an order within 7 days" }),
    handoffs: z.object({ requested: Count, attended: Count, escalated: Count }),
    sellers: z.object({ assigned: Count, released: Count, alerted: Count }),
    orders: Count,
    sales: z.array(z.object({ currency: z.string(), amountMinor: Count })),
    stockLow: Count,
    errors: Count,
    engagementByHour: z.array(Count).meta({ description: "Messages received per hour of day 0–23 in the shop's time zone" }),
  })
  .meta({ id: "AnalyticsMetrics" });
