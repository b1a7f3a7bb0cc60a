// Postgres pool of a service, scoped to the schema it owns. Pool errors (a
// dropped idle connection) are logged, never allowed to crash the process.
import pg from "pg";
import type { Logger } from "./logger.js";

export interface PostgresOptions {
  url: string;
  /** The service's own schema: unqualified table names resolve there. */
  schema: string;
  max?: number;
  logger: Logger;
}

export function createPostgresPool({ url, schema, max = 10, logger }: PostgresOptions): pg.Pool {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 2000,
    idleTimeoutMillis: 30_000,
    options: `-c search_path=${schema}`,
  });
  pool.on("error", (error) => logger.warn("postgres idle client error", { error: error.message }));
  return pool;
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
