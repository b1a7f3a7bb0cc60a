// What the Baileys session tests share: a fresh database and Redis prefix,
// the real auth repository, connection-update feed, inbound repository and
// event publisher on them, a fake socket factory, and ways to read what came
// out (published updates, inbound entries, events).
import { randomBytes, randomUUID } from "node:crypto";
import type pg from "pg";
import { Registry, Counter } from "prom-client";
import { AnalyticsEventSchema, DEFAULT_INBOUND_PARTITIONS, STREAMS, decodeStreamEntry, type AnalyticsEvent } from "@fleet/contracts";
import { createEventPublisher, createPostgresPool, type Logger, type RedisClient } from "@fleet/service-kit";
import { createTestDatabase, createTestRedis, memoryLogger, type TestDatabase, type TestRedis } from "@fleet/testing";
import { createBotsRepository, createProviderSecretBox } from "../../src/repositories/bots.repository.js";
import { createInboundRepository } from "../../src/repositories/inbound.repository.js";
import { createOfferedChoicesRepository, type OfferedChoicesRepository } from "../../src/repositories/offered-choices.repository.js";
import { createBaileysAuthRepository, createSessionSecretBox, type BaileysAuthRepository, type BaileysBot } from "../../src/sessions/baileys/baileys-auth.repository.js";
import { createBaileysReceiver } from "../../src/sessions/baileys/baileys-receiver.js";
import { createBaileysSessions, type BaileysSessions, type BaileysSessionsDeps } from "../../src/sessions/baileys/baileys-sessions.js";
import type { BaileysSocketFactory } from "../../src/sessions/baileys/baileys-socket.js";
import { createConnectionUpdates, type ConnectionUpdate, type ConnectionUpdates } from "../../src/sessions/connection-updates.js";
import { readInbound } from "../harness.js";

export interface BaileysFixture {
  database: TestDatabase;
  testRedis: TestRedis;
  redis: RedisClient;
  pool: pg.Pool;
  logger: Logger;
  /** Every line logged at warn or above. */
  logLines: Record<string, unknown>[];
  auth: BaileysAuthRepository;
  updates: ConnectionUpdates;
  /** Every update published, in order. */
  published: ConnectionUpdate[];
  choices: OfferedChoicesRepository;
  newBot(settings?: Record<string, string>): Promise<BaileysBot>;
  sessions(factory: BaileysSocketFactory, overrides?: Partial<BaileysSessionsDeps>): BaileysSessions;
  inboundEntries(): Promise<Awaited<ReturnType<typeof readInbound>>>;
  events(): Promise<AnalyticsEvent[]>;
  close(): Promise<void>;
}

export async function startBaileysFixture(): Promise<BaileysFixture> {
  const database = await createTestDatabase();
  const testRedis = await createTestRedis();
  const redis = testRedis.redis;
  const { logger, lines } = memoryLogger("whatsapp-adapter", "warn");
  const pool = createPostgresPool({ url: database.url, schema: "adapter", logger });
  const key = randomBytes(32).toString("hex");
  const auth = createBaileysAuthRepository(pool, createSessionSecretBox(key), logger);
  const bots = createBotsRepository(pool, createProviderSecretBox(key));
  const feed = createConnectionUpdates({ redis, subscriber: redis, keyPrefix: testRedis.prefix });
  const published: ConnectionUpdate[] = [];
  const updates: ConnectionUpdates = {
    async publish(update) {
      const done = await feed.publish(update);
      published.push(done);
      return done;
    },
    latest: (botId) => feed.latest(botId),
    watch: (botId, signal) => feed.watch(botId, signal),
  };
  const choices = createOfferedChoicesRepository(redis);
  const registers = [new Registry()];
  const counters = {
    received: new Counter({ name: "whatsapp_messages_received_total", help: "h", labelNames: ["provider"] as const, registers }),
    inbound: new Counter({ name: "adapter_inbound_items_total", help: "h", labelNames: ["provider", "type", "outcome"] as const, registers }),
  };
  const receive = createBaileysReceiver({
    inbound: createInboundRepository(redis, { dedupeTtlS: 3600, partitions: DEFAULT_INBOUND_PARTITIONS }),
    events: createEventPublisher(redis, "whatsapp-adapter"),
    choices,
    logger,
    counters,
  });
  const started: BaileysSessions[] = [];

  return {
    database,
    testRedis,
    redis,
    pool,
    logger,
    logLines: lines,
    auth,
    updates,
    published,
    choices,
    async newBot(settings = {}) {
      const tenantId = randomUUID();
      const saved = await bots.save({ tenantId, displayName: "Shop", providers: [{ kind: "baileys", settings, secrets: {}, routingKey: null }] });
      return { botId: saved.id, tenantId, settings };
    },
    sessions(factory, overrides = {}) {
      const sessions = createBaileysSessions({ factory, auth, updates, receive, logger, backoff: { initialMs: 20, maxMs: 200 }, probeTimeoutMs: 200, pairingTimeoutMs: 2000, ...overrides });
      started.push(sessions);
      return sessions;
    },
    inboundEntries: () => readInbound(redis),
    async events() {
      const raw = await redis.xrange(STREAMS.events, "-", "+");
      return raw.map(([, fields]) => {
        const decoded = decodeStreamEntry(AnalyticsEventSchema, fields);
        if (!decoded.success) throw new Error(`events entry does not match AnalyticsEventSchema: ${decoded.error.message}`);
        return decoded.data;
      });
    },
    async close() {
      for (const sessions of started) await sessions.stopAll();
      await pool.end();
      await testRedis.cleanup();
      await database.drop();
    },
  };
}

/** Polls `check` until it returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 3000, what = "condition"): Promise<Exclude<T, undefined | false>> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`${what} not reached within ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
