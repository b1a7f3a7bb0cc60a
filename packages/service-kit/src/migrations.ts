// Schema migrations, one Postgres schema per owning service. Run by the
// migrate script (and the test setup) before services start, never on boot:
// node-pg-migrate's advisory lock serialises concurrent runs.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export interface MigrationOwner {
  service: string;
  schema: string;
  dir: string;
}

/** Services that own tables: every `services/<name>` whose package.json names a `fleet.schema` and has `migrations/`. */
export async function discoverMigrationOwners(rootDir: string): Promise<MigrationOwner[]> {
  const servicesDir = join(rootDir, "services");
  const owners: MigrationOwner[] = [];
  for (const service of (await readdir(servicesDir)).sort()) {
    let manifest: { fleet?: { schema?: unknown } };
    try {
      manifest = JSON.parse(await readFile(join(servicesDir, service, "package.json"), "utf8")) as typeof manifest;
    } catch {
      continue;
    }
    const schema = manifest.fleet?.schema;
    if (typeof schema === "string") owners.push({ service, schema, dir: join(servicesDir, service, "migrations") });
  }
  return owners;
}

export async function migrateUp(databaseUrl: string, owners: MigrationOwner[], log: (message: string) => void = () => {}): Promise<void> {
  // Loaded here, not with the kit: services never migrate on boot, and node-pg-migrate with its
  // file-matching dependencies would cost every replica about 10 MiB of idle memory.
  const { runner } = await import("node-pg-migrate");
  for (const owner of owners) {
    const applied = await runner({
      databaseUrl,
      dir: owner.dir,
      schema: owner.schema,
      createSchema: true,
      migrationsSchema: owner.schema,
      createMigrationsSchema: true,
      migrationsTable: "pgmigrations",
      direction: "up",
      checkOrder: true,
      log: () => {},
    });
    log(`${owner.schema}: ${applied.length === 0 ? "up to date" : `applied ${applied.map((m) => m.name).join(", ")}`}`);
  }
}
