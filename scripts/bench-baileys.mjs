#!/usr/bin/env node
// Baileys sessions per adapter replica (a script, not a test). Real adapter
// processes started from the build's test entry point
// (services/whatsapp-adapter/dist/testing/fake-baileys.main.js: main.ts's
// composition with fake sockets that open at once and talk to nobody), on a
// fresh migrated database and a private Redis key prefix, with bots whose
// stored state is that of a linked phone. It prints:
// - idle RSS of a replica with no Baileys bot, as built (the library loads on
//   first need) and with the library preloaded (as every replica did before);
// - idle RSS and CPU of one replica running 10, 100, 500 linked bots (after
//   all are connected, over --idle-ms), and how long it took to connect them;
// - failover of 100 bots: two replicas with 100 bots each, kill -9 of one,
//   time until the other runs and has connected all 200.
// The sockets are fakes: what is measured is the fleet's own cost per session
// (session, auth state, signal key cache, lease, connection feed), not
// WhatsApp's WebSocket and its buffers; a real socket adds to it.
//
//   pnpm build && node scripts/bench-baileys.mjs [--sizes 10,100,500] [--failover 100] [--idle-ms 10000]
//     [--lease-ttl-ms 15000 --renew-ms 5000]
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { createLogger, createPostgresPool, createRedisClient, discoverMigrationOwners, migrateUp } from "@fleet/service-kit";
import { TEST_DATABASE_URL, TEST_REDIS_URL, databaseUrl, freePort, startServiceProcess } from "@fleet/testing";

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "10,100,500" },
    failover: { type: "string", default: "100" },
    "idle-ms": { type: "string", default: "10000" },
    "lease-ttl-ms": { type: "string", default: "15000" },
    "renew-ms": { type: "string", default: "5000" },
  },
});
const sizes = values.sizes.split(",").map(Number).filter((n) => n > 0);
const failoverBots = Number(values.failover);
const idleMs = Number(values["idle-ms"]);
const leaseTtlMs = Number(values["lease-ttl-ms"]);
const renewMs = Number(values["renew-ms"]);

const root = fileURLToPath(new URL("..", import.meta.url));
const adapterDir = `${root}services/whatsapp-adapter/`;
const entry = `${adapterDir}dist/testing/fake-baileys.main.js`;
const libraryEntry = pathToFileURL(`${adapterDir}node_modules/@whiskeysockets/baileys/lib/index.js`).href;
const { createBotsRepository, createProviderSecretBox } = await import(`${adapterDir}dist/repositories/bots.repository.js`);
const { createBaileysAuthRepository, createSessionSecretBox } = await import(`${adapterDir}dist/sessions/baileys/baileys-auth.repository.js`);
const { loadBaileys } = await import(`${adapterDir}dist/sessions/baileys/baileys-library.js`);

const secret = () => randomBytes(32).toString("hex");
const secretsKey = secret();
const logger = createLogger({ service: "bench-baileys", level: "error" });
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
/** CPU time (user + system, ms) the process has used so far (clock ticks of 10 ms). */
const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A fresh database with the adapter's schema.
const dbName = `bench_baileys_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
await admin.end();
const dbUrl = databaseUrl(dbName);
await migrateUp(dbUrl, (await discoverMigrationOwners(root)).filter((owner) => owner.schema === "adapter"));
const pool = createPostgresPool({ url: dbUrl, schema: "adapter", logger });
const bots = createBotsRepository(pool, createProviderSecretBox(secretsKey));
const auth = createBaileysAuthRepository(pool, createSessionSecretBox(secretsKey), logger);
const { initAuthCreds } = await loadBaileys();

/** Linked bots (state stored before the bot gets its Baileys provider, so none starts unlinked). */
async function addLinkedBots(count) {
  for (let i = 0; i < count; i++) {
    const tenantId = randomUUID();
    const { id } = await bots.save({ tenantId, displayName: "Shop", providers: [] });
    await auth.writeCreds(id, { ...initAuthCreds(), registered: true, me: { id: `52155${String(i).padStart(8, "0")}:7@s.whatsapp.net`, name: "Shop" } });
    await bots.save({ id, tenantId, displayName: "Shop", providers: [{ kind: "baileys", settings: {}, secrets: {}, routingKey: null }] });
  }
}
async function removeAllBots() {
  await pool.query("DELETE FROM bots");
}

const started = [];
async function startReplica(prefix, extraEnv = {}) {
  const port = await freePort();
  const replica = await startServiceProcess(
    entry,
    {
      NODE_ENV: "test",
      DATABASE_URL: dbUrl,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      SECRETS_ENCRYPTION_KEY: secretsKey,
      META_APP_SECRET: secret(),
      META_VERIFY_TOKEN: secret(),
      GRPC_PORT: String(port),
      BAILEYS_LEASE_TTL_MS: String(leaseTtlMs),
      BAILEYS_RENEW_MS: String(renewMs),
      ...extraEnv,
    },
    30_000,
  );
  started.push(replica);
  return replica;
}

async function gauges(replica) {
  const text = await (await fetch(`${replica.httpUrl}/metrics`)).text();
  const value = (pattern) => Number(pattern.exec(text)?.[1] ?? NaN);
  return { owned: value(/^adapter_baileys_owned_bots(?:\{[^}]*\})? (\d+)$/m), connected: value(/^adapter_baileys_sessions\{[^}]*state="connected"[^}]*\} (\d+)$/m) };
}

async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(50);
  }
}

const runPrefix = `bench-baileys:${randomBytes(3).toString("hex")}:`;
const prefix = () => `${runPrefix}${randomBytes(3).toString("hex")}:`;
const results = [];
try {
  console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown"}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, node ${process.version}`);
  console.log(`sockets: fakes (no WhatsApp connection); leases: TTL ${leaseTtlMs} ms, renewed every ${renewMs} ms; idle window ${idleMs} ms`);
  console.log("anchors: WAHA about 85 sessions on 2 CPU / 8 GB; Evolution API 79 instances → over 4 GB; goal: 500 bots in one replica under 1 GB");
  console.log("");

  // Idle replica without Baileys bots: the library on first need vs. preloaded.
  for (const [label, env] of [
    ["no Baileys bot, library loaded on first need", {}],
    ["no Baileys bot, library preloaded (as before)", { NODE_OPTIONS: `--import=${libraryEntry}` }],
  ]) {
    const replica = await startReplica(prefix(), env);
    await sleep(Math.min(idleMs, 3000));
    const cpuBefore = cpuMs(replica.child.pid);
    await sleep(idleMs);
    const cpu = ((cpuMs(replica.child.pid) - cpuBefore) / idleMs) * 100;
    results.push({ label, bots: 0, rss: rssMiB(replica.child.pid), cpu, connectMs: null });
    await replica.stop("SIGTERM");
  }

  // One replica with N linked bots.
  let seeded = 0;
  for (const size of sizes) {
    await addLinkedBots(size - seeded);
    seeded = size;
    const replica = await startReplica(prefix());
    const t0 = performance.now();
    await until(async () => {
      const { owned, connected } = await gauges(replica);
      return owned === size && connected === size;
    }, 120_000, `${size} bots connected`);
    const connectMs = performance.now() - t0;
    await sleep(2000);
    const cpuBefore = cpuMs(replica.child.pid);
    await sleep(idleMs);
    const cpu = ((cpuMs(replica.child.pid) - cpuBefore) / idleMs) * 100;
    results.push({ label: `${size} linked bots`, bots: size, rss: rssMiB(replica.child.pid), cpu, connectMs });
    const stopAt = performance.now();
    await replica.stop("SIGTERM");
    results.at(-1).stopMs = performance.now() - stopAt;
  }

  console.log("one replica                                          idle RSS MiB   CPU % of a core   all connected after   SIGTERM → exit");
  for (const r of results) {
    console.log(
      `${r.label.padEnd(52)} ${r.rss.toFixed(1).padStart(12)}   ${r.cpu.toFixed(1).padStart(15)}   ${(r.connectMs === null ? "–" : `${(r.connectMs / 1000).toFixed(2)} s`).padStart(19)}   ${r.stopMs === undefined ? "–".padStart(14) : `${r.stopMs.toFixed(0)} ms`.padStart(14)}`,
    );
  }
  const withBots = results.filter((r) => r.bots > 0);
  if (withBots.length >= 2) {
    const [small, large] = [withBots[0], withBots.at(-1)];
    console.log(`per extra bot: ${(((large.rss - small.rss) * 1024) / (large.bots - small.bots)).toFixed(0)} KiB of RSS (${small.bots} → ${large.bots} bots)`);
  }

  // Failover: two replicas with `failoverBots` each; kill -9 one.
  if (failoverBots > 0) {
    await removeAllBots();
    await addLinkedBots(failoverBots * 2);
    const shared = prefix();
    const [a, b] = [await startReplica(shared), await startReplica(shared)];
    await until(async () => {
      const [ga, gb] = [await gauges(a), await gauges(b)];
      return ga.owned === failoverBots && gb.owned === failoverBots && ga.connected === failoverBots && gb.connected === failoverBots;
    }, 120_000, "even spread before the failover");
    const killedAt = performance.now();
    a.child.kill("SIGKILL");
    let firstMs = null;
    await until(async () => {
      const { owned, connected } = await gauges(b);
      if (firstMs === null && owned > failoverBots) firstMs = performance.now() - killedAt;
      return owned === failoverBots * 2 && connected === failoverBots * 2;
    }, leaseTtlMs * 4 + 60_000, "every bot connected on the survivor");
    const allMs = performance.now() - killedAt;
    console.log("");
    console.log(
      `failover: kill -9 of a replica running ${failoverBots} bots → first taken over after ${((firstMs ?? allMs) / 1000).toFixed(2)} s, all ${failoverBots} owned and connected on the other replica after ${(allMs / 1000).toFixed(2)} s (lease TTL ${(leaseTtlMs / 1000).toFixed(1)} s + up to one renew interval ${(renewMs / 1000).toFixed(1)} s)`,
    );
    await b.stop("SIGTERM");
  }
} finally {
  for (const replica of started) await replica.stop("SIGKILL").catch(() => undefined);
  await pool.end();
  const redis = createRedisClient({ url: TEST_REDIS_URL, keyPrefix: "", logger, name: "bench-baileys" });
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${runPrefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
  await redis.quit();
  const cleanup = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await cleanup.connect();
  await cleanup.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await cleanup.end();
}
