// The orchestrator's real OrchestratorService for component tests: the flows module on a fresh
// migrated database and a test Redis (conversations, resume, tenant http settings), served by the
// gRPC bridge on port 0, with a client to it.
import { randomBytes } from "node:crypto";
import { OrchestratorService } from "@fleet/contracts/orchestrator";
import { createServiceClient, startGrpcServer } from "@fleet/grpc-bridge";
import { createMetrics, type Logger } from "@fleet/service-kit";
import { createTestRedis, type TestRedis } from "@fleet/testing";
import { createFlowsModule } from "../src/flows/flows.module.js";
import type { ActionRegistry } from "../src/flows/language/index.js";
import { createConversationsRepository, type ConversationsRepository } from "../src/repositories/conversations.repository.js";
import { createTenantHttpSettingsRepository, createTenantSecretBox, type TenantHttpSettingsRepository } from "../src/repositories/tenant-http-settings.repository.js";
import { createResumeConversation } from "../src/use-cases/resume-conversation.use-case.js";
import { startFlowsDatabase, type FlowsDatabase } from "./flows.fixtures.js";

export const SERVICE_PARTITIONS = 4;

const clientOf = (address: string) => createServiceClient(OrchestratorService, address, { defaultDeadlineMs: 10_000 });
export type OrchestratorClient = ReturnType<typeof clientOf>;

export interface FlowsService {
  db: FlowsDatabase;
  testRedis: TestRedis;
  conversations: ConversationsRepository;
  httpSettings: TenantHttpSettingsRepository;
  client: OrchestratorClient;
  stop(): Promise<void>;
}

export async function startFlowsService({ actions, logger, stateTtlMs = 3600_000 }: { actions: ActionRegistry; logger: Logger; stateTtlMs?: number }): Promise<FlowsService> {
  const db = await startFlowsDatabase();
  const testRedis = await createTestRedis();
  const conversations = createConversationsRepository(testRedis.redis, { partitions: SERVICE_PARTITIONS, stateTtlMs });
  const resume = createResumeConversation({ redis: testRedis.redis, conversations, partitions: SERVICE_PARTITIONS });
  const httpSettings = createTenantHttpSettingsRepository(db.pool, createTenantSecretBox(randomBytes(32).toString("hex")), logger);
  const flows = createFlowsModule({ pool: db.pool, actions, conversations, resume, redis: testRedis.redis, partitions: SERVICE_PARTITIONS, timezone: "America/Mexico_City", httpSettings });
  const server = await startGrpcServer({ host: "127.0.0.1", port: 0, logger, metrics: createMetrics("bot-orchestrator"), services: [flows.grpcService] });
  const client = clientOf(`127.0.0.1:${server.port}`);
  return {
    db,
    testRedis,
    conversations,
    httpSettings,
    client,
    async stop() {
      client.close();
      await server.stop(100);
      await testRedis.cleanup();
      await db.close();
    },
  };
}
