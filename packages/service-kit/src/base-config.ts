// Configuration keys every service shares; each service's config.ts extends these.
import { z } from "zod";
import { port, secret } from "./config.js";
import { isRedisUrl } from "./redis.js";
import { parsePreviousKeys, type SecretKey, type SecretKeyring } from "./secret-box.js";

export const logLevel = z.enum(["error", "warn", "info", "debug"]).default("info");

/** The id of a rotating key (secrets, fleet): letters, digits, '.', '_', '-'. */
const keyId = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, "must be 1–32 letters, digits, '.', '_' or '-'").default("1");

/** Keys of a ring that still open or verify, never seal or sign: comma-separated `id:material` pairs. */
const previousKeys = z
  .string()
  .default("")
  .transform((value, ctx) => {
    try {
      return parsePreviousKeys(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : "is not a list of id:material pairs" });
      return z.NEVER;
    }
  });

/**
 * A second Redis for read caches only (REDIS_CACHE_URL of the gateway and the analytics worker),
 * in the same forms as REDIS_URL. Unset: the caches live in REDIS_URL. Only data rebuilt from its
 * source may go there (it may evict, deploy/redis/cache.conf); never streams, leases,
 * idempotency keys, rate limits or sessions (deploy/redis/README.md).
 */
export const redisCacheUrl = z.string().refine(isRedisUrl, "must be redis://host:port or redis-cluster://host:port,host:port,...").optional();

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
  /**
   * Milliseconds between checks whether the service is idle; when it is and V8's young generation
   * has grown, one full collection gives that memory back (idle-memory.ts). 0: never.
   */
  IDLE_MEMORY_CHECK_MS: z.coerce.number().int().nonnegative().default(5_000),
  /**
   * The fleet key: signs and verifies the short-lived tokens every gRPC call between services
   * carries (the same on every service). Rotated like the secrets key: FLEET_KEY_ID names it,
   * FLEET_PREVIOUS_KEYS (`id:material,...`) still verify during a rollout.
   */
  FLEET_KEY: secret(32),
  FLEET_KEY_ID: keyId,
  FLEET_PREVIOUS_KEYS: previousKeys,
};

export const databaseUrl = z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL").default("postgres://postgres@127.0.0.1:5432/fleet");

/**
 * The keys of a service that seals secrets in its database (see secret-box.ts). To rotate: set the
 * new material as SECRETS_ENCRYPTION_KEY with a new SECRETS_ENCRYPTION_KEY_ID, move the old one into
 * SECRETS_ENCRYPTION_PREVIOUS_KEYS as `id:material`, deploy, run the re-seal command, then drop it.
 */
export const secretKeysShape = {
  SECRETS_ENCRYPTION_KEY: secret(32),
  /** The current key's id, written into every value it seals: letters, digits, '.', '_', '-'. */
  SECRETS_ENCRYPTION_KEY_ID: keyId,
  /** Keys that still open what they sealed: comma-separated `id:material` pairs. */
  SECRETS_ENCRYPTION_PREVIOUS_KEYS: previousKeys,
};

/** The keyring a service's secret boxes are built from. */
export function secretKeyringOf(config: { SECRETS_ENCRYPTION_KEY: string; SECRETS_ENCRYPTION_KEY_ID: string; SECRETS_ENCRYPTION_PREVIOUS_KEYS: SecretKeyring["previousKeys"] }): SecretKeyring {
  return { keyMaterial: config.SECRETS_ENCRYPTION_KEY, keyId: config.SECRETS_ENCRYPTION_KEY_ID, previousKeys: config.SECRETS_ENCRYPTION_PREVIOUS_KEYS ?? [] };
}

/** The fleet key ring the services' gRPC authentication is built from (@fleet/grpc-bridge createFleetAuth). */
export function fleetKeyringOf(config: { FLEET_KEY: string; FLEET_KEY_ID: string; FLEET_PREVIOUS_KEYS: readonly SecretKey[] }): { current: SecretKey; previous: readonly SecretKey[] } {
  return { current: { id: config.FLEET_KEY_ID, material: config.FLEET_KEY }, previous: config.FLEET_PREVIOUS_KEYS };
}

export { port };
