// Wiring only: config → logger → pools and clients → HTTP + gRPC → graceful stop.
import { CommerceService } from "@fleet/contracts/commerce";
import { implement, startGrpcServer, unimplemented } from "@fleet/grpc-bridge";
import {
  closeHttp,
  configOrExit,
  createHealth,
  createLogger,
  createMetrics,
  createPostgresPool,
  createRedisClient,
  listenHttp,
  onShutdown,
  packageVersion,
  postgresCheck,
  redisCheck,
} from "@fleet/service-kit";
import { createApp } from "./app.js";
import { createAdapterClient } from "./clients/adapter.client.js";
import { createFleetHealthClient } from "./clients/fleet-health.client.js";
import { loadGatewayConfig } from "./config.js";

const SERVICE = "gateway";
const config = configOrExit(loadGatewayConfig);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const metrics = createMetrics(SERVICE);
const pool = createPostgresPool({ url: config.DATABASE_URL, schema: "gateway", logger });
const redis = createRedisClient({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX, logger, name: SERVICE });

const health = createHealth({ service: SERVICE, version: packageVersion(import.meta.url), checks: { postgres: postgresCheck(pool), redis: redisCheck(redis) } });
const adapter = createAdapterClient(config.ADAPTER_GRPC_URL, { deadlineMs: config.GRPC_DEADLINE_MS });
const fleetHealth = createFleetHealthClient({
  timeoutMs: config.HEALTH_FANOUT_TIMEOUT_MS,
  services: { "whatsapp-adapter": config.ADAPTER_HTTP_URL, "bot-orchestrator": config.ORCHESTRATOR_HTTP_URL, "analytics-worker": config.ANALYTICS_HTTP_URL },
});
const app = createApp({
  trustProxy: config.TRUST_PROXY,
  logger,
  metrics,
  health,
  pool,
  redis,
  adapter,
  fleetHealth,
  auth: {
    jwtSecret: config.JWT_SECRET,
    accessTokenTtlS: config.ACCESS_TOKEN_TTL_S,
    loginLimits: { maxFailuresPerIdentity: config.LOGIN_MAX_FAILURES_PER_IDENTITY, maxFailuresPerIp: config.LOGIN_MAX_FAILURES_PER_IP, windowSeconds: config.LOGIN_FAILURE_WINDOW_S },
  },
});
const http = await listenHttp(app, config.HTTP_HOST, config.HTTP_PORT);
const grpc = await startGrpcServer({
  host: config.GRPC_HOST,
  port: config.GRPC_PORT,
  logger,
  metrics,
  services: [implement(CommerceService, unimplemented(CommerceService))],
});
logger.info("listening", { httpPort: http.port, grpcPort: grpc.port });

onShutdown({
  logger,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  steps: [
    { name: "http", run: () => closeHttp(http.server) },
    { name: "grpc", run: () => grpc.stop() },
    { name: "adapter client", run: async () => adapter.close() },
    { name: "postgres", run: () => pool.end() },
    { name: "redis", run: () => redis.quit() },
  ],
});
