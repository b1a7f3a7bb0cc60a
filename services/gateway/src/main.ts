// Wiring only: config → runtime (logger, metrics, pool, Redis) → clients → HTTP + WebSocket + gRPC → graceful stop.
import { hostname } from "node:os";
import { GRPC_CALLERS, STREAMS } from "@fleet/contracts";
import { createFleetAuth, startGrpcServer } from "@fleet/grpc-bridge";
import { ServiceRuntime, configOrExit, fleetKeyringOf, registerStreamMetrics } from "@fleet/service-kit";
import { createGateway } from "./app.js";
import { createTokens } from "./auth/tokens.js";
import { createAdapterClient } from "./clients/adapter.client.js";
import { createAnalyticsWorkerClient } from "./modules/analytics/analytics-worker.client.js";
import { createFleetHealthClient } from "./clients/fleet-health.client.js";
import { createOrchestratorClient } from "./clients/orchestrator.client.js";
import { loadGatewayConfig } from "./config.js";
import { DASHBOARD_EVENTS_GROUP, createDashboardEventsConsumer } from "./consumers/dashboard-events.consumer.js";
import { createUsersRepository } from "./repositories/users.repository.js";
import { startInstallDefaultFlowsJob } from "./jobs/install-default-flows.job.js";
import { startPurgeRefreshTokensJob } from "./jobs/purge-refresh-tokens.job.js";
import { startReleaseSellerAssignmentsJob } from "./jobs/release-seller-assignments.job.js";
import { createAssignmentTimeoutsRepository } from "./modules/sellers/assignment-timeouts.repository.js";
import { createCustomersCache } from "./modules/customers/customers.module.js";
import { createSellerEvents } from "./modules/sellers/seller-events.js";
import { createSellersCache } from "./modules/sellers/sellers.module.js";
import { createEventsRepository } from "./repositories/events.repository.js";
import { createRefreshTokensRepository } from "./modules/accounts/refresh-tokens.repository.js";
import { createDashboardSocket } from "./ws/dashboard.socket.js";
import { createKpiPushes } from "./ws/kpi-pushes.js";

const config = configOrExit(loadGatewayConfig);
const runtime = new ServiceRuntime({ service: "gateway", config, moduleUrl: import.meta.url, postgresSchema: "gateway" });
const { logger, metrics, pool, redis } = runtime;

const fleetAuth = createFleetAuth({ service: "gateway", keys: fleetKeyringOf(config), callers: GRPC_CALLERS });
const adapter = createAdapterClient(config.ADAPTER_GRPC_URL, { deadlineMs: config.GRPC_DEADLINE_MS, auth: fleetAuth.client("whatsapp-adapter") });
const orchestrator = createOrchestratorClient(config.ORCHESTRATOR_GRPC_URL, { deadlineMs: config.GRPC_DEADLINE_MS, auth: fleetAuth.client("bot-orchestrator") });
const analyticsWorker = createAnalyticsWorkerClient(config.ANALYTICS_GRPC_URL, { deadlineMs: config.GRPC_DEADLINE_MS, auth: fleetAuth.client("analytics-worker") });
const fleetHealth = createFleetHealthClient({
  timeoutMs: config.HEALTH_FANOUT_TIMEOUT_MS,
  services: { "whatsapp-adapter": config.ADAPTER_HTTP_URL, "bot-orchestrator": config.ORCHESTRATOR_HTTP_URL, "analytics-worker": config.ANALYTICS_HTTP_URL },
});
const gateway = createGateway({
  trustProxy: config.TRUST_PROXY,
  logger,
  metrics,
  health: runtime.health(),
  pool,
  redis,
  // The read caches only (catalogue, customers, orders, sellers: REDIS_CACHE_URL; the same connection when unset).
  cacheRedis: runtime.cacheRedis(),
  adapter,
  orchestrator,
  analyticsWorker,
  fleetHealth,
  auth: {
    jwtSecret: config.JWT_SECRET,
    accessTokenTtlS: config.ACCESS_TOKEN_TTL_S,
    loginLimits: { maxFailuresPerIdentity: config.LOGIN_MAX_FAILURES_PER_IDENTITY, maxFailuresPerIp: config.LOGIN_MAX_FAILURES_PER_IP, windowSeconds: config.LOGIN_FAILURE_WINDOW_S },
    refreshTokenTtlS: config.REFRESH_TOKEN_TTL_S,
    refreshReuseGraceS: config.REFRESH_REUSE_GRACE_S,
    sessionMaxAgeS: config.REFRESH_SESSION_MAX_AGE_S,
    refreshTokenInBody: config.REFRESH_TOKEN_IN_BODY,
    passwordMinLength: config.PASSWORD_MIN_LENGTH,
  },
  limits: { perTenantPerMinute: config.RATE_LIMIT_PER_MINUTE, perIpPerMinute: config.RATE_LIMIT_PER_IP_PER_MINUTE },
  corsOrigins: config.CORS_ORIGINS,
  keyPrefix: config.REDIS_KEY_PREFIX,
  // Hears other replicas' cache invalidations (a user disabled, a bot changed); used for nothing else.
  subscriber: runtime.redisConnection("gateway-invalidations", true),
});
await runtime.listen(gateway.app);
const dashboard = createDashboardSocket({
  server: runtime.httpServer,
  tokens: createTokens({ secret: config.JWT_SECRET, ttlSeconds: config.ACCESS_TOKEN_TTL_S }),
  users: createUsersRepository(pool),
  // Waits for Redis instead of failing while it is away: a subscription is never given up.
  subscriber: runtime.redisConnection("gateway-dashboard-subscriber", true),
  keyPrefix: config.REDIS_KEY_PREFIX,
  // The live connection (state, QR) of the tenants' Baileys bots, streamed from the adapter.
  connections: { adapter },
  logger,
  registry: metrics.registry,
  pingIntervalMs: config.WS_PING_INTERVAL_MS,
  maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
  maxConnectionsPerTenant: config.WS_MAX_CONNECTIONS_PER_TENANT,
  userRecheckIntervalMs: config.WS_USER_RECHECK_INTERVAL_MS,
});
const kpiPushes = createKpiPushes({ redis, keyPrefix: config.REDIS_KEY_PREFIX, intervalMs: config.KPI_PUSH_INTERVAL_MS, kpis: (tenantId) => gateway.analytics.liveKpis(tenantId), logger });
const dashboardEvents = createDashboardEventsConsumer({
  redis,
  blockingRedis: runtime.redisConnection("gateway-dashboard-events", true),
  keyPrefix: config.REDIS_KEY_PREFIX,
  consumerName: `${hostname()}-${process.pid}`,
  logger,
  registry: metrics.registry,
  maxAgeMs: config.WS_EVENT_MAX_AGE_MS,
  lingerMs: config.WS_EVENT_LINGER_MS,
  kpiPushes,
});
void dashboardEvents.start();
registerStreamMetrics({ registry: metrics.registry, redis, targets: () => [{ stream: STREAMS.events, group: DASHBOARD_EVENTS_GROUP }], logger });
const purgeRefreshTokens = startPurgeRefreshTokensJob({ refreshTokens: createRefreshTokensRepository(pool), intervalMs: config.REFRESH_PURGE_INTERVAL_MS, logger });
// Timeouts are minutes long: a pass a minute (by default) releases an assignment at most a minute late.
const releaseSellerAssignments = startReleaseSellerAssignmentsJob({
  assignments: createAssignmentTimeoutsRepository(pool),
  events: createSellerEvents({ events: createEventsRepository(redis), stale: [createCustomersCache({ redis: runtime.cacheRedis(), logger }), createSellersCache({ redis: runtime.cacheRedis(), logger })], logger }),
  intervalMs: config.SELLER_RELEASE_INTERVAL_MS,
  logger,
});
const installDefaultFlows = startInstallDefaultFlowsJob({ defaultFlows: gateway.defaultFlows, intervalMs: config.DEFAULT_FLOWS_INTERVAL_MS, logger });
const grpc = await startGrpcServer({ host: config.GRPC_HOST, port: config.GRPC_PORT, logger, metrics, services: [gateway.commerceService], auth: fleetAuth.server });

runtime.ready(
  { grpcPort: grpc.port },
  [
    { name: "grpc", run: () => grpc.stop() },
    { name: "dashboard events consumer", run: () => dashboardEvents.stop() },
    { name: "dashboard KPI pushes", run: async () => kpiPushes.stop() },
    { name: "refresh token purge", run: () => purgeRefreshTokens.stop() },
    { name: "seller assignment release", run: () => releaseSellerAssignments.stop() },
    { name: "default flows install", run: () => installDefaultFlows.stop() },
    { name: "adapter client", run: async () => adapter.close() },
    { name: "orchestrator client", run: async () => orchestrator.close() },
    { name: "analytics worker client", run: async () => analyticsWorker.close() },
  ],
  // Open WebSockets would hold the HTTP server's close until the deadline: they are closed (1001) first.
  { beforeHttpClose: [{ name: "dashboard websocket", run: () => dashboard.close() }] },
);
