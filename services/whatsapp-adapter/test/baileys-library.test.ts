// The Baileys library is loaded only by a replica that needs it: no
// production module imports its values statically (only baileys-library.ts
// imports it, dynamically), the production entry point never reaches the
// test-only code of src/testing/, and through the real composition a replica
// without a Baileys bot never loads it, while the first bot it owns does.
// With that bot, the session gauges count it by state.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { createHealth, createMetrics, createPostgresPool, createRedisClient, type Metrics, type RedisClient } from "@fleet/service-kit";
import { createTestDatabase, createTestRedis, memoryLogger, type TestDatabase, type TestRedis } from "@fleet/testing";
import { composeAdapter } from "../src/compose.js";
import { loadAdapterConfig } from "../src/config.js";
import { createBotsRepository, createProviderSecretBox } from "../src/repositories/bots.repository.js";
import { isBaileysLoaded } from "../src/sessions/baileys/baileys-library.js";
import { FakeBaileysSocketFactory } from "./support/fake-baileys.js";
import { eventually, sleep } from "./support/baileys-fixture.js";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));
const LIBRARY = "@whiskeysockets/baileys";

interface ModuleImports {
  /** Specifiers imported for their values (static `import … from`, `export … from`, bare `import "…"`). */
  values: string[];
  /** Specifiers of `import("…")`. */
  dynamic: string[];
}

function importsOf(file: string): ModuleImports {
  const text = readFileSync(file, "utf8");
  const values: string[] = [];
  for (const [, kind = "", clause = "", specifier = ""] of text.matchAll(/^\s*(import|export)\s+([\s\S]*?)\s+from\s+["']([^"']+)["']/gm)) {
    // `import type` / `export type` are erased; anything else (even `import { type X }`) is loaded.
    if (!/^type\s/.test(clause)) values.push(specifier);
    void kind;
  }
  for (const [, specifier = ""] of text.matchAll(/^\s*import\s+["']([^"']+)["']/gm)) values.push(specifier);
  const dynamic = [...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)].map(([, specifier = ""]) => specifier);
  return { values, dynamic };
}

/** Every src module a start from `entry` loads, following relative value imports (static and dynamic). */
function reachable(entry: string): Map<string, ModuleImports> {
  const seen = new Map<string, ModuleImports>();
  const queue = [resolve(SRC, entry)];
  for (let file = queue.pop(); file; file = queue.pop()) {
    if (seen.has(file)) continue;
    const imports = importsOf(file);
    seen.set(file, imports);
    for (const specifier of [...imports.values, ...imports.dynamic]) {
      if (specifier.startsWith(".")) queue.push(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
    }
  }
  return seen;
}

describe("where the Baileys library is imported", () => {
  const production = reachable("main.ts");
  const name = (file: string) => relative(SRC, file);

  it("follows the production entry point through its modules (the walk itself works)", () => {
    expect([...production.keys()].map(name)).toEqual(expect.arrayContaining(["compose.ts", "sessions/baileys/baileys.module.ts", "sessions/baileys/baileys-sessions.ts", "sessions/baileys/baileys-library.ts"]));
    // A value import is told from a type-only one.
    expect(production.get(resolve(SRC, "sessions/baileys/baileys-library.ts"))).toEqual({ values: [], dynamic: [LIBRARY] });
  });

  it("is imported for its values by no production module, and dynamically only by baileys-library.ts", () => {
    const staticImporters = [...production].filter(([, imports]) => imports.values.includes(LIBRARY)).map(([file]) => name(file));
    const dynamicImporters = [...production].filter(([, imports]) => imports.dynamic.includes(LIBRARY)).map(([file]) => name(file));
    expect(staticImporters).toEqual([]);
    expect(dynamicImporters).toEqual(["sessions/baileys/baileys-library.ts"]);
  });

  it("keeps the test-only entry point and fake sockets out of what main.ts loads", () => {
    expect([...production.keys()].map(name).filter((file) => file.startsWith("testing/"))).toEqual([]);
    // The test-only entry point does reach them (so the check above can see them when they are imported).
    expect([...reachable("testing/fake-baileys.main.ts").keys()].map(name)).toContain("testing/recording-baileys-sockets.ts");
  });
});

describe("an adapter replica's Baileys library and session gauges", () => {
  const { logger } = memoryLogger("whatsapp-adapter", "error");
  const key = randomBytes(32).toString("hex");
  let database: TestDatabase;
  let testRedis: TestRedis;
  let pool: pg.Pool;
  let metrics: Metrics;
  let adapter: ReturnType<typeof composeAdapter>;
  const factory = new FakeBaileysSocketFactory();
  const clients: RedisClient[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    testRedis = await createTestRedis();
    pool = createPostgresPool({ url: database.url, schema: "adapter", logger });
    const config = loadAdapterConfig({
      DATABASE_URL: database.url,
      REDIS_URL: testRedis.url,
      REDIS_KEY_PREFIX: testRedis.prefix,
      SECRETS_ENCRYPTION_KEY: key,
      FLEET_KEY: randomBytes(32).toString("hex"),
      META_APP_SECRET: randomBytes(16).toString("hex"),
      META_VERIFY_TOKEN: randomBytes(16).toString("hex"),
      LOG_LEVEL: "error",
      BAILEYS_LEASE_TTL_MS: "2000",
      BAILEYS_RENEW_MS: "100",
    });
    const redis = createRedisClient({ url: testRedis.url, keyPrefix: testRedis.prefix, logger, name: "whatsapp-adapter" });
    const subscriber = createRedisClient({ url: testRedis.url, keyPrefix: testRedis.prefix, logger, name: "whatsapp-adapter-subscriber" });
    clients.push(redis, subscriber);
    metrics = createMetrics("whatsapp-adapter");
    adapter = composeAdapter({ config, pool, redis, subscriber, logger, metrics, health: createHealth({ service: "whatsapp-adapter", version: "test", checks: {} }), baileysSockets: factory });
    await adapter.baileys.start();
  });

  afterAll(async () => {
    await adapter.baileys.stop();
    for (const client of clients) await client.quit();
    await pool.end();
    await testRedis.cleanup();
    await database.drop();
  });

  async function gauges(): Promise<Record<string, number>> {
    const text = await metrics.registry.metrics();
    const found: Record<string, number> = {};
    for (const [, series = "", value = ""] of text.matchAll(/^(adapter_baileys_\w+(?:\{[^}]*\})?) (\S+)$/gm)) {
      // The registry's default label (service) is the same on every series: left out.
      found[series.replace(/,?service="[^"]*"/, "").replace("{}", "")] = Number(value);
    }
    return found;
  }

  it("does not load the library while the replica has no Baileys bot, and exports zero sessions", async () => {
    await sleep(300);
    expect(isBaileysLoaded()).toBe(false);
    expect(await gauges()).toEqual({
      'adapter_baileys_sessions{state="connected"}': 0,
      'adapter_baileys_sessions{state="connecting"}': 0,
      'adapter_baileys_sessions{state="awaiting_pairing"}': 0,
      'adapter_baileys_sessions{state="needs_link"}': 0,
      'adapter_baileys_sessions{state="disconnected"}': 0,
      adapter_baileys_owned_bots: 0,
    });
  });

  it("loads it when the replica takes its first Baileys bot, and counts the session by state", async () => {
    const bots = createBotsRepository(pool, createProviderSecretBox(key));
    const { id: botId } = await bots.save({ tenantId: randomUUID(), displayName: "Shop", providers: [{ kind: "baileys", settings: {}, secrets: {}, routingKey: null }] });
    const socket = await factory.nth(botId, 1, 5000);
    expect(isBaileysLoaded()).toBe(true);

    socket.qr();
    await eventually(async () => (await gauges())['adapter_baileys_sessions{state="awaiting_pairing"}'] === 1, 3000, "awaiting_pairing counted");
    socket.open();
    await eventually(async () => (await gauges())['adapter_baileys_sessions{state="connected"}'] === 1, 3000, "connected counted");
    expect(await gauges()).toMatchObject({ 'adapter_baileys_sessions{state="awaiting_pairing"}': 0, adapter_baileys_owned_bots: 1 });
  });
});
