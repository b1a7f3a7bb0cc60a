// The shop's KPIs and chart series. The 24-hour KPIs are also replaced by the WebSocket's "kpis" frames.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../api/client";
import { metricsKey } from "../../live/live";

export type Range = "24h" | "7d" | "30d";
export const RANGES: readonly Range[] = ["24h", "7d", "30d"];
export type Metrics = Schemas["AnalyticsMetrics"];
type SeriesMetric = "messagesIn" | "messagesOut" | "sales";
type Bucket = Schemas["AnalyticsSeries"]["bucket"];

export function useMetrics(range: Range) {
  return useQuery<Metrics>({ queryKey: metricsKey(range), queryFn: async () => unwrap(await api.GET("/api/analytics/metrics", { params: { query: { range } } })) });
}

export function useSeries(metric: SeriesMetric, range: Range, bucket: Bucket) {
  return useQuery({
    queryKey: ["analytics", "series", metric, range, bucket],
    queryFn: async () => unwrap(await api.GET("/api/analytics/timeseries", { params: { query: { metric, range, bucket } } })),
  });
}
