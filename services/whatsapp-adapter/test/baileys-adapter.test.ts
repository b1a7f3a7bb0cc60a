// A Baileys bot through the adapter's real composition and gRPC service, with
// the fake socket factory: ConfigureBot, the session started by the ownership
// loop, RequestPairingCode, SendMessage through the session (typing, numbered
// text for buttons, forwarded from a replica that does not run it), and
// DeleteBot logging the device out.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import { randomBytes, randomUUID } from "node:crypto";
import type pg from "pg";
import { AdapterService, ProviderKind } from "@fleet/contracts/adapter";
import { createServiceClient, startGrpcServer, type RunningGrpcServer } from "@fleet/grpc-bridge";
import { createHealth, createMetrics, createPostgresPool, createRedisClient, type RedisClient } from "@fleet/service-kit";
import { createTestDatabase, createTestRedis, freePort, memoryLogger, type TestDatabase, type TestRedis } from "@fleet/testing";
import { composeAdapter } from "../src/compose.js";
import { loadAdapterConfig, type AdapterConfig } from "../src/config.js";
import { rejectionOf, type AdapterClient } from "./harness.js";
import { FakeBaileysSocketFactory } from "./support/fake-baileys.js";
import { eventually } from "./support/baileys-fixture.js";

const CUSTOMER = "5215512345678";
const { logger } = memoryLogger("whatsapp-adapter", "error");

interface Replica {
  adapter: ReturnType<typeof composeAdapter>;
  factory: FakeBaileysSocketFactory;
  grpc: RunningGrpcServer;
  client: AdapterClient;
}

let database: TestDatabase;
let testRedis: TestRedis;
let pool: pg.Pool;
let config: AdapterConfig;
const clients: RedisClient[] = [];
const replicas: Replica[] = [];

async function startReplica(grpcPort: number, start: boolean): Promise<Replica> {
  const redis = createRedisClient({ url: testRedis.url, keyPrefix: testRedis.prefix, logger, name: "whatsapp-adapter" });
  const subscriber = createRedisClient({ url: testRedis.url, keyPrefix: testRedis.prefix, logger, name: "whatsapp-adapter-subscriber" });
  clients.push(redis, subscriber);
  const factory = new FakeBaileysSocketFactory();
  const adapter = composeAdapter({
    config: { ...config, GRPC_PORT: grpcPort },
    pool,
    redis,
    subscriber,
    logger,
    metrics: createMetrics("whatsapp-adapter"),
    health: createHealth({ service: "whatsapp-adapter", version: "test", checks: {} }),
    baileysSockets: factory,
  });
  const grpc = await startGrpcServer({ host: "127.0.0.1", port: grpcPort, logger, metrics: createMetrics("whatsapp-adapter"), services: [adapter.grpcService] });
  const client = createServiceClient(AdapterService, `127.0.0.1:${grpc.port}`, { defaultDeadlineMs: 10_000 });
  if (start) await adapter.baileys.start();
  const replica = { adapter, factory, grpc, client };
  replicas.push(replica);
  return replica;
}

beforeAll(async () => {
  database = await createTestDatabase();
  testRedis = await createTestRedis();
  pool = createPostgresPool({ url: database.url, schema: "adapter", logger });
  config = loadAdapterConfig({
    DATABASE_URL: database.url,
    REDIS_URL: testRedis.url,
    REDIS_KEY_PREFIX: testRedis.prefix,
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    FLEET_KEY: randomBytes(32).toString("hex"),
    META_APP_SECRET: randomBytes(16).toString("hex"),
    META_VERIFY_TOKEN: randomBytes(16).toString("hex"),
    LOG_LEVEL: "error",
    BAILEYS_LEASE_TTL_MS: "2000",
    BAILEYS_RENEW_MS: "200",
    BAILEYS_TYPING_MAX_MS: "80",
    BAILEYS_TYPING_MS_PER_CHAR: "10",
  });
});

afterAll(async () => {
  for (const replica of replicas) {
    await replica.adapter.baileys.stop();
    replica.client.close();
    await replica.grpc.stop(100);
  }
  for (const client of clients) await client.quit();
  await pool.end();
  await testRedis.cleanup();
  await database.drop();
});

async function configureBaileysBot(replica: Replica, tenantId: string): Promise<string> {
  const response = await replica.client.configureBot({ tenantId, displayName: "Tienda", providers: [{ kind: ProviderKind.BAILEYS, settings: {}, secrets: {} }] });
  const id = response.bot?.id;
  if (!id) throw new Error("ConfigureBot answered without a bot id");
  return id;
}

function text(body: string) {
  return { kind: { case: "text" as const, value: { body, previewUrl: false } } };
}

describe("a Baileys bot through the adapter", () => {
  let main: Replica;
  let other: Replica;
  const tenantId = randomUUID();
  let botId: string;

  beforeAll(async () => {
    // Its leases advertise GRPC_HOST:GRPC_PORT: a real port, so the other replica can forward to it.
    main = await startReplica(await freePort(), true);
    // A second replica that runs no sessions (its ownership loop is not started).
    other = await startReplica(0, false);
    botId = await configureBaileysBot(main, tenantId);
  });

  it("runs the bot's session on the replica that took its lease, and links it with a pairing code", async () => {
    const socket = await main.factory.nth(botId, 1, 5000);
    const code = main.client.requestPairingCode({ tenantId, botId, phoneNumber: CUSTOMER });
    socket.qr();
    expect((await code).pairingCode).toBe("ABCD1234");
    expect(socket.pairingRequests).toEqual([CUSTOMER]);

    socket.paired();
    const linked = await main.factory.nth(botId, 2, 5000);
    linked.open();
    await eventually(() => main.adapter.baileys.sessions.view(botId)?.state === "connected", 3000, "connected");
  });

  it("sends text through the session, with typing first", async () => {
    const socket = main.factory.latest(botId);
    const sent = await main.client.sendMessage({ tenantId, botId, recipient: CUSTOMER, idempotencyKey: `k-${randomUUID()}`, content: text("Hola, ¿en qué te ayudo?") });

    expect(sent.provider).toBe(ProviderKind.BAILEYS);
    expect(socket?.sent.at(-1)).toMatchObject({ jid: `${CUSTOMER}@s.whatsapp.net`, content: { text: "Hola, ¿en qué te ayudo?" }, id: sent.providerMessageId });
    expect(socket?.presences.slice(-2).map((p) => p.type)).toEqual(["composing", "paused"]);
  });

  it("sends buttons as numbered text (Baileys cannot deliver buttons)", async () => {
    const socket = main.factory.latest(botId);
    await main.client.sendMessage({
      tenantId,
      botId,
      recipient: CUSTOMER,
      idempotencyKey: `k-${randomUUID()}`,
      content: { kind: { case: "buttons", value: { body: "¿Qué talla?", buttons: [{ id: "s", title: "Chica" }, { id: "m", title: "Mediana" }] } } },
    });
    expect(socket?.sent.at(-1)?.content).toEqual({ text: "¿Qué talla?\n\n1. Chica\n2. Mediana" });
  });

  it("refuses a media URL that points inside the fleet's network", async () => {
    const error = await rejectionOf(
      main.client.sendMessage({ tenantId, botId, recipient: CUSTOMER, idempotencyKey: `k-${randomUUID()}`, content: { kind: { case: "media", value: { kind: 1, url: "http://127.0.0.1:6379/" } } } }),
    );
    expect(error.code).toBe("BAILEYS_CONTENT_INVALID");
  });

  it("forwards a send landing on a replica that does not run the session to the one that does", async () => {
    const socket = main.factory.latest(botId);
    const idempotencyKey = `k-${randomUUID()}`;
    const sent = await other.client.sendMessage({ tenantId, botId, recipient: CUSTOMER, idempotencyKey, content: text("Desde otra réplica") });

    expect(sent).toMatchObject({ provider: ProviderKind.BAILEYS, replayed: false });
    expect(socket?.sent.at(-1)).toMatchObject({ content: { text: "Desde otra réplica" }, id: sent.providerMessageId });
    expect(other.factory.sockets).toHaveLength(0);
    // The owner ran the send once: the same key anywhere answers the same message.
    const again = await main.client.sendMessage({ tenantId, botId, recipient: CUSTOMER, idempotencyKey, content: text("Desde otra réplica") });
    expect(again).toMatchObject({ providerMessageId: sent.providerMessageId, replayed: true });
    expect(socket?.sent.filter((record) => record.id === sent.providerMessageId)).toHaveLength(1);
  });

  it("forwards a pairing-code request to the replica that runs the session", async () => {
    const second = await configureBaileysBot(main, tenantId);
    const socket = await main.factory.nth(second, 1, 5000);
    const code = other.client.requestPairingCode({ tenantId, botId: second, phoneNumber: "5215500001111" });
    // The request reaches the owner's session, which asks WhatsApp once its first QR arrived.
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.qr();
    expect((await code).pairingCode).toBe("ABCD1234");
    expect(socket.pairingRequests).toEqual(["5215500001111"]);
  });

  it("logs the device out and clears its state when the bot is deleted", async () => {
    const socket = main.factory.latest(botId);
    await main.client.deleteBot({ tenantId, botId });
    expect(socket?.loggedOut).toBe(true);
    const { rows } = await pool.query("SELECT 1 FROM session_creds WHERE bot_id = $1 UNION ALL SELECT 1 FROM session_keys WHERE bot_id = $1", [botId]);
    expect(rows).toHaveLength(0);
  });
});
