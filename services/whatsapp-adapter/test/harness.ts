// Component-test harness of the whatsapp-adapter: the real composition on a
// fresh Postgres database and a private Redis key prefix, its gRPC service on
// a real port, and the Meta sandbox (the Graph API fake) on another port.
import { randomBytes, randomUUID } from "node:crypto";
import type { Express } from "express";
import type pg from "pg";
import { AdapterService, ProviderKind } from "@fleet/contracts/adapter";
import { DEFAULT_INBOUND_PARTITIONS, ProviderEntrySchema, decodeStreamEntry, inboundStream, type ProviderEntry } from "@fleet/contracts";
import { createServiceClient, startGrpcServer, type RunningGrpcServer } from "@fleet/grpc-bridge";
import { createMetaSandbox, silentLogger, type MetaSandbox, type MetaSandboxOptions } from "@fleet/provider-sandbox";
import { createHealth, createLogger, createMetrics, createPostgresPool, createRedisClient, postgresCheck, redisCheck, type RedisClient } from "@fleet/service-kit";
import { createTestDatabase, createTestRedis, freePort, listen, type Listening, type TestDatabase, type TestRedis } from "@fleet/testing";
import { composeAdapter } from "../src/compose.js";
import { loadAdapterConfig, type AdapterConfig } from "../src/config.js";
import { WEBHOOK_DEAD_LETTER_STREAM } from "../src/repositories/webhook-dead-letter.repository.js";

export const SERVICE = "whatsapp-adapter";

function newAdapterClient(address: string) {
  return createServiceClient(AdapterService, address, { defaultDeadlineMs: 10_000 });
}

export type AdapterClient = ReturnType<typeof newAdapterClient>;

/** One adapter composition: its HTTP app, its Redis client and its registry. */
export interface Composition {
  app: Express;
  grpcService: ReturnType<typeof composeAdapter>["grpcService"];
  redis: RedisClient;
}

export interface AdapterHarness {
  config: AdapterConfig;
  /** The adapter's HTTP app (webhooks, health, metrics) for supertest. */
  app: Express;
  client: AdapterClient;
  /** host:port of the adapter's gRPC service, for clients of other services (e.g. the gateway's). */
  grpcAddress: string;
  sandbox: MetaSandbox;
  /** Base URL of the sandbox (the Graph API fake), e.g. for a bot's own `base_url` or a second sender. */
  sandboxUrl: string;
  /** The adapter's own Redis client (key prefix applied). */
  redis: RedisClient;
  /** Pool on the adapter schema of this file's database. */
  pool: pg.Pool;
  /** The token the sandbox accepts for every hosted number. */
  accessToken: string;
  appSecret: string;
  verifyToken: string;
  /** Origin of the adapter's HTTP app when started with `listen` (also its PUBLIC_BASE_URL). */
  appUrl: string | null;
  /**
   * Builds another composition with its own Redis client (e.g. a Redis that will be stopped), on the
   * same database unless another pool is given (e.g. one whose Postgres is unreachable).
   */
  compose(redisUrl: string, keyPrefix: string, options?: { pool?: pg.Pool }): Composition;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Numbers the sandbox hosts (all with `accessToken`). */
  phoneNumberIds: readonly string[];
  ratePerSecond?: number;
  /** More adapter configuration (e.g. other providers' base URLs). */
  config?: Record<string, string>;
  /**
   * Serve the adapter's HTTP app on a real port (for fakes that post webhooks themselves); its
   * origin is also the adapter's PUBLIC_BASE_URL.
   */
  listen?: boolean;
  /** More options of the Meta sandbox (e.g. approved templates). */
  sandbox?: Partial<MetaSandboxOptions>;
}

export async function startAdapterHarness({ phoneNumberIds, ratePerSecond, config: extraConfig = {}, listen: serve = false, sandbox: sandboxOptions = {} }: HarnessOptions): Promise<AdapterHarness> {
  const appPort = serve ? await freePort() : 0;
  // Nothing listens there: providers other than Meta are unreachable unless a test points them at a fake.
  const nowhere = `http://127.0.0.1:${await freePort()}`;
  const accessToken = `EAAG${randomBytes(24).toString("hex")}`;
  const appSecret = randomBytes(16).toString("hex");
  const verifyToken = randomBytes(16).toString("hex");
  // Served: the sandbox posts customer messages and statuses (sent, delivered) to the adapter itself.
  const callbacks = serve ? { callbackUrl: `http://127.0.0.1:${appPort}/webhooks/meta`, statusCallbacks: true } : {};
  const sandbox = createMetaSandbox({ accessTokens: accessToken, phoneNumberIds, appSecret, ratePerSecond, logger: silentLogger, ...callbacks, ...sandboxOptions });
  const graph: Listening = await listen(sandbox.app);

  const database: TestDatabase = await createTestDatabase();
  const testRedis: TestRedis = await createTestRedis();
  const logger = createLogger({ service: SERVICE, level: "error" });
  const config = loadAdapterConfig({
    DATABASE_URL: database.url,
    REDIS_URL: testRedis.url,
    REDIS_KEY_PREFIX: testRedis.prefix,
    SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    FLEET_KEY: randomBytes(32).toString("hex"),
    META_APP_SECRET: appSecret,
    META_VERIFY_TOKEN: verifyToken,
    META_GRAPH_BASE_URL: graph.url,
    META_GRAPH_VERSION: "v23.0",
    PROVIDER_TIMEOUT_MS: "3000",
    // The sandboxes listen on plain http on loopback.
    PROVIDER_ALLOW_HTTP: "true",
    META_ALLOWED_HOSTS: "127.0.0.1",
    OFFICIAL_BASE_URL: nowhere,
    TWILIO_API_BASE_URL: nowhere,
    LOG_LEVEL: "error",
    ...(serve ? { PUBLIC_BASE_URL: `http://127.0.0.1:${appPort}` } : {}),
    ...extraConfig,
  });
  const pool = createPostgresPool({ url: database.url, schema: "adapter", logger });
  const redisClients: RedisClient[] = [];

  function compose(redisUrl: string, keyPrefix: string, { pool: ownPool = pool }: { pool?: pg.Pool } = {}): Composition {
    const redis = createRedisClient({ url: redisUrl, keyPrefix, logger, name: SERVICE });
    const subscriber = createRedisClient({ url: redisUrl, keyPrefix, logger, name: `${SERVICE}-subscriber` });
    redisClients.push(redis, subscriber);
    const health = createHealth({ service: SERVICE, version: "test", checks: { postgres: postgresCheck(ownPool), redis: redisCheck(redis) } });
    const adapter = composeAdapter({ config, pool: ownPool, redis, subscriber, logger, metrics: createMetrics(SERVICE), health });
    return { app: adapter.app, grpcService: adapter.grpcService, redis };
  }

  const main = compose(testRedis.url, testRedis.prefix);
  const grpc: RunningGrpcServer = await startGrpcServer({ host: "127.0.0.1", port: 0, logger, metrics: createMetrics(SERVICE), services: [main.grpcService] });
  const client = newAdapterClient(`127.0.0.1:${grpc.port}`);
  const served: Listening | null = serve ? await listen(main.app, appPort) : null;

  return {
    config,
    app: main.app,
    client,
    grpcAddress: `127.0.0.1:${grpc.port}`,
    sandbox,
    sandboxUrl: graph.url,
    redis: main.redis,
    pool,
    accessToken,
    appSecret,
    verifyToken,
    compose,
    appUrl: served?.url ?? null,
    async close() {
      await served?.close();
      client.close();
      await grpc.stop(100);
      await graph.close();
      await sandbox.settled();
      for (const redis of redisClients) {
        if (redis.status === "ready") await redis.quit();
        else redis.disconnect();
      }
      await pool.end();
      await testRedis.cleanup();
      await database.drop();
    },
  };
}

/** A fresh tenant id. */
export function newTenant(): string {
  return randomUUID();
}

export interface MetaBotInput {
  tenantId: string;
  phoneNumberId: string;
  accessToken?: string;
  settings?: Record<string, string>;
  displayName?: string;
}

/** Configures a Meta bot through gRPC and returns its id. */
export async function configureMetaBot(client: AdapterClient, { tenantId, phoneNumberId, accessToken, settings = {}, displayName = "Shop bot" }: MetaBotInput): Promise<string> {
  const response = await client.configureBot({
    tenantId,
    displayName,
    providers: [{ kind: ProviderKind.META, settings: { phone_number_id: phoneNumberId, ...settings }, secrets: accessToken === undefined ? {} : { access_token: accessToken } }],
  });
  const id = response.bot?.id;
  if (!id) throw new Error("ConfigureBot answered without a bot id");
  return id;
}

export { rejectionOf } from "@fleet/testing";

export interface StreamItem {
  stream: string;
  streamId: string;
  entry: ProviderEntry;
}

/** Orders stream ids ("<ms>-<seq>") by time. */
function compareStreamIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split("-").map(Number);
  const [bMs = 0, bSeq = 0] = b.split("-").map(Number);
  return aMs - bMs || aSeq - bSeq;
}

/**
 * Every entry of every inbound partition stream (`inboundStream(p)` for p < partitions), decoded
 * (a malformed entry fails the test), merged in time order.
 */
export async function readInbound(redis: RedisClient, partitions: number = DEFAULT_INBOUND_PARTITIONS): Promise<StreamItem[]> {
  const perPartition = await Promise.all(
    Array.from({ length: partitions }, async (_, partition) => {
      const stream = inboundStream(partition);
      const raw = await redis.xrange(stream, "-", "+");
      return raw.map(([streamId, fields]) => {
        const decoded = decodeStreamEntry(ProviderEntrySchema, fields);
        if (!decoded.success) throw new Error(`${stream} entry ${streamId} does not match ProviderEntrySchema: ${decoded.error.message}`);
        return { stream, streamId, entry: decoded.data };
      });
    }),
  );
  return perPartition.flat().sort((a, b) => compareStreamIds(a.streamId, b.streamId) || a.stream.localeCompare(b.stream));
}

/** What the inbound streams held at one moment, to find what was appended after it. */
export type InboundMark = ReadonlySet<string>;

const itemKey = (item: StreamItem) => `${item.stream}/${item.streamId}`;

export async function inboundMark(redis: RedisClient, partitions?: number): Promise<InboundMark> {
  return new Set((await readInbound(redis, partitions)).map(itemKey));
}

/** Entries appended after `mark` was taken, in time order. */
export async function inboundSince(redis: RedisClient, mark: InboundMark, partitions?: number): Promise<ProviderEntry[]> {
  return (await readInbound(redis, partitions)).filter((item) => !mark.has(itemKey(item))).map((item) => item.entry);
}

export interface DeadLetterItem {
  streamId: string;
  fields: Record<string, string>;
}

/** Every entry of the webhooks.dead stream, its fields as an object. */
export async function readWebhookDeadLetters(redis: RedisClient): Promise<DeadLetterItem[]> {
  const raw = await redis.xrange(WEBHOOK_DEAD_LETTER_STREAM, "-", "+");
  return raw.map(([streamId, list]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < list.length; i += 2) {
      const [name, value] = [list[i], list[i + 1]];
      if (name !== undefined && value !== undefined) fields[name] = value;
    }
    return { streamId, fields };
  });
}
