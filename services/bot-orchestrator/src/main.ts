// Wiring only: config → logger → pools → composition → HTTP + gRPC + consumer → graceful stop.
import { startGrpcServer } from "@fleet/grpc-bridge";
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
import { createAdapterReplySender } from "./clients/adapter.client.js";
import { composeOrchestrator } from "./compose.js";
import { loadOrchestratorConfig } from "./config.js";

const SERVICE = "bot-orchestrator";
const config = configOrExit(loadOrchestratorConfig);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const metrics = createMetrics(SERVICE);
const pool = createPostgresPool({ url: config.DATABASE_URL, schema: "orchestrator", logger });
const redis = createRedisClient({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX, logger, name: SERVICE });
const streamRedis = createRedisClient({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX, logger, name: `${SERVICE}-stream`, blocking: true });
const sender = createAdapterReplySender(config.ADAPTER_GRPC_URL, config.GRPC_DEADLINE_MS);
const health = createHealth({ service: SERVICE, version: packageVersion(import.meta.url), checks: { postgres: postgresCheck(pool), redis: redisCheck(redis) } });
const orchestrator = composeOrchestrator({ config, redis, streamRedis, sender, logger, metrics, health });

const http = await listenHttp(orchestrator.app, config.HTTP_HOST, config.HTTP_PORT);
const grpc = await startGrpcServer({ host: config.GRPC_HOST, port: config.GRPC_PORT, logger, metrics, services: [orchestrator.grpcService] });
orchestrator.consumer.start();
logger.info("listening", { httpPort: http.port, grpcPort: grpc.port, consumer: config.CONSUMER_NAME });

onShutdown({
  logger,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  steps: [
    { name: "consumer", run: () => orchestrator.consumer.stop() },
    { name: "http", run: () => closeHttp(http.server) },
    { name: "grpc", run: () => grpc.stop() },
    { name: "adapter client", run: async () => sender.close() },
    { name: "postgres", run: () => pool.end() },
    { name: "redis", run: () => Promise.all([redis.quit(), streamRedis.quit()]) },
  ],
});
