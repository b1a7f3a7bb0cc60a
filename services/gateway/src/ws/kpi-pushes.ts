// KPI pushes to the dashboards: when a shop's rollups change, its dashboard sockets receive a
// "kpis" frame with its fresh last-24-h KPIs (the body of GET /api/analytics/metrics?range=24h),
// at most once per KPI_PUSH_INTERVAL_MS per shop across all gateway replicas.
//
// Trigger: the gateway's dashboard-events consumer (one replica handles each entry of the `events`
// stream) hands every event it published to a listening replica to eventHandled(). An event of a
// type the analytics worker counts in the rollups claims the shop's push slot (SET NX PX interval,
// shared by the replicas); the replica that claims it pushes one interval later, when the worker,
// reading the same stream in its own group, has folded the event and its followers. Events that
// meet a held slot leave an "again" mark; the pushing replica, finding it, claims the next slot, so
// the tail of a burst is pushed one interval later. Shops without a dashboard open anywhere (the
// event reached no replica) cost nothing. A replica stopping with a push scheduled drops it: the
// next counted event pushes again once the slot expires.
import type { AnalyticsEvent } from "@fleet/contracts";
import type { Logger, RedisClient } from "@fleet/service-kit";
import type { Metrics as AnalyticsMetrics } from "../modules/analytics/analytics.use-case.js";
import { createDashboardPublisher } from "./dashboard-channels.repository.js";
import { createKpiPushRepository } from "./kpi-push.repository.js";

/** Event types the analytics worker folds into the rollups (its fold-event.ts COUNTED_FIELD): only they change the KPIs. */
export const KPI_EVENT_TYPES: ReadonlySet<AnalyticsEvent["type"]> = new Set<AnalyticsEvent["type"]>([
  "message.received",
  "message.sent",
  "message.send_failed",
  "message.send_ambiguous",
  "conversation.started",
  "conversation.ended",
  "handoff.requested",
  "handoff.attended",
  "handoff.escalated",
  "seller.assigned",
  "seller.released",
  "seller.alerted",
  "order.created",
  "stock.low",
  "error",
]);

export interface KpiPushesOptions {
  redis: RedisClient;
  /** REDIS_KEY_PREFIX: channel names carry it, as ioredis does not prefix them. */
  keyPrefix: string;
  /** KPI_PUSH_INTERVAL_MS. */
  intervalMs: number;
  /** The tenant's last-24-h KPIs, computed now. */
  kpis: (tenantId: string) => Promise<AnalyticsMetrics>;
  logger: Logger;
  now?: () => Date;
}

export interface KpiPushes {
  /** An event of the stream was published to `receivers` replicas with dashboards of its tenant. */
  eventHandled(event: Pick<AnalyticsEvent, "tenantId" | "type">, receivers: number): Promise<void>;
  /** Drops the pushes scheduled here. */
  stop(): void;
}

export function createKpiPushes({ redis, keyPrefix, intervalMs, kpis, logger, now = () => new Date() }: KpiPushesOptions): KpiPushes {
  const slots = createKpiPushRepository(redis);
  const publisher = createDashboardPublisher({ redis, keyPrefix });
  /** Tenants with a push scheduled on this replica, and whether events came since it was. */
  const scheduled = new Map<string, { timer: NodeJS.Timeout; again: boolean }>();
  let stopped = false;

  async function claim(tenantId: string): Promise<void> {
    if (stopped) return;
    if (await slots.claim(tenantId, intervalMs)) {
      const timer = setTimeout(() => void push(tenantId), intervalMs);
      timer.unref();
      scheduled.set(tenantId, { timer, again: false });
    } else {
      // Held by another replica (or expiring): its push finds the mark and schedules one more.
      await slots.markAgain(tenantId, 3 * intervalMs);
    }
  }

  async function push(tenantId: string): Promise<void> {
    const mine = scheduled.get(tenantId);
    scheduled.delete(tenantId);
    try {
      const again = (await slots.takeAgain(tenantId)) || (mine?.again ?? false);
      const receivers = await publisher.publish(tenantId, { kind: "kpis", at: now().toISOString(), range: "24h", kpis: await kpis(tenantId) });
      if (again && receivers > 0) await claim(tenantId);
    } catch (error) {
      // Redis or the KPIs unreadable: this push is lost; the next counted event tries again.
      logger.warn("dashboard KPI push failed", { tenantId, error: error instanceof Error ? error.message : String(error) });
    }
  }

  return {
    async eventHandled(event, receivers) {
      if (receivers === 0 || !KPI_EVENT_TYPES.has(event.type)) return;
      const mine = scheduled.get(event.tenantId);
      if (mine) {
        // This replica pushes soon: no round trip; its push claims the next slot.
        mine.again = true;
        return;
      }
      try {
        await claim(event.tenantId);
      } catch (error) {
        logger.warn("dashboard KPI push could not be scheduled", { tenantId: event.tenantId, error: error instanceof Error ? error.message : String(error) });
      }
    },
    stop() {
      stopped = true;
      for (const { timer } of scheduled.values()) clearTimeout(timer);
      scheduled.clear();
    },
  };
}
