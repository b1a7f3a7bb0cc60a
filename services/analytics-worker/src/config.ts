// Configuration of the analytics-worker, validated at start. Every key is
// documented here (and, for operators, in the root .env.example).
import { z } from "zod";
import { baseConfigShape, loadConfig, port, redisCacheUrl } from "@fleet/service-kit";

const positiveInt = (defaultValue: number) => z.coerce.number().int().positive().default(defaultValue);

export const configSchema = z.object({
  ...baseConfigShape,
  /** Port of health and metrics. */
  HTTP_PORT: port(3003),
  /**
   * The Redis of the read caches; unset: REDIS_URL. Where the worker's Redis keys live:
   * - REDIS_CACHE_URL: `analytics:metrics:<tenantId>:<kpi>` only (the KPI documents, rewritten every
   *   KPI_INTERVAL_MS, expiring after KPI_CACHE_TTL_S).
   * - REDIS_URL: the `events` stream, its consumer groups and dead letters; the live rollups
   *   (`analytics:{tenant}:*`: counters folded exactly once per event through seen-marks, rebuilt from
   *   MongoDB only for RECONCILE_HOURS); and the leases of the KPI refresh
   *   (`analytics:kpi-refresh-lease`) and the reconciliation, which evicted would let two replicas run.
   */
  REDIS_CACHE_URL: redisCacheUrl,
  /** Interface and port of the internal gRPC AnalyticsService (the gateway's event list). */
  GRPC_HOST: z.string().default("127.0.0.1"),
  GRPC_PORT: port(50054),
  /** Longest a MongoDB read of the event list may run before it is abandoned (503 at the gateway), in milliseconds. */
  EVENTS_QUERY_MAX_TIME_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  /** MongoDB connection URL. Unset: analytics storage is disabled and events stay pending in the stream. */
  MONGO_URL: z.string().regex(/^mongodb(\+srv)?:\/\//, "must be a mongodb:// URL").optional(),
  /** Database name inside MongoDB. */
  MONGO_DB: z.string().regex(/^[\w-]{1,63}$/).default("fleet_analytics"),
  /** Events written to MongoDB in one insertMany; a full buffer is written at once. */
  EVENTS_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Longest time an event waits in the buffer before its (partial) batch is written, in milliseconds. */
  EVENTS_FLUSH_INTERVAL_MS: positiveInt(250),
  /** An event left pending this long (failed write, dead replica) is delivered again, in milliseconds. */
  EVENTS_CLAIM_IDLE_MS: positiveInt(30_000),
  /**
   * Deliveries after which an entry that still cannot be written moves to the `events.dead` stream.
   * Intake pauses while MongoDB is unreachable, so an outage costs an entry about one delivery, not one per retry.
   */
  EVENTS_MAX_DELIVERIES: positiveInt(20),
  /** Pause between two probes of MongoDB while it is unreachable (intake is paused meanwhile), in milliseconds. */
  EVENTS_STORAGE_RETRY_MS: positiveInt(2000),
  /**
   * Interval between two trims of the `events` stream, in milliseconds: entries every
   * consumer group acknowledged (stored events) are removed; pending and unread ones never.
   */
  EVENTS_TRIM_INTERVAL_MS: positiveInt(60_000),
  /**
   * Entries of the `events` stream the live rollups read per call (their own consumer group,
   * `analytics-rollups`, which runs with or without MongoDB); twice as many are folded at once.
   */
  ROLLUPS_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(200),
  /** How long one read of the rollups waits for new events, in milliseconds; bounds how long a stop waits for the reader. */
  ROLLUPS_BLOCK_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /**
   * After a read of the rollups that did not fill a batch, the next one waits this long, in
   * milliseconds (0: at once): the events of that time are folded together, one script per shop,
   * instead of a few at a time. The dashboards' KPIs lag the events by up to this much more.
   */
  ROLLUPS_LINGER_MS: z.coerce.number().int().min(0).max(5_000).default(100),
  /** An event left unfolded this long (a dead replica, a Redis failure) is folded again by any replica, in milliseconds. */
  ROLLUPS_CLAIM_IDLE_MS: positiveInt(30_000),
  /** Days events are kept: TTL of the `occurredAt` index on every collection. */
  EVENTS_RETENTION_DAYS: positiveInt(30),
  /** Interval between two KPI computations, in milliseconds. */
  KPI_INTERVAL_MS: positiveInt(300_000),
  /**
   * Lifetime of the cached KPIs in Redis (`analytics:metrics:*`), in seconds. Longer than
   * KPI_INTERVAL_MS (three intervals by default), so a late or failed run leaves the last
   * values in place instead of a gap.
   */
  KPI_CACHE_TTL_S: positiveInt(900),
  /** Interval between two reconciliations of the live rollups from MongoDB (one replica per interval), in milliseconds. Needs MONGO_URL. */
  RECONCILE_INTERVAL_MS: positiveInt(300_000),
  /** Hours recomputed from MongoDB by each reconciliation, back from the last settled hour (the first day is taken whole when MongoDB still keeps it). */
  RECONCILE_HOURS: positiveInt(48),
  /** How long after its end an hour is first reconciled (its events are still being folded and stored until then), in milliseconds. */
  RECONCILE_SETTLE_MS: z.coerce.number().int().min(0).default(300_000),
  /** A reconciliation is skipped while more events than this wait to be stored or folded: MongoDB and the rollups would not agree yet. */
  RECONCILE_MAX_PENDING_EVENTS: z.coerce.number().int().min(0).default(5_000),
}).refine((config) => config.RECONCILE_HOURS <= (config.EVENTS_RETENTION_DAYS - 1) * 24, {
  message: "must be at most (EVENTS_RETENTION_DAYS - 1) × 24: hours MongoDB is expiring would be recomputed short",
  path: ["RECONCILE_HOURS"],
}).refine((config) => config.KPI_CACHE_TTL_S * 1000 > config.KPI_INTERVAL_MS, {
  message: "must be longer than KPI_INTERVAL_MS, or the cached KPIs vanish between two runs",
  path: ["KPI_CACHE_TTL_S"],
});

export type AnalyticsConfig = z.infer<typeof configSchema>;

export function loadAnalyticsConfig(env: Record<string, string | undefined> = process.env): AnalyticsConfig {
  return loadConfig(configSchema, env);
}
