// jest globalSetup: builds one template database from the real migrations;
// each test file then gets its own copy (CREATE DATABASE ... TEMPLATE), which
// is much faster than migrating a database per file.
import { fileURLToPath } from "node:url";
import pg from "pg";
import { discoverMigrationOwners, migrateUp } from "@fleet/service-kit";
import { TEST_DATABASE_URL, databaseUrl, setTemplateDatabase } from "./config.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

export default async function globalSetup(): Promise<void> {
  const name = `fleet_tpl_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  await migrateUp(databaseUrl(name), await discoverMigrationOwners(ROOT));
  setTemplateDatabase(name);
}
