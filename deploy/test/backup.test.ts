// Backups that restore (deploy/backup/): a real database migrated by scripts/migrate.mjs, with rows
// in every service's schema, is backed up by backup.sh, dropped, restored by restore.sh, and every
// table's rows, every sequence and every index, constraint and trigger come back equal. Retention
// deletes old backup directories only; failures exit non-zero and leave the last success alone.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { TEST_DATABASE_URL, databaseUrl } from "@fleet/testing";
import { record, repoPath, run } from "./support.js";

const BACKUP = repoPath("deploy/backup/backup.sh");
const RESTORE = repoPath("deploy/backup/restore.sh");
const name = `fleet_backup_${randomBytes(4).toString("hex")}`;
const url = databaseUrl(name);
const SCHEMAS = ["adapter", "gateway", "orchestrator"];

let dir: string;
let backupDir: string;

const baseEnv = (extra: Record<string, string> = {}): Record<string, string> => ({ PATH: process.env.PATH ?? "", DATABASE_URL: url, BACKUP_DIR: backupDir, ...extra });

/** Runs SQL with psql (as the scripts under test do) and returns its unaligned output. */
async function psql(database: string, sql: string): Promise<string> {
  const { stdout } = await run("psql", ["-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql], { env: { PATH: process.env.PATH ?? "" } });
  return stdout.trim();
}

/** One JSON value computed by the query (wrap the query in jsonb_agg or to_jsonb). */
async function json(database: string, sql: string): Promise<unknown> {
  return JSON.parse(await psql(database, sql)) as unknown;
}

const admin = (sql: string): Promise<string> => psql(TEST_DATABASE_URL, sql);
const databaseExists = async (database: string): Promise<boolean> => (await admin(`SELECT count(*) FROM pg_database WHERE datname = '${database}'`)) === "1";

async function failure(promise: Promise<unknown>): Promise<{ code: number; stderr: string }> {
  try {
    await promise;
  } catch (error) {
    const failed = record(error, "failure");
    return { code: typeof failed.code === "number" ? failed.code : -1, stderr: String(failed.stderr) };
  }
  throw new Error("the command succeeded");
}

interface Snapshot {
  rows: Record<string, unknown[]>;
  sequences: Record<string, unknown>;
  objects: unknown[];
  extensions: unknown[];
}

const schemaList = `ARRAY[${SCHEMAS.map((schema) => `'${schema}'`).join(", ")}]`;

/** Every row of every table of the fleet's schemas (in a stable order), sequences, and the schema objects. */
async function snapshot(): Promise<Snapshot> {
  const tables = (await psql(url, `SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(${schemaList}) ORDER BY 1`)).split("\n");
  const rows: Record<string, unknown[]> = {};
  for (const table of tables) {
    const found = await json(url, `SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY to_jsonb(t)::text), '[]') FROM ${table} t`);
    rows[table] = Array.isArray(found) ? found : [];
  }
  const sequences: Record<string, unknown> = {};
  for (const seq of (await psql(url, `SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences WHERE schemaname = ANY(${schemaList}) ORDER BY 1`)).split("\n")) {
    sequences[seq] = await json(url, `SELECT to_jsonb(s) FROM (SELECT last_value, is_called FROM ${seq}) s`);
  }
  const objects = await json(
    url,
    `SELECT coalesce(jsonb_agg(o ORDER BY o.kind, o.name), '[]') FROM (
       SELECT 'index' AS kind, schemaname || '.' || indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = ANY(${schemaList})
       UNION ALL SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace::regnamespace::text = ANY(${schemaList})
       UNION ALL SELECT 'trigger', t.tgrelid::regclass::text || '.' || t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         WHERE NOT t.tgisinternal AND c.relnamespace::regnamespace::text = ANY(${schemaList})
       UNION ALL SELECT 'function', p.oid::regprocedure::text, pg_get_functiondef(p.oid) FROM pg_proc p
         WHERE p.pronamespace::regnamespace::text = ANY(${schemaList}) AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
     ) o`,
  );
  const extensions = await json(url, `SELECT jsonb_agg(jsonb_build_array(extname, extnamespace::regnamespace::text) ORDER BY extname) FROM pg_extension`);
  return { rows, sequences, objects: Array.isArray(objects) ? objects : [], extensions: Array.isArray(extensions) ? extensions : [] };
}

async function seed(): Promise<void> {
  // Products fire the catalogue triggers (words, SKUs, the search vector with unaccent/pg_trgm): a
  // restore that ran the triggers again would double those rows.
  await psql(
    url,
    `WITH tenants AS (
       INSERT INTO gateway.tenants (slug, name, settings) VALUES ('tienda-ana', 'Tienda Ana', '{"timezone":"America/Mexico_City"}'), ('zapatos', 'Zapatos ñandú', '{}') RETURNING id, slug
     ), users AS (
       INSERT INTO gateway.users (tenant_id, email, display_name, password_hash, role)
       SELECT id, slug || '@tienda.mx', initcap(slug), 'scrypt$' || slug, 'owner' FROM tenants RETURNING tenant_id
     ), products AS (
       INSERT INTO gateway.products (tenant_id, sku, name, description, price_minor, currency, stock, keywords)
       SELECT id, p.sku, p.name, p.description, p.price, 'MXN', p.stock, p.keywords FROM tenants, (VALUES
         ('CAM-001', 'Camisa de algodón', 'Manga larga, azul', 45900, 12, '{camisa,algodón}'::text[]),
         ('BOT-9', 'Botas de piel', 'Talla 27', 129900, 0, '{botas}'::text[])) AS p (sku, name, description, price, stock, keywords)
       WHERE tenants.slug = 'tienda-ana' OR p.sku = 'BOT-9' RETURNING id
     ), bots AS (
       INSERT INTO adapter.bots (tenant_id, display_name) SELECT id, 'Ventas ' || slug FROM tenants RETURNING id, tenant_id
     ), providers AS (
       INSERT INTO adapter.bot_providers (bot_id, position, kind, settings, secrets, routing_key)
       SELECT id, 0, 'meta', jsonb_build_object('phoneNumberId', id), '\\x00ff10'::bytea, id::text FROM bots RETURNING bot_id
     ), flows AS (
       INSERT INTO orchestrator.flows (tenant_id, bot_id, name, slug) SELECT tenant_id, id, 'Bienvenida', 'bienvenida' FROM bots RETURNING id
     )
     INSERT INTO orchestrator.flow_versions (flow_id, version, definition) SELECT id, 1, '{"steps":[{"say":"¡Hola!"}]}' FROM flows`,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fleet-backup-"));
  backupDir = join(dir, "backups");
  await admin(`CREATE DATABASE ${name}`);
  // The fleet's own migration command, against this database (it reads DATABASE_URL).
  await run("node", [repoPath("scripts/migrate.mjs")], { env: { PATH: process.env.PATH ?? "", DATABASE_URL: url }, timeout: 60_000 });
  await seed();
}, 90_000);

afterAll(async () => {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("deploy/backup", () => {
  let before: Snapshot;
  let taken: string;

  it("backs up each schema (with its extensions) into a dated directory readable by its owner only", async () => {
    before = await snapshot();
    // The seed reached every schema, and the triggers filled the derived tables.
    for (const table of ["gateway.tenants", "gateway.users", "gateway.products", "gateway.catalogue_words", "adapter.bots", "adapter.bot_providers", "orchestrator.flows", "orchestrator.flow_versions"]) {
      expect({ table, rows: (before.rows[table] ?? []).length > 0 }).toEqual({ table, rows: true });
    }
    for (const schema of SCHEMAS) expect(before.rows[`${schema}.pgmigrations`]?.length).toBeGreaterThan(0);

    const startedAt = Math.floor(Date.now() / 1000);
    const { stderr } = await run(BACKUP, [], { env: baseEnv(), timeout: 120_000 });
    expect(stderr).toContain("dumping schema gateway with btree_gin pg_trgm unaccent");
    if (!process.env.MONGO_URL) console.log("MONGO_URL is not set: the mongodump part of the backup is not exercised");

    const dated = readdirSync(backupDir).filter((entry) => /^\d{4}-\d\d-\d\dT\d{6}Z$/.test(entry));
    expect(dated).toHaveLength(1);
    taken = join(backupDir, String(dated[0]));
    expect(readdirSync(taken).sort()).toEqual(["MANIFEST", "SHA256SUMS", "adapter.pgdump", "gateway.pgdump", "orchestrator.pgdump"]);
    expect(readFileSync(join(taken, "MANIFEST"), "utf8")).toMatch(/^schemas=adapter gateway orchestrator$/m);
    expect(statSync(taken).mode & 0o777).toBe(0o700);
    expect(statSync(join(taken, "gateway.pgdump")).mode & 0o777).toBe(0o600);
    expect(readdirSync(backupDir).filter((entry) => entry.startsWith(".partial-"))).toEqual([]);

    const lastSuccess = Number(readFileSync(join(backupDir, "last-success"), "utf8"));
    expect(lastSuccess).toBeGreaterThanOrEqual(startedAt);
    expect(lastSuccess).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  }, 150_000);

  it("restores into a dropped database with every row, sequence, index, constraint, trigger and extension equal", async () => {
    await admin(`DROP DATABASE ${name} WITH (FORCE)`);
    expect(await databaseExists(name)).toBe(false);

    await run(RESTORE, ["--create", taken], { env: baseEnv(), timeout: 120_000 });
    const after = await snapshot();
    expect(after.extensions).toEqual(before.extensions);
    expect(after.objects).toEqual(before.objects);
    expect(after.sequences).toEqual(before.sequences);
    expect(Object.keys(after.rows)).toEqual(Object.keys(before.rows));
    for (const table of Object.keys(before.rows)) expect({ table, rows: after.rows[table] }).toEqual({ table, rows: before.rows[table] });

    // The restored database works: the catalogue search (unaccent, pg_trgm) finds a product.
    expect(await psql(url, `SELECT sku FROM gateway.products WHERE search_vector @@ plainto_tsquery('simple', gateway.catalogue_fold('ALGODON'))`)).toBe("CAM-001");
  }, 150_000);

  it("refuses to restore over schemas that exist", async () => {
    const result = await failure(run(RESTORE, [taken], { env: baseEnv() }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("schema adapter exists in database");
  });

  it("refuses a damaged backup before touching the database", async () => {
    const copy = join(dir, "damaged");
    cpSync(taken, copy, { recursive: true });
    const dump = join(copy, "gateway.pgdump");
    const bytes = readFileSync(dump);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
    writeFileSync(dump, bytes);
    const target = `${name}_damaged`;
    const result = await failure(run(RESTORE, ["--create", copy], { env: baseEnv({ DATABASE_URL: databaseUrl(target) }) }));
    expect(result.stderr).toContain("does not match its SHA256SUMS");
    expect(await databaseExists(target)).toBe(false);
  });

  it("deletes backups older than the retention after a successful run, and nothing else", async () => {
    const day = 86_400_000;
    const stamp = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().replace(/:/g, "").replace(/\.\d{3}Z$/, "Z");
    const old = stamp(30 * day);
    const recent = stamp(3 * day);
    const crashed = `.partial-${stamp(2 * day)}`;
    for (const entry of [old, recent, crashed, "keep-me"]) mkdirSync(join(backupDir, entry));

    await run(BACKUP, [], { env: baseEnv({ BACKUP_RETENTION_DAYS: "7" }), timeout: 120_000 });
    const entries = readdirSync(backupDir);
    expect(entries).not.toContain(old);
    expect(entries).not.toContain(crashed);
    expect(entries).toEqual(expect.arrayContaining([recent, "keep-me", "last-success", taken.slice(backupDir.length + 1)]));
    expect(entries.filter((entry) => /^\d{4}-\d\d-\d\dT\d{6}Z$/.test(entry))).toHaveLength(3);
  }, 150_000);

  it("fails without touching last-success or the old backups when the database cannot be dumped", async () => {
    const lastSuccess = readFileSync(join(backupDir, "last-success"), "utf8");
    const entries = readdirSync(backupDir).sort();
    const result = await failure(run(BACKUP, [], { env: baseEnv({ DATABASE_URL: databaseUrl(`${name}_missing`), BACKUP_RETENTION_DAYS: "1" }), timeout: 60_000 }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("FAILED");
    expect(readFileSync(join(backupDir, "last-success"), "utf8")).toBe(lastSuccess);
    expect(readdirSync(backupDir).sort()).toEqual(entries);
  });

  it("rejects a bad retention setting with a clear message", async () => {
    const result = await failure(run(BACKUP, [], { env: baseEnv({ BACKUP_RETENTION_DAYS: "two weeks" }) }));
    expect(result.stderr).toContain("BACKUP_RETENTION_DAYS must be a whole number of days");
  });

  it("writes the last success for the node_exporter textfile collector when asked", async () => {
    const metrics = join(dir, "fleet_backup.prom");
    await run(BACKUP, [], { env: baseEnv({ BACKUP_METRICS_FILE: metrics }), timeout: 120_000 });
    const text = readFileSync(metrics, "utf8");
    const match = /^fleet_backup_last_success_timestamp_seconds (\d+)$/m.exec(text);
    expect(Number(match?.[1])).toBe(Number(readFileSync(join(backupDir, "last-success"), "utf8")));
    expect(text).toMatch(/^fleet_backup_size_bytes \d+$/m);
    expect(existsSync(`${metrics}.tmp`)).toBe(false);
  }, 150_000);

  const mongoUrl = process.env.MONGO_URL;
  (mongoUrl ? it : it.skip)("dumps MongoDB when MONGO_URL is set and restores it into another database", async () => {
    const mongoDb = `fleet_backup_${randomBytes(4).toString("hex")}`;
    const mongoDir = join(dir, "mongo-backups");
    await run(BACKUP, [], { env: baseEnv({ BACKUP_DIR: mongoDir, MONGO_URL: String(mongoUrl), MONGO_DB: mongoDb }), timeout: 120_000 });
    const [dated] = readdirSync(mongoDir).filter((entry) => /^\d{4}-/.test(entry));
    const backup = join(mongoDir, String(dated));
    expect(statSync(join(backup, "mongo.archive.gz")).size).toBeGreaterThan(0);
    expect(readFileSync(join(backup, "MANIFEST"), "utf8")).toContain(`mongo_db=${mongoDb}`);
    await run(RESTORE, ["--create", backup], {
      env: baseEnv({ DATABASE_URL: databaseUrl(`${name}_mongo`), MONGO_URL: String(mongoUrl), MONGO_DB: `${mongoDb}_restored` }),
      timeout: 120_000,
    });
    await admin(`DROP DATABASE IF EXISTS ${name}_mongo WITH (FORCE)`);
  }, 300_000);
});
