// Prometheus series of the dashboard feed, on the service's registry. Created on
// first use per registry: the socket and the events consumer of one process share
// them, and tests run several gateways, each with its own registry.
import { Counter, Gauge } from "prom-client";
import type { Metrics } from "@fleet/service-kit";

type Registry = Metrics["registry"];

export const upgradeRefusalReasons = ["not_found", "unsupported_protocol", "missing_token", "invalid_token", "inactive_user", "tenant_limit", "shutting_down", "error"] as const;
export type UpgradeRefusalReason = (typeof upgradeRefusalReasons)[number];

export const eventSkipReasons = ["malformed", "stale", "bad_publication"] as const;
export type EventSkipReason = (typeof eventSkipReasons)[number];

export interface DashboardMetrics {
  connections: Gauge;
  messagesSent: Counter;
  slowClientsDropped: Counter;
  heartbeatTimeouts: Counter;
  upgradesRefused: Counter<"reason">;
  eventsPublished: Counter;
  eventsSkipped: Counter<"reason">;
}

const cache = new WeakMap<Registry, DashboardMetrics>();

export function dashboardMetrics(registry: Registry): DashboardMetrics {
  const existing = cache.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: DashboardMetrics = {
    connections: new Gauge({ name: "dashboard_ws_connections", help: "Open dashboard WebSocket connections on this replica.", registers }),
    messagesSent: new Counter({ name: "dashboard_ws_messages_sent_total", help: "Frames sent to dashboard WebSocket clients.", registers }),
    slowClientsDropped: new Counter({
      name: "dashboard_ws_slow_clients_dropped_total",
      help: "Dashboard WebSocket clients closed (4008) because their send buffer exceeded WS_MAX_BUFFERED_BYTES.",
      registers,
    }),
    heartbeatTimeouts: new Counter({ name: "dashboard_ws_heartbeat_timeouts_total", help: "Dashboard WebSocket clients cut because they did not answer a ping.", registers }),
    upgradesRefused: new Counter({ name: "dashboard_ws_upgrades_refused_total", help: "WebSocket upgrade requests refused, by reason.", labelNames: ["reason"], registers }),
    eventsPublished: new Counter({ name: "dashboard_events_published_total", help: "Fleet events published to their tenant's dashboard channel.", registers }),
    eventsSkipped: new Counter({
      name: "dashboard_events_skipped_total",
      help: "Events not pushed to dashboards: malformed stream entries, events older than WS_EVENT_MAX_AGE_MS, malformed channel messages.",
      labelNames: ["reason"],
      registers,
    }),
  };
  // Every series exists from the start, so rate() and increase() see the first one.
  for (const reason of upgradeRefusalReasons) metrics.upgradesRefused.inc({ reason }, 0);
  for (const reason of eventSkipReasons) metrics.eventsSkipped.inc({ reason }, 0);
  cache.set(registry, metrics);
  return metrics;
}
