// Wiring only: config → logger → pools → composition → HTTP + gRPC → graceful stop.
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
import { composeAdapter } from "./compose.js";
import { loadAdapterConfig } from "./config.js";

const SERVICE = "whatsapp-adapter";
const config = configOrExit(loadAdapterConfig);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const metrics = createMetrics(SERVICE);
const pool = createPostgresPool({ url: config.DATABASE_URL, schema: "adapter", logger });
const redis = createRedisClient({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX, logger, name: SERVICE });
const health = createHealth({ service: SERVICE, version: packageVersion(import.meta.url), checks: { postgres: postgresCheck(pool), redis: redisCheck(redis) } });
const adapter = composeAdapter({ config, pool, redis, logger, metrics, health });

const http = await listenHttp(adapter.app, config.HTTP_HOST, config.HTTP_PORT);
const grpc = await startGrpcServer({ host: config.GRPC_HOST, port: config.GRPC_PORT, logger, metrics, services: [adapter.grpcService] });
logger.info("listening", { httpPort: http.port, grpcPort: grpc.port });

onShutdown({
  logger,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  steps: [
    { name: "http", run: () => closeHttp(http.server) },
    { name: "grpc", run: () => grpc.stop() },
    { name: "postgres", run: () => pool.end() },
    { name: "redis", run: () => redis.quit() },
  ],
});
