// A fresh Postgres database per test file, copied from the migrated template.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { TEMPLATE_DB_VAR, TEST_DATABASE_URL, databaseUrl, templateDatabase } from "./config.js";

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const template = templateDatabase();
  if (!template) throw new Error(`${TEMPLATE_DB_VAR} is not set: run tests through jest with the workspace's globalSetup`);
  const name = `${template}_f_${randomBytes(4).toString("hex")}`;
  await withAdmin(async (admin) => {
    // Two files copying the template at the same instant can collide on its lock: retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        return;
      } catch (error) {
        if (attempt >= 20 || !(error instanceof Error) || !/being accessed by other users/.test(error.message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  });
  const url = databaseUrl(name);
  const pool = new pg.Pool({ connectionString: url, max: 5 });
  return {
    url,
    pool,
    drop: async () => {
      await pool.end();
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
