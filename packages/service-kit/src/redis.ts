// Redis client of a service: every key under the fleet's prefix, reconnects
// forever with capped backoff, and connection errors are logged (throttled)
// instead of crashing the process.
import { Redis } from "ioredis";
import type { Logger } from "./logger.js";

export interface RedisOptions {
  url: string;
  keyPrefix: string;
  logger: Logger;
  /** Name shown in `CLIENT LIST`, e.g. the service name. */
  name: string;
  /** Blocking readers (XREADGROUP BLOCK) need their own connection without a per-command retry limit. */
  blocking?: boolean;
}

export function createRedisClient({ url, keyPrefix, logger, name, blocking = false }: RedisOptions): Redis {
  const redis = new Redis(url, {
    keyPrefix,
    connectionName: name,
    maxRetriesPerRequest: blocking ? null : 3,
    // Commands issued in the same tick go out in one write: under load this
    // saves a syscall per command (the main Redis cost seen in profiles).
    enableAutoPipelining: !blocking,
    retryStrategy: (times) => Math.min(times * 100, 2000),
    reconnectOnError: (error) => error.message.startsWith("READONLY") || error.message.startsWith("LOADING"),
  });
  let lastLogged = 0;
  redis.on("error", (error: Error) => {
    const now = Date.now();
    if (now - lastLogged > 5000) {
      lastLogged = now;
      logger.warn("redis connection error", { error: error.message });
    }
  });
  redis.on("ready", () => logger.info("redis ready"));
  return redis;
}

export function redisCheck(redis: Redis): () => Promise<unknown> {
  return async () => {
    if (redis.status !== "ready") throw new Error(`connection is ${redis.status}`);
    return redis.ping();
  };
}
