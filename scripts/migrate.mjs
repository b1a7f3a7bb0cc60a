#!/usr/bin/env node
// Applies every service's migrations to its own schema. Run before the fleet
// starts (services never migrate on boot). Usage: DATABASE_URL=... pnpm migrate
import { fileURLToPath } from "node:url";
import { discoverMigrationOwners, migrateUp } from "@fleet/service-kit";

const root = fileURLToPath(new URL("..", import.meta.url));
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/fleet";

try {
  await migrateUp(databaseUrl, await discoverMigrationOwners(root), (line) => console.log(`migrate ${line}`));
} catch (error) {
  console.error(`migrate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
