// Feeds the dashboards from the fleet's `events` stream. All gateway replicas read
// it in one consumer group, so each event is handled by one replica, which
// publishes it on its tenant's channel; every replica with clients of that tenant
// receives it there (see ws/dashboard.socket.ts). The group starts at the stream's
// end when it is first created: dashboards are live, a new deployment does not
// replay history. Entries that are not valid events are skipped, counted and
// acknowledged; events older than maxAgeMs (a backlog after an outage) too.
//
// The group holds back trimming of `events` like every group does: while no
// gateway runs, the stream keeps what the gateways have not read.
//
// Each published event is also handed to the KPI pushes (ws/kpi-pushes.ts): an event the analytics
// worker counts schedules a "kpis" frame for the tenant's dashboards.
import { AnalyticsEventSchema, STREAMS, decodeStreamEntry } from "@fleet/contracts";
import { StreamConsumer, ensureStreamGroup, type Logger, type Metrics, type RedisClient, type StreamEntry } from "@fleet/service-kit";
import { createDashboardPublisher } from "../ws/dashboard-channels.repository.js";
import { toDashboardEvent } from "../ws/dashboard-messages.schema.js";
import { dashboardMetrics } from "../ws/dashboard.metrics.js";
import type { KpiPushes } from "../ws/kpi-pushes.js";

export const DASHBOARD_EVENTS_GROUP = "gateway-dashboard";

export interface DashboardEventsConsumerOptions {
  /** Connection for PUBLISH, acks and claims. */
  redis: RedisClient;
  /** A dedicated connection (created with `blocking: true`): the blocking read holds it. */
  blockingRedis: RedisClient;
  /** REDIS_KEY_PREFIX: channel names carry it, as ioredis does not prefix them. */
  keyPrefix: string;
  /** Unique per replica, e.g. hostname and pid. */
  consumerName: string;
  logger: Logger;
  registry: Metrics["registry"];
  /** Events that occurred longer ago than this are not pushed. */
  maxAgeMs: number;
  /** Told of each event published, to push the tenant's fresh KPIs; without it no "kpis" frames are sent. */
  kpiPushes?: Pick<KpiPushes, "eventHandled">;
  /** How long one read blocks; bounds how long stop() waits for the reader. */
  blockMs?: number;
  /** After a read that did not fill a batch, how long until the next (events gather into larger batches). */
  lingerMs?: number;
  /** An entry whose publication failed is retried (by any replica) after this long. */
  claimIdleMs?: number;
  now?: () => number;
}

export interface DashboardEventsConsumer {
  /** Creates the group if needed (retrying while Redis is away), then reads until stop(). Never rejects. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createDashboardEventsConsumer(options: DashboardEventsConsumerOptions): DashboardEventsConsumer {
  const { redis, logger, maxAgeMs } = options;
  const now = options.now ?? Date.now;
  const metrics = dashboardMetrics(options.registry);
  const publisher = createDashboardPublisher({ redis, keyPrefix: options.keyPrefix });

  async function handle(entry: StreamEntry): Promise<boolean> {
    const decoded = decodeStreamEntry(AnalyticsEventSchema, entry.fields);
    if (!decoded.success) {
      metrics.eventsSkipped.inc({ reason: "malformed" });
      logger.warn("malformed events entry skipped", { stream: STREAMS.events, entryId: entry.id });
      return true;
    }
    const event = decoded.data;
    if (now() - Date.parse(event.occurredAt) > maxAgeMs) {
      metrics.eventsSkipped.inc({ reason: "stale" });
      return true;
    }
    // A failure throws: the entry stays pending and is published later (at least once; clients dedupe by id).
    const receivers = await publisher.publish(event.tenantId, toDashboardEvent(event));
    metrics.eventsPublished.inc();
    await options.kpiPushes?.eventHandled(event, receivers);
    return true;
  }

  const consumer = new StreamConsumer({
    redis,
    blockingRedis: options.blockingRedis,
    stream: STREAMS.events,
    group: DASHBOARD_EVENTS_GROUP,
    consumer: options.consumerName,
    logger,
    handle,
    blockMs: options.blockMs ?? 1000,
    lingerMs: options.lingerMs,
    claimIdleMs: options.claimIdleMs ?? 10_000,
    registry: options.registry,
  });

  let running = false;
  let starting: Promise<void> | null = null;

  async function createGroup(): Promise<void> {
    let backoff = 100;
    while (running) {
      try {
        // "$": only what is appended from now on reaches dashboards.
        await ensureStreamGroup(redis, STREAMS.events, DASHBOARD_EVENTS_GROUP, "$");
        return;
      } catch (error) {
        logger.warn("creating the dashboard events group failed; retrying", { error: error instanceof Error ? error.message : String(error) });
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }

  return {
    start() {
      if (starting) return starting;
      running = true;
      starting = createGroup().then(() => {
        if (running) consumer.start();
      });
      return starting;
    },
    async stop() {
      running = false;
      await starting;
      starting = null;
      await consumer.stop();
    },
  };
}
