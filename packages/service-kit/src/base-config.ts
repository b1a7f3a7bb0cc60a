// Configuration keys every service shares; each service's config.ts extends these.
import { z } from "zod";
import { port } from "./config.js";
import { isRedisUrl } from "./redis.js";

export const logLevel = z.enum(["error", "warn", "info", "debug"]).default("info");

/** Keys common to every service. */
export const baseConfigShape = {
  /** Log level: error | warn | info | debug (message bodies are only logged at debug). */
  LOG_LEVEL: logLevel,
  /** Interface the HTTP server (health, metrics, routes) binds to. */
  HTTP_HOST: z.string().default("127.0.0.1"),
  /**
   * Redis (streams, caches, leases): one server as `redis://[:password@]host:port[/db]` (or
   * `rediss://`), or a Redis Cluster by some of its nodes as
   * `redis-cluster://[:password@]host:port,host:port,...`.
   */
  REDIS_URL: z.string().refine(isRedisUrl, "must be redis://host:port or redis-cluster://host:port,host:port,...").default("redis://127.0.0.1:6379"),
  /** Prefix of every Redis key, so tests and several fleets can share a server. */
  REDIS_KEY_PREFIX: z.string().regex(/^[\w.:-]*$/).default("fleet:"),
  /** Milliseconds a SIGTERM waits for in-flight work before exiting anyway. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
};

export const databaseUrl = z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").default("postgres://postgres@127.0.0.1:5432/fleet");

export { port };
