#!/usr/bin/env node
// Init container of every Deployment that uses Postgres: waits until the database holds every
// migration this image ships (the migration Job of the same release applies them), so a new
// version never serves on an old schema, whatever order `kubectl apply` creates things in. An
// older image (a rollback) finds its migrations already there and starts at once.
//   node deploy/k8s/wait-for-migrations.mjs [--once]     from the app root (the image's /app)
// DATABASE_URL names the database. --once checks a single time: exit 0 when up to date, 3 when
// migrations are pending, 1 when the database cannot be asked.
import { readdir } from "node:fs/promises";
import { extname } from "node:path";
import { discoverMigrationOwners } from "@fleet/service-kit";
import pg from "pg";

const RETRY_MS = 2000;
const SCHEMA = /^[a-z_][a-z0-9_]*$/;
const once = process.argv.includes("--once");
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error("wait-for-migrations: DATABASE_URL is not set");
  process.exit(1);
}

/** Every migration the image carries, per schema (node-pg-migrate records the file name without its extension). */
async function expectedMigrations() {
  const expected = new Map();
  for (const owner of await discoverMigrationOwners(process.cwd())) {
    if (!SCHEMA.test(owner.schema)) throw new Error(`unsupported schema name in services/${owner.service}/package.json`);
    const files = await readdir(owner.dir).catch(() => []);
    expected.set(owner.schema, files.filter((file) => !file.startsWith(".")).map((file) => file.slice(0, file.length - extname(file).length)));
  }
  return expected;
}

/** Names of the migrations still missing from the database. */
async function pendingMigrations(expected) {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const pending = [];
    for (const [schema, names] of expected) {
      let applied = new Set();
      try {
        applied = new Set((await client.query(`SELECT name FROM "${schema}".pgmigrations`)).rows.map((row) => row.name));
      } catch (error) {
        // No schema or no migrations table yet: nothing of it is applied.
        if (!(error instanceof pg.DatabaseError && (error.code === "42P01" || error.code === "3F000"))) throw error;
      }
      pending.push(...names.filter((name) => !applied.has(name)).map((name) => `${schema}.${name}`));
    }
    return pending;
  } finally {
    await client.end();
  }
}

const expected = await expectedMigrations();
for (;;) {
  let status;
  try {
    const pending = await pendingMigrations(expected);
    if (pending.length === 0) {
      console.log("wait-for-migrations: the database is up to date");
      process.exit(0);
    }
    console.log(`wait-for-migrations: ${pending.length} pending (${pending.slice(0, 5).join(", ")}${pending.length > 5 ? ", …" : ""}); the migration Job applies them`);
    status = 3;
  } catch (error) {
    // The message only: a connection error never carries the URL's password, a stack is noise here.
    console.log(`wait-for-migrations: cannot ask the database yet: ${error instanceof Error ? error.message : String(error)}`);
    status = 1;
  }
  if (once) process.exit(status);
  await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
}
