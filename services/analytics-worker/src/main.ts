// Wiring only: config → logger → Redis (+ Mongo when configured) → HTTP → graceful stop.
import {
  closeHttp,
  configOrExit,
  createHealth,
  createLogger,
  createMetrics,
  createRedisClient,
  listenHttp,
  onShutdown,
  packageVersion,
  redisCheck,
} from "@fleet/service-kit";
import { createApp } from "./app.js";
import { loadAnalyticsConfig } from "./config.js";
import { connectMongo, mongoCheck } from "./repositories/mongo.js";

const SERVICE = "analytics-worker";
const config = configOrExit(loadAnalyticsConfig);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const metrics = createMetrics(SERVICE);
const redis = createRedisClient({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX, logger, name: SERVICE });
const mongo = config.MONGO_URL ? await connectMongo(config.MONGO_URL, config.MONGO_DB, logger) : null;
if (!mongo) logger.warn("MONGO_URL is not set: analytics storage is disabled, events stay pending in the stream");

const health = createHealth({
  service: SERVICE,
  version: packageVersion(import.meta.url),
  checks: { redis: redisCheck(redis), mongo: mongo ? mongoCheck(mongo) : null },
});
const http = await listenHttp(createApp({ logger, metrics, health }), config.HTTP_HOST, config.HTTP_PORT);
logger.info("listening", { httpPort: http.port });

onShutdown({
  logger,
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  steps: [
    { name: "http", run: () => closeHttp(http.server) },
    { name: "redis", run: () => redis.quit() },
    { name: "mongo", run: async () => mongo?.client.close() },
  ],
});
