// Configuration keys every service shares; each service's config.ts extends these.
import { z } from "zod";
import { port, secret } from "./config.js";
import { isRedisUrl } from "./redis.js";
import { parsePreviousKeys, type SecretKeyring } from "./secret-box.js";

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

/**
 * The keys of a service that seals secrets in its database (see secret-box.ts). To rotate: set the
 * new material as SECRETS_ENCRYPTION_KEY with a new SECRETS_ENCRYPTION_KEY_ID, move the old one into
 * SECRETS_ENCRYPTION_PREVIOUS_KEYS as `id:material`, deploy, run the re-seal command, then drop it.
 */
export const secretKeysShape = {
  SECRETS_ENCRYPTION_KEY: secret(32),
  /** The current key's id, written into every value it seals: letters, digits, '.', '_', '-'. */
  SECRETS_ENCRYPTION_KEY_ID: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, "must be 1–32 letters, digits, '.', '_' or '-'").default("1"),
  /** Keys that still open what they sealed: comma-separated `id:material` pairs. */
  SECRETS_ENCRYPTION_PREVIOUS_KEYS: z
    .string()
    .default("")
    .transform((value, ctx) => {
      try {
        return parsePreviousKeys(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : "is not a list of id:material pairs" });
        return z.NEVER;
      }
    }),
};

/** The keyring a service's secret boxes are built from. */
export function secretKeyringOf(config: { SECRETS_ENCRYPTION_KEY: string; SECRETS_ENCRYPTION_KEY_ID: string; SECRETS_ENCRYPTION_PREVIOUS_KEYS: SecretKeyring["previousKeys"] }): SecretKeyring {
  return { keyMaterial: config.SECRETS_ENCRYPTION_KEY, keyId: config.SECRETS_ENCRYPTION_KEY_ID, previousKeys: config.SECRETS_ENCRYPTION_PREVIOUS_KEYS ?? [] };
}

export { port };
