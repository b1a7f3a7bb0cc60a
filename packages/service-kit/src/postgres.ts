// Postgres pool of a service, scoped to the schema it owns. Pool errors (a
// dropped idle connection) are logged, never allowed to crash the process.
// Given the service's metrics registry, the pool exports its size and every
// query's duration (see instrumentPool).
import pg from "pg";
import { Gauge, Histogram, type Registry } from "prom-client";
import type { Logger } from "./logger.js";

export interface PostgresOptions {
  url: string;
  /** The service's own schema: unqualified table names resolve there. */
  schema: string;
  max?: number;
  logger: Logger;
  /** The service's registry: when given, the pool's metrics are registered there (instrumentPool). */
  registry?: Registry;
}

export function createPostgresPool({ url, schema, max = 10, logger, registry }: PostgresOptions): pg.Pool {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 2000,
    idleTimeoutMillis: 30_000,
    options: `-c search_path=${schema}`,
  });
  pool.on("error", (error) => logger.warn("postgres idle client error", { error: error.message }));
  if (registry) instrumentPool(pool, registry, { max });
  return pool;
}

/** The `query` label of a query without a usable name (plain SQL text, or a name that is not an identifier). */
export const UNNAMED_QUERY = "unnamed";
/** The `query` label once a registry has seen MAX_QUERY_NAMES distinct names. */
export const OTHER_QUERY = "other";
export const MAX_QUERY_NAMES = 200;
const QUERY_NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/;

export const DB_METRICS = {
  queryDuration: "db_query_duration_seconds",
  poolSize: "db_connection_pool_size",
  poolIdle: "db_connection_pool_idle",
  poolWaiting: "db_connection_pool_waiting",
  poolMax: "db_connection_pool_max",
} as const;

/**
 * Exports the pool's state and its queries' durations on `registry`:
 * - `db_connection_pool_size` / `_idle` / `_waiting` / `_max`, read at scrape time;
 * - `db_query_duration_seconds{query}`: time from sending a query on a connection to its result
 *   (waiting for a free connection shows in `db_connection_pool_waiting`, not here). The label is
 *   the query config's `name` (`pool.query({ name: "orders.by-id", text, values })`), else
 *   "unnamed": never the SQL text. Note that pg uses `name` as a prepared-statement name: one
 *   name, one SQL text. At most MAX_QUERY_NAMES names per registry, then "other".
 * Every query on the pool's connections is observed: `pool.query` and those of clients taken
 * with `pool.connect()` (transactions). One pool per registry.
 */
export function instrumentPool(pool: pg.Pool, registry: Registry, { max }: { max: number }): void {
  if (registry.getSingleMetric(DB_METRICS.queryDuration)) throw new Error(`${DB_METRICS.queryDuration} is already registered: one instrumented pool per registry`);
  const registers = [registry];
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({ name, help, registers, collect() { this.set(value()); } });
  gauge(DB_METRICS.poolSize, "Connections the Postgres pool holds (idle and in use).", () => pool.totalCount);
  gauge(DB_METRICS.poolIdle, "Idle connections of the Postgres pool.", () => pool.idleCount);
  gauge(DB_METRICS.poolWaiting, "Queries and checkouts waiting for a free Postgres connection.", () => pool.waitingCount);
  gauge(DB_METRICS.poolMax, "Most connections the Postgres pool may open.", () => max);
  const duration = new Histogram({
    name: DB_METRICS.queryDuration,
    help: "Postgres query duration in seconds, by query name (the query config's name, else unnamed).",
    labelNames: ["query"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const seen = new Set<string>();
  const labelOf = (config: unknown): string => {
    const name = typeof config === "object" && config !== null && "name" in config ? config.name : undefined;
    if (typeof name !== "string" || !QUERY_NAME.test(name)) return UNNAMED_QUERY;
    if (seen.has(name)) return name;
    if (seen.size >= MAX_QUERY_NAMES) return OTHER_QUERY;
    seen.add(name);
    return name;
  };
  pool.on("connect", (client) => timeQueries(client, (config, seconds) => duration.observe({ query: labelOf(config) }, seconds)));
}

/**
 * Replaces the client's `query` with one that reports each query's duration. pg's own pool calls
 * it with a callback, callers with a promise; a submittable (a cursor, a stream) is not timed.
 */
function timeQueries(client: pg.PoolClient, observe: (config: unknown, seconds: number) => void): void {
  const original = client.query;
  Object.defineProperty(client, "query", {
    configurable: true,
    writable: true,
    value: function timedQuery(...args: unknown[]): unknown {
      const [config] = args;
      if (typeof config === "object" && config !== null && "submit" in config && typeof config.submit === "function") {
        return Reflect.apply(original, client, args);
      }
      const started = process.hrtime.bigint();
      const done = () => observe(config, Number(process.hrtime.bigint() - started) / 1e9);
      const callback = args.at(-1);
      if (typeof callback === "function") {
        args[args.length - 1] = function (this: unknown, ...results: unknown[]): unknown {
          done();
          return Reflect.apply(callback, this, results);
        };
        return Reflect.apply(original, client, args);
      }
      const result: unknown = Reflect.apply(original, client, args);
      // Observed on a branch of its own: the caller still gets (and handles) the original promise.
      if (result instanceof Promise) result.then(done, done);
      return result;
    },
  });
}

export function postgresCheck(pool: pg.Pool): () => Promise<unknown> {
  return () => pool.query("SELECT 1");
}

/** Runs `work` on one connection inside a transaction: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
