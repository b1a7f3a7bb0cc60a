// What every service's main.ts does around its own wiring: logger, metrics,
// version, the Postgres pool of its schema and its Redis connections, health
// over those, the HTTP listener, the "listening" line, giving memory back while
// idle (idle-memory.ts) and graceful stop (HTTP first, then the service's own
// steps, then every pool and connection).
// The HTTP server is exposed after listen() for protocols that take over a
// connection (WebSocket `upgrade`): server.close() waits for such connections,
// so whoever owns them closes them in a `beforeHttpClose` step.
import type { RequestListener, Server } from "node:http";
import type { RedisClient } from "./redis.js";
import type pg from "pg";
import { releaseMemoryWhenIdle } from "./idle-memory.js";
import { createHealth, type DependencyCheck, type HealthReport } from "./health.js";
import { createLogger, type Logger, type LogLevel } from "./logger.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { createPostgresPool, postgresCheck } from "./postgres.js";
import { closeHttp, listenHttp, packageVersion } from "./process.js";
import { createRedisClient, redisCheck } from "./redis.js";
import { onShutdown, type ShutdownStep } from "./shutdown.js";

export interface RuntimeConfig {
  LOG_LEVEL: LogLevel;
  HTTP_HOST: string;
  HTTP_PORT: number;
  REDIS_URL: string;
  REDIS_KEY_PREFIX: string;
  SHUTDOWN_TIMEOUT_MS: number;
  /** 0 or absent: the idle service keeps the memory V8 grew (see idle-memory.ts). */
  IDLE_MEMORY_CHECK_MS?: number;
  DATABASE_URL?: string;
  /** The read caches' Redis (gateway, analytics worker); REDIS_URL when unset. */
  REDIS_CACHE_URL?: string;
}

export interface RuntimeOptions {
  service: string;
  config: RuntimeConfig;
  /** `import.meta.url` of main.ts: the version comes from the package.json beside src/ or dist/. */
  moduleUrl: string;
  /** The Postgres schema the service owns; no pool when absent. */
  postgresSchema?: string;
}

export interface ReadyOptions {
  /**
   * Run once HTTP stopped accepting connections and before waiting for the open
   * ones: upgraded connections (WebSockets) are never idle, so server.close()
   * would wait for them until the shutdown deadline unless they are closed here.
   */
  beforeHttpClose?: ShutdownStep[];
}

export class ServiceRuntime {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly version: string;
  /** The service's Redis connection for commands. */
  readonly redis: RedisClient;
  private readonly postgres: pg.Pool | null;
  private readonly closers: ShutdownStep[] = [];
  private cache: RedisClient | null = null;
  private server: Server | null = null;
  private httpPort = 0;

  constructor(private readonly options: RuntimeOptions) {
    const { service, config } = options;
    this.logger = createLogger({ service, level: config.LOG_LEVEL });
    this.metrics = createMetrics(service);
    this.version = packageVersion(options.moduleUrl);
    this.redis = this.redisConnection(service);
    if (options.postgresSchema) {
      if (!config.DATABASE_URL) throw new Error(`${service} owns schema ${options.postgresSchema} but has no DATABASE_URL`);
      const pool = createPostgresPool({ url: config.DATABASE_URL, schema: options.postgresSchema, logger: this.logger, registry: this.metrics.registry });
      this.closers.push({ name: "postgres", run: () => pool.end() });
      this.postgres = pool;
    } else {
      this.postgres = null;
    }
  }

  /** The pool of the service's schema (only for services that own one). */
  get pool(): pg.Pool {
    if (!this.postgres) throw new Error(`${this.options.service} owns no Postgres schema`);
    return this.postgres;
  }

  /** Another Redis connection (e.g. a dedicated one for blocking stream reads), closed on stop. */
  redisConnection(name: string, blocking = false): RedisClient {
    const redis = this.openRedisConnection(name, blocking);
    this.closers.push({ name: `redis ${name}`, run: () => redis.quit() });
    return redis;
  }

  /**
   * The connection of the read caches (REDIS_CACHE_URL): a server of its own, closed on stop, or
   * the command connection itself when REDIS_CACHE_URL is unset or names REDIS_URL. For data
   * rebuilt from its source only; the server may evict it.
   */
  cacheRedis(): RedisClient {
    const { config, service } = this.options;
    if (!config.REDIS_CACHE_URL || config.REDIS_CACHE_URL === config.REDIS_URL) return this.redis;
    if (!this.cache) {
      // A cache that is away fails its commands at once (the callers read the source instead).
      const cache = createRedisClient({ url: config.REDIS_CACHE_URL, keyPrefix: config.REDIS_KEY_PREFIX, logger: this.logger, name: `${service}-cache`, offlineQueue: false });
      // quit() cannot queue either: with the server away the connection is simply dropped.
      this.closers.push({ name: "redis cache", run: () => cache.quit().then(() => undefined, () => cache.disconnect()) });
      this.cache = cache;
    }
    return this.cache;
  }

  /** A Redis connection its caller closes (e.g. one per partition reader, which come and go). */
  openRedisConnection(name: string, blocking = false): RedisClient {
    const { config } = this.options;
    return createRedisClient({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX, logger: this.logger, name, blocking });
  }

  /** Health over the service's Postgres and Redis plus any other dependency it names (null: disabled). */
  health(extra: { checks?: Record<string, DependencyCheck>; info?: () => Promise<Record<string, unknown>> } = {}): () => Promise<HealthReport> {
    const own: Record<string, DependencyCheck> = { redis: redisCheck(this.redis) };
    if (this.postgres) own.postgres = postgresCheck(this.postgres);
    return createHealth({ service: this.options.service, version: this.version, checks: { ...own, ...extra.checks }, info: extra.info });
  }

  /** The server started by `listen()`, e.g. to handle `upgrade` requests; throws before it. */
  get httpServer(): Server {
    if (!this.server) throw new Error(`${this.options.service}: httpServer is available after listen()`);
    return this.server;
  }

  /** Serves HTTP on HTTP_HOST:HTTP_PORT. */
  async listen(handler: RequestListener): Promise<number> {
    const { server, port } = await listenHttp(handler, this.options.config.HTTP_HOST, this.options.config.HTTP_PORT);
    this.server = server;
    this.httpPort = port;
    return port;
  }

  /**
   * Logs the "listening" line (with the HTTP port and `fields`) and installs the
   * SIGTERM/SIGINT handler: HTTP stops first (with `beforeHttpClose` in between,
   * see ReadyOptions), then `steps` in order, then the runtime's pools and connections.
   */
  ready(fields: Record<string, unknown> = {}, steps: ShutdownStep[] = [], options: ReadyOptions = {}): void {
    const server = this.server;
    const beforeHttpClose = options.beforeHttpClose ?? [];
    this.logger.info("listening", { httpPort: this.httpPort, ...fields });
    const idleMemory = releaseMemoryWhenIdle({ intervalMs: this.options.config.IDLE_MEMORY_CHECK_MS ?? 0, logger: this.logger });
    onShutdown({
      logger: this.logger,
      timeoutMs: this.options.config.SHUTDOWN_TIMEOUT_MS,
      steps: [
        { name: "idle memory", run: async () => idleMemory.stop() },
        ...(server ? [{ name: "http", run: () => this.stopHttp(server, beforeHttpClose) }] : []),
        ...steps,
        ...this.closers,
      ],
    });
  }

  private async stopHttp(server: Server, beforeClose: ShutdownStep[]): Promise<void> {
    // Stop accepting first, so no new connection arrives while the hooks close the open ones.
    // Settled into a value at once: a rejection must not go unhandled while the hooks run.
    const closed = closeHttp(server).then(
      () => ({ ok: true as const }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    for (const step of beforeClose) {
      try {
        await step.run();
      } catch (error) {
        // The server is still closing: waiting for it is all that is left to do.
        this.logger.error("shutdown step failed", { step: step.name, error });
      }
    }
    const result = await closed;
    if (!result.ok) throw result.error;
  }
}
