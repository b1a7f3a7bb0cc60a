// The gateway of gateway.harness.ts with a clock the test moves, and its CommerceService served
// over gRPC on port 0 with a real client: schedules, business hours and assignment timeouts are
// tested at chosen instants, through the same HTTP app and gRPC registration main.ts serves.
import type { Express } from "express";
import request from "supertest";
import { CommerceService } from "@fleet/contracts/commerce";
import { createServiceClient, startGrpcServer, type RunningGrpcServer } from "@fleet/grpc-bridge";
import { createHealth, createMetrics } from "@fleet/service-kit";
import { memoryLogger } from "@fleet/testing";
import { createGateway } from "../src/app.js";
import { createAdapterClient } from "../src/clients/adapter.client.js";
import { createFleetHealthClient } from "../src/clients/fleet-health.client.js";
import { createOrchestratorClient } from "../src/clients/orchestrator.client.js";
import { createAnalyticsWorkerClient } from "../src/modules/analytics/analytics-worker.client.js";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";
import { checkedAgainstDocument } from "./openapi-conformance.js";

const commerceClient = (address: string) => createServiceClient(CommerceService, address, { defaultDeadlineMs: 10_000 });
type CommerceClient = ReturnType<typeof commerceClient>;

export interface CommerceHarness {
  /** Database, Redis, users and tokens (its own app runs on the real clock). */
  base: GatewayHarness;
  /** The app on the test's clock, checked against the OpenAPI document. */
  app: Express;
  grpc: CommerceClient;
  clock: { now: Date; set(iso: string): void; advanceMinutes(minutes: number): void };
  /** Supertest calls as `user`. */
  as(user: SeededUser): Promise<{ get(path: string): request.Test; post(path: string, body?: object): request.Test; patch(path: string, body: object): request.Test; put(path: string, body: object): request.Test; delete(path: string): request.Test }>;
  close(): Promise<void>;
}

export async function startCommerce(startAt = "2025-07-15T17:00:00Z"): Promise<CommerceHarness> {
  const base = await startGateway();
  const clock = {
    now: new Date(startAt),
    set(iso: string) {
      clock.now = new Date(iso);
    },
    advanceMinutes(minutes: number) {
      clock.now = new Date(clock.now.getTime() + minutes * 60_000);
    },
  };
  const { logger } = memoryLogger("gateway");
  const metrics = createMetrics("gateway");
  const adapter = createAdapterClient("127.0.0.1:1", { deadlineMs: 1000 });
  const orchestrator = createOrchestratorClient("127.0.0.1:1", { deadlineMs: 1000 });
  const analyticsWorker = createAnalyticsWorkerClient("127.0.0.1:1", { deadlineMs: 1000 });
  const gateway = createGateway({
    keyPrefix: base.testRedis.prefix,
    logger,
    metrics,
    health: createHealth({ service: "gateway", version: "0.0.0-test", checks: {} }),
    pool: base.pool,
    redis: base.testRedis.redis,
    adapter,
    orchestrator,
    analyticsWorker,
    fleetHealth: createFleetHealthClient({ services: {}, timeoutMs: 1000 }),
    auth: {
      jwtSecret: base.jwtSecret,
      accessTokenTtlS: 900,
      loginLimits: { maxFailuresPerIdentity: 5, maxFailuresPerIp: 50, windowSeconds: 900 },
      refreshTokenTtlS: 3600,
      refreshReuseGraceS: 10,
      sessionMaxAgeS: 7200,
      refreshTokenInBody: true,
      passwordMinLength: 10,
    },
    limits: { perTenantPerMinute: 100_000, perIpPerMinute: 100_000 },
    corsOrigins: [],
    now: () => clock.now,
  });
  const { app, violations } = checkedAgainstDocument(gateway.app, gateway.openApi);
  const server: RunningGrpcServer = await startGrpcServer({ host: "127.0.0.1", port: 0, logger, metrics, services: [gateway.commerceService] });
  const grpc = commerceClient(`127.0.0.1:${server.port}`);

  return {
    base,
    app,
    grpc,
    clock,
    async as(user) {
      const token = await tokenFor(base, user);
      const auth = (test: request.Test) => test.set("authorization", `Bearer ${token}`);
      return {
        get: (path) => auth(request(app).get(path)),
        post: (path, body) => auth(request(app).post(path)).send(body ?? {}),
        patch: (path, body) => auth(request(app).patch(path)).send(body),
        put: (path, body) => auth(request(app).put(path)).send(body),
        delete: (path) => auth(request(app).delete(path)),
      };
    },
    async close() {
      grpc.close();
      await server.stop(100);
      adapter.close();
      orchestrator.close();
      analyticsWorker.close();
      await base.close();
      if (violations.length > 0) throw new Error(`answers the OpenAPI document does not describe:\n${violations.join("\n")}`);
    },
  };
}
