// Database metrics of a service's pool, on real Postgres: query durations under the name the
// caller gave (never the SQL), pool size / idle / waiting read at scrape time, bounded labels.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { Registry } from "prom-client";
import type pg from "pg";
import { createTestDatabase, type TestDatabase } from "@fleet/testing";
import { createLogger } from "./logger.js";
import { createPostgresPool, inTransaction, MAX_QUERY_NAMES } from "./postgres.js";

const logger = createLogger({ service: "service-kit-test", level: "error" });

async function valuesOf(registry: Registry, name: string): Promise<{ labels: Record<string, string | number | undefined>; value: number; metricName?: string }[]> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`${name} is not registered`);
  // Histograms name each series (`_bucket`, `_count`, `_sum`); gauges do not.
  return (await metric.get()).values.map((sample) => ({ labels: { ...sample.labels }, value: sample.value, metricName: "metricName" in sample ? String(sample.metricName) : undefined }));
}

/** The number of observations per `query` label of db_query_duration_seconds. */
async function queryCounts(registry: Registry): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const sample of await valuesOf(registry, "db_query_duration_seconds")) {
    if (sample.metricName === "db_query_duration_seconds_count") counts[String(sample.labels.query)] = sample.value;
  }
  return counts;
}

async function gauge(registry: Registry, name: string): Promise<number | undefined> {
  return (await valuesOf(registry, name))[0]?.value;
}

describe("createPostgresPool with a metrics registry", () => {
  let database: TestDatabase;
  const pools: pg.Pool[] = [];
  const open = (registry: Registry, max = 4): pg.Pool => {
    const pool = createPostgresPool({ url: database.url, schema: "public", logger, registry, max });
    pools.push(pool);
    return pool;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterEach(async () => {
    for (const pool of pools.splice(0)) await pool.end();
  });

  afterAll(async () => {
    await database.drop();
  });

  it("times each query under the name its config gives, plain SQL as unnamed, and never uses the SQL text as a label", async () => {
    const registry = new Registry();
    const pool = open(registry);
    await pool.query({ name: "products.by-id", text: "SELECT $1::int AS id", values: [7] });
    await pool.query({ name: "products.by-id", text: "SELECT $1::int AS id", values: [8] });
    await pool.query("SELECT pg_sleep(0.05)");
    const slow = (await valuesOf(registry, "db_query_duration_seconds")).find((s) => s.labels.query === "unnamed" && s.labels.le === 0.025);
    expect(await queryCounts(registry)).toEqual({ "products.by-id": 2, unnamed: 1 });
    // The 50 ms sleep is above the 25 ms bucket: the duration is the query's, not zero.
    expect(slow?.value).toBe(0);
    const exposition = await registry.metrics();
    expect(exposition).not.toContain("SELECT");
    expect(exposition).not.toContain("pg_sleep");
  });

  it("also times the queries of a transaction's client and queries that fail", async () => {
    const registry = new Registry();
    const pool = open(registry);
    await inTransaction(pool, async (client) => {
      await client.query({ name: "orders.insert", text: "SELECT 1" });
    });
    await expect(pool.query({ name: "orders.broken", text: "SELECT * FROM no_such_table" })).rejects.toThrow(/no_such_table/);
    // A name that is not an identifier (here: SQL passed as a name by mistake) is not a label.
    await pool.query({ name: "SELECT 1 -- oops", text: "SELECT 1" });
    expect(await queryCounts(registry)).toEqual({ "orders.insert": 1, "orders.broken": 1, unnamed: 3 }); // BEGIN, COMMIT, the bad name
  });

  it("reports the pool's size, idle and waiting connections at scrape time", async () => {
    const registry = new Registry();
    const pool = open(registry, 1);
    expect(await gauge(registry, "db_connection_pool_size")).toBe(0);
    expect(await gauge(registry, "db_connection_pool_max")).toBe(1);
    const held = await pool.connect();
    const queued = pool.query("SELECT 1");
    expect({
      size: await gauge(registry, "db_connection_pool_size"),
      idle: await gauge(registry, "db_connection_pool_idle"),
      waiting: await gauge(registry, "db_connection_pool_waiting"),
    }).toEqual({ size: 1, idle: 0, waiting: 1 });
    held.release();
    await queued;
    expect({
      size: await gauge(registry, "db_connection_pool_size"),
      idle: await gauge(registry, "db_connection_pool_idle"),
      waiting: await gauge(registry, "db_connection_pool_waiting"),
    }).toEqual({ size: 1, idle: 1, waiting: 0 });
  });

  it(`keeps the query label bounded: past ${MAX_QUERY_NAMES} distinct names, the rest count as other`, async () => {
    const registry = new Registry();
    const pool = open(registry);
    for (let i = 0; i < MAX_QUERY_NAMES + 5; i++) await pool.query({ name: `generated.q${i}`, text: "SELECT 1" });
    const counts = await queryCounts(registry);
    expect(Object.keys(counts)).toHaveLength(MAX_QUERY_NAMES + 1);
    expect(counts.other).toBe(5);
  });

  it("refuses a second instrumented pool on the same registry with a clear message", () => {
    const registry = new Registry();
    open(registry);
    expect(() => open(registry)).toThrow("db_query_duration_seconds is already registered: one instrumented pool per registry");
  });
});
