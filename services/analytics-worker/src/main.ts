// Wiring only: config → logger → Redis, live rollups consumer and stream metrics (+ Mongo,
// events consumer, KPI job, rollups reconciliation and stream trimming when configured) → HTTP + gRPC (the event list) → graceful stop.
import { hostname } from "node:os";
import { GRPC_CALLERS, STREAMS } from "@fleet/contracts";
import { createFleetAuth, startGrpcServer } from "@fleet/grpc-bridge";
import { ServiceRuntime, configOrExit, deadLetterStream, ensureStreamGroup, fleetKeyringOf, registerStreamMetrics } from "@fleet/service-kit";
import { createApp } from "./app.js";
import { loadAnalyticsConfig } from "./config.js";
import { EVENTS_GROUP, EventsConsumer } from "./consumers/events.consumer.js";
import { ROLLUPS_GROUP, RollupsConsumer } from "./consumers/rollups.consumer.js";
import { analyticsService } from "./grpc/analytics.handler.js";
import { startPeriodicJob } from "./jobs/periodic.job.js";
import { createAnalyticsMetrics } from "./metrics.js";
import { createEventsStreamRepository, unhandledEvents } from "./repositories/events-stream.repository.js";
import { createEventLogRepository } from "./repositories/event-log.repository.js";
import { createEventsRepository } from "./repositories/events.repository.js";
import { createKpiCacheRepository } from "./repositories/kpi-cache.repository.js";
import { createKpiRepository } from "./repositories/kpi.repository.js";
import { connectMongo, mongoCheck } from "./repositories/mongo.js";
import { createFoldIntoRollups } from "./rollups/fold-into-rollups.use-case.js";
import { createLeaseRepository } from "./repositories/lease.repository.js";
import { createRollupsRecomputeRepository, mongoAggregate } from "./rollups/rollups-recompute.repository.js";
import { createRollupsRepository } from "./rollups/rollups.repository.js";
import { createReconcileRollups } from "./use-cases/reconcile-rollups.use-case.js";
import { createDescribeEvents } from "./use-cases/describe-events.use-case.js";
import { createListEvents } from "./use-cases/list-events.use-case.js";
import { createRecordEvents } from "./use-cases/record-events.use-case.js";
import { createRefreshKpis } from "./use-cases/refresh-kpis.use-case.js";

const config = configOrExit(loadAnalyticsConfig);
const runtime = new ServiceRuntime({ service: "analytics-worker", config, moduleUrl: import.meta.url });
const { logger, metrics, redis } = runtime;
const analyticsMetrics = createAnalyticsMetrics(metrics.registry);
const replica = `${hostname()}-${process.pid}`;
// Always on, MongoDB or not: the dashboard's KPIs come from these rollups.
const rollups = new RollupsConsumer({
  redis,
  blockingRedis: runtime.redisConnection("analytics-worker-rollups", true),
  fold: createFoldIntoRollups({ repository: createRollupsRepository(redis), logger }),
  logger,
  metrics: analyticsMetrics,
  consumerName: replica,
  batchSize: config.ROLLUPS_BATCH_SIZE,
  blockMs: config.ROLLUPS_BLOCK_MS,
  lingerMs: config.ROLLUPS_LINGER_MS,
  claimIdleMs: config.ROLLUPS_CLAIM_IDLE_MS,
  registry: metrics.registry,
});
const mongo = config.MONGO_URL ? await connectMongo(config.MONGO_URL, config.MONGO_DB, logger) : null;
if (!mongo) logger.warn("MONGO_URL is not set: analytics storage is disabled, events stay pending in the stream");

const storage = mongo
  ? (() => {
      const consumerRedis = runtime.redisConnection("analytics-worker-events", true);
      const events = createEventsRepository(mongo, { retentionDays: config.EVENTS_RETENTION_DAYS });
      const consumer = new EventsConsumer({
        redis,
        blockingRedis: consumerRedis,
        recordEvents: createRecordEvents({ repository: events, logger, metrics: analyticsMetrics, batchSize: config.EVENTS_BATCH_SIZE, flushIntervalMs: config.EVENTS_FLUSH_INTERVAL_MS }),
        storage: events,
        logger,
        metrics: analyticsMetrics,
        consumerName: replica,
        batchSize: config.EVENTS_BATCH_SIZE,
        claimIdleMs: config.EVENTS_CLAIM_IDLE_MS,
        maxDeliveries: config.EVENTS_MAX_DELIVERIES,
        storageRetryMs: config.EVENTS_STORAGE_RETRY_MS,
        registry: metrics.registry,
      });
      const refreshKpis = createRefreshKpis({
        kpis: createKpiRepository(mongo),
        // KPI documents in the cache Redis (REDIS_CACHE_URL), the refresh lease in the main one.
        cache: createKpiCacheRepository(redis, runtime.cacheRedis()),
        ttlS: config.KPI_CACHE_TTL_S,
        holder: replica,
        leaseMs: Math.floor(config.KPI_INTERVAL_MS * 0.8),
      });
      const streamBacklogs = [EVENTS_GROUP, ROLLUPS_GROUP].map((group) => createEventsStreamRepository(redis, STREAMS.events, group));
      const reconcileRollups = createReconcileRollups({
        leases: createLeaseRepository(redis),
        recompute: createRollupsRecomputeRepository(mongoAggregate(mongo)),
        rollups: createRollupsRepository(redis),
        pendingEvents: () => unhandledEvents(streamBacklogs),
        corrections: analyticsMetrics.rollupCorrections,
        holder: replica,
        intervalMs: config.RECONCILE_INTERVAL_MS,
        hours: config.RECONCILE_HOURS,
        settleMs: config.RECONCILE_SETTLE_MS,
        retentionDays: config.EVENTS_RETENTION_DAYS,
        maxPendingEvents: config.RECONCILE_MAX_PENDING_EVENTS,
      });
      return { consumer, refreshKpis, reconcileRollups };
    })()
  : null;

const eventsStream = createEventsStreamRepository(redis, STREAMS.events, EVENTS_GROUP);
// Reported with or without storage: a stream that only grows is what an alert must see.
registerStreamMetrics({
  registry: metrics.registry,
  redis,
  targets: () => [{ stream: STREAMS.events, group: EVENTS_GROUP }, { stream: STREAMS.events, group: ROLLUPS_GROUP }, { stream: deadLetterStream(STREAMS.events) }],
  logger,
});
const describeEvents = createDescribeEvents({ stream: eventsStream, consumer: storage?.consumer ?? null });
const health = runtime.health({
  checks: { mongo: mongo ? mongoCheck(mongo) : null },
  info: async () => ({ ...(await describeEvents()), rollups: rollups.status() }),
});
await runtime.listen(createApp({ logger, metrics, health }));
// Without MongoDB the event list answers FAILED_PRECONDITION ANALYTICS_STORAGE_DISABLED.
const listEvents = createListEvents({ log: mongo ? createEventLogRepository(mongo, { maxTimeMs: config.EVENTS_QUERY_MAX_TIME_MS }) : null });
const grpc = await startGrpcServer({ host: config.GRPC_HOST, port: config.GRPC_PORT, logger, metrics, services: [analyticsService({ listEvents })], auth: createFleetAuth({ service: "analytics-worker", keys: fleetKeyringOf(config), callers: GRPC_CALLERS }).server });
rollups.start();
storage?.consumer.start();
const kpiJob = storage ? startPeriodicJob({ name: "kpi-refresh", intervalMs: config.KPI_INTERVAL_MS, run: storage.refreshKpis, logger }) : null;
const reconcileJob = storage ? startPeriodicJob({ name: "rollups-reconcile", intervalMs: config.RECONCILE_INTERVAL_MS, run: storage.reconcileRollups, logger }) : null;
// Only what every group acknowledged goes; every replica may run it, trimming twice is harmless.
// The storage group is made sure of first: it is created when MongoDB is first reachable, and until
// then the other groups alone (the rollups, the gateway's dashboard) would let the trim drop events never stored.
const trimStored = async () => {
  await ensureStreamGroup(redis, STREAMS.events, EVENTS_GROUP);
  return eventsStream.trimStored();
};
const trimJob = storage ? startPeriodicJob({ name: "events-trim", intervalMs: config.EVENTS_TRIM_INTERVAL_MS, run: trimStored, logger, finishedLevel: "debug" }) : null;
runtime.ready({ grpcPort: grpc.port }, [
  { name: "grpc", run: () => grpc.stop() },
  // First, draining: the folds in hand finish and are acked.
  { name: "rollups consumer", run: async () => rollups.stop() },
  { name: "kpi job", run: async () => kpiJob?.stop() },
  { name: "rollups reconcile job", run: async () => reconcileJob?.stop() },
  { name: "events trim job", run: async () => trimJob?.stop() },
  // Drain before closing anything: events in hand are written and acked.
  { name: "events consumer", run: async () => storage?.consumer.stop() },
  { name: "mongo", run: async () => mongo?.client.close() },
]);
