// The bot-orchestrator's real OrchestratorService for the gateway's tests: its flows module (use
// cases, repository, the engine's simulator, the tenants' http settings sealed with a key of the
// harness's own) on a fresh migrated database, its conversation store and resume use case on a
// private Redis key prefix, served by the gRPC bridge on port 0. Tests seed conversations the way
// the engine stores them and read the inbound partition streams the resume entries land on.
import { randomBytes, randomUUID } from "node:crypto";
import type pg from "pg";
import type { Redis } from "ioredis";
import { InboundEntrySchema, decodeStreamEntry, entryContact, inboundPartition, inboundStream, type InboundEntry } from "@fleet/contracts";
import { startGrpcServer } from "@fleet/grpc-bridge";
import { createMetrics, createPostgresPool } from "@fleet/service-kit";
import { createTestDatabase, createTestRedis, memoryLogger } from "@fleet/testing";
import type { ConversationState } from "../../bot-orchestrator/src/flows/engine/conversation-state.js";
import { createFlowsModule } from "../../bot-orchestrator/src/flows/flows.module.js";
import { exampleActions } from "../../bot-orchestrator/src/flows/language/flow-examples.js";
import type { ActionRegistry } from "../../bot-orchestrator/src/flows/language/index.js";
import { createConversationsRepository } from "../../bot-orchestrator/src/repositories/conversations.repository.js";
import { createTenantHttpSettingsRepository, createTenantSecretBox, type TenantHttpSettingsRepository } from "../../bot-orchestrator/src/repositories/tenant-http-settings.repository.js";
import { createResumeConversation } from "../../bot-orchestrator/src/use-cases/resume-conversation.use-case.js";

/** Inbound partitions of the harness (any small number: tests only need the mapping to agree). */
const PARTITIONS = 4;

export interface OrchestratorOptions {
  /** The actions flows may call (default: the documented example's, whose simulated results are `{}`). */
  actions?: ActionRegistry;
}

export interface OrchestratorHarness {
  /** gRPC address for the gateway's orchestrator client. */
  address: string;
  /** Pool on the orchestrator schema of the harness's database. */
  pool: pg.Pool;
  /** The orchestrator's Redis client (keys under the harness's prefix). */
  redis: Redis;
  /** The tenants' allowlists and secrets as the orchestrator stores them (resolveSecrets opens a value, as an http step would). */
  httpSettings: TenantHttpSettingsRepository;
  /** Stores a contact's conversation as the engine would after a turn (replacing any stored one). */
  seedConversation(tenantId: string, botId: string, contact: string, state: ConversationState): Promise<void>;
  /** The entries about this contact on its inbound partition stream, oldest first. */
  inboundEntries(botId: string, contact: string): Promise<InboundEntry[]>;
  stop(): Promise<void>;
}

export async function startOrchestrator(options: OrchestratorOptions = {}): Promise<OrchestratorHarness> {
  const database = await createTestDatabase();
  const testRedis = await createTestRedis();
  const { logger } = memoryLogger("bot-orchestrator", "error");
  const pool = createPostgresPool({ url: database.url, schema: "orchestrator", logger });
  const redis = testRedis.redis;
  const conversations = createConversationsRepository(redis, { partitions: PARTITIONS, stateTtlMs: 3600_000 });
  const resume = createResumeConversation({ redis, conversations, partitions: PARTITIONS });
  const httpSettings = createTenantHttpSettingsRepository(pool, createTenantSecretBox(randomBytes(32).toString("hex")), logger);
  // The documented example's actions by default, so the example flow activates.
  const flows = createFlowsModule({ pool, actions: options.actions ?? exampleActions, conversations, resume, redis, partitions: PARTITIONS, timezone: "America/Mexico_City", httpSettings });
  const server = await startGrpcServer({ host: "127.0.0.1", port: 0, logger, metrics: createMetrics("bot-orchestrator"), services: [flows.grpcService] });
  return {
    address: `127.0.0.1:${server.port}`,
    pool,
    redis,
    httpSettings,
    async seedConversation(tenantId, botId, contact, state) {
      const entryId = `seed:${randomUUID()}`;
      const stored = await conversations.load(tenantId, botId, contact, entryId);
      const result = await conversations.commit({ tenantId, botId, contact, entryId, expectedVersion: stored.version, state, effects: [], firstConversation: state.id });
      if (result.kind !== "committed") throw new Error(`seeding the conversation of ${contact} answered ${result.kind}`);
    },
    async inboundEntries(botId, contact) {
      const stream = inboundStream(inboundPartition(botId, contact, PARTITIONS));
      const entries: InboundEntry[] = [];
      for (const [id, fields] of await redis.xrange(stream, "-", "+")) {
        const decoded = decodeStreamEntry(InboundEntrySchema, fields);
        if (!decoded.success) throw new Error(`entry ${id} of ${stream} is not an inbound entry: ${decoded.error.message}`);
        if (decoded.data.botId === botId && entryContact(decoded.data) === contact) entries.push(decoded.data);
      }
      return entries;
    },
    async stop() {
      await server.stop(100);
      await pool.end();
      await testRedis.cleanup();
      await database.drop();
    },
  };
}
