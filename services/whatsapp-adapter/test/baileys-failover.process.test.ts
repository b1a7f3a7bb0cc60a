// Baileys sessions across real adapter processes (the built test entry point
// dist/testing/fake-baileys.main.js: main.ts's composition with recording
// fake sockets) on one Postgres database and one Redis, with short leases:
// - kill -9 of a bot's owner: another replica owns the bot within the lease
//   TTL (lease, open socket, the connection feed says connected), and a send
//   through any replica goes out once, from the new owner;
// - SIGTERM of the owner: the bot is handed over with no gap (sends during the
//   shutdown, the moment the old owner let the bot go, and after it exited
//   succeed);
// - 60 bots over 3 processes: each runs 20.
// The processes are shared by the tests, in order.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import { randomBytes, randomUUID } from "node:crypto";
import type pg from "pg";
import { AdapterService, ProviderKind } from "@fleet/contracts/adapter";
import { clientAuth, createServiceClient, createTokenSigner } from "@fleet/grpc-bridge";
import { createPostgresPool, createRedisClient, type RedisClient } from "@fleet/service-kit";
import { TEST_FLEET_KEY, createTestDatabase, createTestRedis, freePort, memoryLogger, startServiceProcess, type ServiceProcess, type TestDatabase, type TestRedis } from "@fleet/testing";
import { createBotsRepository, createProviderSecretBox } from "../src/repositories/bots.repository.js";
import { createBaileysAuthRepository, createSessionSecretBox, type BaileysAuthRepository } from "../src/sessions/baileys/baileys-auth.repository.js";
import { loadBaileys } from "../src/sessions/baileys/baileys-library.js";
import { parseOwner } from "../src/sessions/baileys/baileys-ownership.js";
import { createConnectionUpdates, type ConnectionUpdates } from "../src/sessions/connection-updates.js";
import { FAKE_OPEN_KEY, FAKE_SENT_KEY, type FakeSendRecord } from "../src/testing/recording-baileys-sockets.js";
import type { AdapterClient } from "./harness.js";
import { eventually } from "./support/baileys-fixture.js";

const ENTRY = new URL("../dist/testing/fake-baileys.main.js", import.meta.url);
const LEASE_TTL_MS = 2000;
const RENEW_MS = 300;
const CUSTOMER = "5215512345678";
const { logger } = memoryLogger("whatsapp-adapter", "error");
const secretsKey = randomBytes(32).toString("hex");
const gateway = createTokenSigner({ service: "gateway", keys: { current: { id: "1", material: TEST_FLEET_KEY } } });

interface Replica {
  process: ServiceProcess;
  address: string;
  pid: number;
  client: AdapterClient;
}

let database: TestDatabase;
let testRedis: TestRedis;
let redis: RedisClient;
let pool: pg.Pool;
let auth: BaileysAuthRepository;
let updates: ConnectionUpdates;
const replicas: Replica[] = [];
const live = () => replicas.filter((replica) => replica.process.child.exitCode === null && replica.process.child.signalCode === null);
const tenantId = randomUUID();

async function startReplica(attempt = 1): Promise<Replica> {
  // Its leases advertise GRPC_HOST:GRPC_PORT, so the port is chosen here (not 0).
  const port = await freePort();
  let process: ServiceProcess;
  try {
    process = await startServiceProcess(
      ENTRY,
      {
        NODE_ENV: "test",
        DATABASE_URL: database.url,
        REDIS_URL: testRedis.url,
        REDIS_KEY_PREFIX: testRedis.prefix,
        SECRETS_ENCRYPTION_KEY: secretsKey,
        META_APP_SECRET: randomBytes(16).toString("hex"),
        META_VERIFY_TOKEN: randomBytes(16).toString("hex"),
        GRPC_PORT: String(port),
        BAILEYS_LEASE_TTL_MS: String(LEASE_TTL_MS),
        BAILEYS_RENEW_MS: String(RENEW_MS),
        BAILEYS_TYPING_MAX_MS: "0",
      },
      20_000,
    );
  } catch (error) {
    // The free port was taken by someone else in between: another one.
    if (attempt < 3 && error instanceof Error && /No address added|EADDRINUSE/.test(error.message)) return startReplica(attempt + 1);
    throw error;
  }
  const address = `127.0.0.1:${port}`;
  const pid = process.child.pid;
  if (pid === undefined) throw new Error("the adapter process has no pid");
  const replica = { process, address, pid, client: createServiceClient(AdapterService, address, { defaultDeadlineMs: 15_000, auth: clientAuth(gateway, "whatsapp-adapter") }) };
  replicas.push(replica);
  return replica;
}

/** A bot with a Baileys provider whose stored state is that of a linked phone. */
async function linkedBot(): Promise<string> {
  const bots = createBotsRepository(pool, createProviderSecretBox(secretsKey));
  // The linked state is stored before the bot gets its Baileys provider, so no replica starts it unlinked.
  const { id } = await bots.save({ tenantId, displayName: "Shop", providers: [] });
  const creds = (await loadBaileys()).initAuthCreds();
  await auth.writeCreds(id, { ...creds, registered: true, me: { id: `5215500000000:7@s.whatsapp.net`, name: "Shop" } });
  await bots.save({ id, tenantId, displayName: "Shop", providers: [{ kind: "baileys", settings: {}, secrets: {}, routingKey: null }] });
  return id;
}

async function ownerOf(botId: string): Promise<Replica | undefined> {
  const owner = parseOwner(await redis.get(`baileys:owner:${botId}`));
  return replicas.find((replica) => replica.address === owner?.address);
}

/** The replica whose lease, open socket and published state all say it runs the bot, connected. */
async function connectedOwner(botId: string, after = 0): Promise<Replica | undefined> {
  const owner = await ownerOf(botId);
  if (!owner || !live().includes(owner)) return undefined;
  const socketPid = await redis.hget(FAKE_OPEN_KEY, botId);
  const latest = await updates.latest(botId);
  return socketPid === String(owner.pid) && latest?.state === "connected" && latest.at >= after ? owner : undefined;
}

async function send(replica: Replica, botId: string, body: string, idempotencyKey: string = randomUUID()) {
  return replica.client.sendMessage({ tenantId, botId, recipient: CUSTOMER, idempotencyKey, content: { kind: { case: "text", value: { body, previewUrl: false } } } });
}

async function sendsOf(body: string): Promise<FakeSendRecord[]> {
  const raw = await redis.lrange(FAKE_SENT_KEY, 0, -1);
  return raw.map((json) => JSON.parse(json) as FakeSendRecord).filter((record) => record.text === body);
}

async function metricsOf(replica: Replica): Promise<{ owned: number; connected: number }> {
  const text = await (await fetch(`${replica.process.httpUrl}/metrics`)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
  return { owned: value(/^adapter_baileys_owned_bots(?:\{[^}]*\})? (\d+)$/m), connected: value(/^adapter_baileys_sessions\{[^}]*state="connected"[^}]*\} (\d+)$/m) };
}

beforeAll(async () => {
  database = await createTestDatabase();
  testRedis = await createTestRedis();
  redis = createRedisClient({ url: testRedis.url, keyPrefix: testRedis.prefix, logger, name: "failover-test" });
  pool = createPostgresPool({ url: database.url, schema: "adapter", logger });
  auth = createBaileysAuthRepository(pool, createSessionSecretBox(secretsKey), logger);
  updates = createConnectionUpdates({ redis, subscriber: redis, keyPrefix: testRedis.prefix });
}, 30_000);

afterAll(async () => {
  for (const replica of replicas) {
    replica.client.close();
    await replica.process.stop("SIGKILL");
  }
  await redis.quit();
  await pool.end();
  await testRedis.cleanup();
  await database.drop();
}, 30_000);

describe("Baileys sessions across adapter processes", () => {
  let botId: string;

  it("after kill -9 of its owner, another replica owns the bot within the lease TTL, and a send through any replica goes out once", async () => {
    botId = await linkedBot();
    await Promise.all([startReplica(), startReplica()]);
    const first = await eventually(() => connectedOwner(botId), 10_000, "the bot connected on a replica");

    const killedAt = Date.now();
    first.process.child.kill("SIGKILL");
    await first.process.stop("SIGKILL");
    // Started meanwhile, so that the bot has a replica to move to and another one to forward from.
    const fresh = startReplica();
    const next = await eventually(() => connectedOwner(botId, killedAt), LEASE_TTL_MS + RENEW_MS + 5000, "the bot connected on another replica");
    const failoverMs = Date.now() - killedAt;
    expect(next).not.toBe(first);
    console.info(`baileys-failover: kill -9 → connected elsewhere in ${failoverMs} ms (lease TTL ${LEASE_TTL_MS} ms, renew ${RENEW_MS} ms)`);
    await fresh;

    const others = live().filter((replica) => replica !== next);
    expect(others.length).toBeGreaterThan(0);
    for (const [index, replica] of live().entries()) {
      const body = `after kill -9, through replica ${index}`;
      const sent = await send(replica, botId, body, `kill-${index}`);
      expect(sent).toMatchObject({ provider: ProviderKind.BAILEYS, replayed: false });
      // The same send again (a retry with its idempotency key) through another replica: answered, not sent again.
      const again = await send(others[0] === replica ? next : (others[0] ?? next), botId, body, `kill-${index}`);
      expect(again).toMatchObject({ providerMessageId: sent.providerMessageId, replayed: true });
      const records = await sendsOf(body);
      expect(records.map((record) => ({ pid: record.pid, botId: record.botId, messageId: record.messageId }))).toEqual([{ pid: next.pid, botId, messageId: sent.providerMessageId }]);
    }
  }, 40_000);

  it("on SIGTERM, the owner hands the bot over with no gap: sends through every other replica during its shutdown and right after it let go succeed once", async () => {
    // Three replicas: whichever takes the bot over, the send through the other one has to find it.
    while (live().length < 3) await startReplica();
    const owner = await eventually(() => connectedOwner(botId), 5000, "the bot's owner");
    const others = live().filter((replica) => replica !== owner);
    expect(others).toHaveLength(2);

    const stopping = owner.process.stop("SIGTERM");
    const during = others.map((replica, index) => send(replica, botId, `during the handover ${index}`));
    // The moment the old owner has let the bot go, before any replica may have taken it.
    await eventually(async () => (await ownerOf(botId)) !== owner, 10_000, "the lease released");
    const released = others.map((replica, index) => send(replica, botId, `right after the release ${index}`));
    expect(await stopping).toBe(0);
    const exited = others.map((replica, index) => send(replica, botId, `after the old owner exited ${index}`));
    for (const answer of await Promise.all([...during, ...released, ...exited])) expect(answer).toMatchObject({ provider: ProviderKind.BAILEYS, replayed: false });

    const next = await eventually(() => connectedOwner(botId), 10_000, "the bot's new owner");
    expect(others).toContain(next);
    for (const index of [0, 1]) {
      expect((await sendsOf(`during the handover ${index}`)).length).toBe(1);
      expect((await sendsOf(`right after the release ${index}`)).map((record) => record.pid)).toEqual([next.pid]);
      expect((await sendsOf(`after the old owner exited ${index}`)).map((record) => record.pid)).toEqual([next.pid]);
    }
  }, 30_000);

  it("spreads 60 bots evenly over 3 replicas: each runs 20 ± 1, all connected, each bot once", async () => {
    const { rows } = await pool.query<{ n: string }>("SELECT count(*) AS n FROM bot_providers WHERE kind = 'baileys'");
    for (let i = Number(rows[0]?.n ?? 0); i < 60; i++) await linkedBot();
    while (live().length < 3) await startReplica();
    const three = live();
    expect(three.length).toBe(3);
    let last: unknown;
    const spread = await eventually(
      async () => {
        const counts = await Promise.all(three.map(metricsOf));
        last = counts;
        const total = counts.reduce((sum, count) => sum + count.owned, 0);
        return total === 60 && counts.every((count) => count.owned >= 19 && count.owned <= 21 && count.connected === count.owned) && counts;
      },
      20_000,
      "20 ± 1 connected bots on each replica",
    ).catch(async (error: unknown) => {
      const texts = await Promise.all(three.map(async (replica) => (await (await fetch(`${replica.process.httpUrl}/metrics`)).text()).split("\n").filter((line) => line.startsWith("adapter_baileys")).join("\n")));
      const warnings = three.flatMap((replica) => replica.process.logs.filter((line) => line.level !== "info").map((line) => JSON.stringify(line)));
      throw new Error(`${error instanceof Error ? error.message : String(error)}; last seen: ${JSON.stringify(last)}\n${texts.join("\n")}\n${warnings.slice(0, 30).join("\n")}`);
    });
    console.info(`baileys-failover: 60 bots over 3 replicas: ${spread.map((count) => count.owned).join(" / ")}`);
    // Every bot has one open socket, on the replica its lease names.
    const open = await redis.hgetall(FAKE_OPEN_KEY);
    expect(Object.keys(open)).toHaveLength(60);
    const misplaced = [];
    for (const [bot, pid] of Object.entries(open)) if (String((await ownerOf(bot))?.pid) !== pid) misplaced.push(bot);
    expect(misplaced).toEqual([]);
  }, 45_000);
});
