// The gateway's HTTP app on a fresh migrated Postgres database and a private
// Redis key prefix, wired like main.ts, plus helpers to seed tenants and users
// and to mint tokens the way an attacker might.
import { randomBytes } from "node:crypto";
import type { Express } from "express";
import type { Redis } from "ioredis";
import { SignJWT } from "jose";
import type pg from "pg";
import { createHealth, createMetrics, createPostgresPool, createRedisClient, postgresCheck, redisCheck, type RedisClient } from "@fleet/service-kit";
import { createTestDatabase, createTestRedis, memoryLogger, type TestDatabase, type TestRedis } from "@fleet/testing";
import { createGateway, type Gateway } from "../src/app.js";
import type { Route } from "../src/http/routes.js";
import { checkedAgainstDocument } from "./openapi-conformance.js";
import { insertTenantUser } from "./seed-users.js";
import { AUDIENCE, ISSUER, type Role } from "../src/auth/tokens.js";
import { createAdapterClient, type AdapterClient } from "../src/clients/adapter.client.js";
import { createFleetHealthClient } from "../src/clients/fleet-health.client.js";
import { createOrchestratorClient, type OrchestratorClient } from "../src/clients/orchestrator.client.js";
import { createAnalyticsWorkerClient } from "../src/modules/analytics/analytics-worker.client.js";
import type { LoginLimits } from "../src/repositories/login-attempts.repository.js";

export interface HarnessOptions {
  /** gRPC address of the (fake) adapter; defaults to a port nobody listens on. */
  adapterAddress?: string;
  /** gRPC address of the orchestrator (see orchestrator.harness.ts); defaults to a port nobody listens on. */
  orchestratorAddress?: string;
  /** gRPC address of the analytics worker (see analytics-worker.harness.ts); defaults to a port nobody listens on. */
  analyticsAddress?: string;
  /** Service name → base URL for GET /api/health. */
  services?: Record<string, string>;
  healthTimeoutMs?: number;
  loginLimits?: Partial<LoginLimits>;
  /** Requests per minute per tenant and per IP (high by default, so only tests about limits meet them). */
  limits?: { perTenantPerMinute?: number; perIpPerMinute?: number };
  corsOrigins?: string[];
  /** Give the app a pub/sub subscriber, so replicas made with `replica()` share cache invalidations. */
  replicas?: boolean;
  /** Redis client the app uses instead of the test prefix's (e.g. one whose server is gone). */
  redis?: Redis;
}

export interface SeededUser {
  id: string;
  tenantId: string;
  tenantSlug: string;
  email: string;
  password: string;
  role: Role;
}

export interface GatewayHarness {
  /** The app behind a checker: every JSON answer must match the OpenAPI document (checked on close). */
  app: Express;
  routes: readonly Route[];
  openApi: object;
  /** The gateway's analytics use cases (the KPIs of the dashboard's "kpis" pushes). */
  analytics: Gateway["analytics"];
  /** Answers that did not match the document so far. */
  violations: string[];
  /** Another gateway replica on the same database and Redis (start the harness with `replicas: true`). */
  replica(): { app: Express; violations: string[] };
  jwtSecret: string;
  /** What the gateway logged (warn and above). */
  logs: Record<string, unknown>[];
  database: TestDatabase;
  testRedis: TestRedis;
  /** Pool on the test database with search_path=gateway, as the service has. */
  pool: pg.Pool;
  createUser(input: { tenant: string; email: string; role: Role; password?: string }): Promise<SeededUser>;
  /** Signs arbitrary claims with `secret` (the gateway's by default). */
  signToken(claims: Record<string, unknown>, options?: { secret?: string; alg?: string; expiresIn?: string | number; audience?: string; issuer?: string }): Promise<string>;
  close(): Promise<void>;
}


export async function startGateway(options: HarnessOptions = {}): Promise<GatewayHarness> {
  const [database, testRedis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  const { logger, lines: logs } = memoryLogger("gateway");
  const pool = createPostgresPool({ url: database.url, schema: "gateway", logger });
  const redis = options.redis ?? testRedis.redis;
  const jwtSecret = randomBytes(32).toString("hex");
  const adapter: AdapterClient = createAdapterClient(options.adapterAddress ?? "127.0.0.1:1", { deadlineMs: 2000 });
  const orchestrator: OrchestratorClient = createOrchestratorClient(options.orchestratorAddress ?? "127.0.0.1:1", { deadlineMs: 2000 });
  const analyticsWorker = createAnalyticsWorkerClient(options.analyticsAddress ?? "127.0.0.1:1", { deadlineMs: 2000 });
  const fleetHealth = createFleetHealthClient({ services: options.services ?? {}, timeoutMs: options.healthTimeoutMs ?? 1000 });
  const health = createHealth({ service: "gateway", version: "0.0.0-test", checks: { postgres: postgresCheck(pool), redis: redisCheck(redis) } });
  const subscribers: RedisClient[] = [];
  /** One gateway replica; with `shared` it hears the others' cache invalidations through Redis pub/sub. */
  const build = (shared: boolean) => {
    const subscriber = shared ? createRedisClient({ url: testRedis.url, keyPrefix: testRedis.prefix, logger, name: "gateway-invalidations", blocking: true }) : undefined;
    if (subscriber) subscribers.push(subscriber);
    return createGateway({
      keyPrefix: testRedis.prefix,
      subscriber,
      logger,
      metrics: createMetrics("gateway"),
      health,
      pool,
      redis,
      adapter,
      orchestrator,
      analyticsWorker,
      fleetHealth,
      auth: {
        jwtSecret,
        accessTokenTtlS: 900,
        loginLimits: { maxFailuresPerIdentity: 5, maxFailuresPerIp: 50, windowSeconds: 900, ...options.loginLimits },
        refreshTokenTtlS: 30 * 24 * 3600,
        refreshReuseGraceS: 10,
        sessionMaxAgeS: 90 * 24 * 3600,
        refreshTokenInBody: true,
        passwordMinLength: 10,
      },
      limits: { perTenantPerMinute: options.limits?.perTenantPerMinute ?? 10_000, perIpPerMinute: options.limits?.perIpPerMinute ?? 10_000 },
      corsOrigins: options.corsOrigins ?? [],
    });
  };

  const gateway = build(options.replicas ?? false);

  const { app, violations } = checkedAgainstDocument(gateway.app, gateway.openApi);
  const others: Express[] = [];

  return {
    app,
    routes: gateway.routes,
    openApi: gateway.openApi,
    analytics: gateway.analytics,
    violations,
    jwtSecret,
    logs,
    database,
    testRedis,
    pool,
    async createUser({ tenant, email, role, password = randomBytes(12).toString("base64url") }) {
      const { id, tenantId } = await insertTenantUser(pool, { tenant, email, role, password });
      return { id, tenantId, tenantSlug: tenant, email, password, role };
    },
    async signToken(claims, { secret = jwtSecret, alg = "HS256", expiresIn = "10m", audience = AUDIENCE, issuer = ISSUER } = {}) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(expiresIn)
        .sign(new TextEncoder().encode(secret));
    },
    replica() {
      const other = checkedAgainstDocument(build(true).app, gateway.openApi);
      others.push(other.app);
      return { app: other.app, violations: other.violations };
    },
    async close() {
      for (const subscriber of subscribers) subscriber.disconnect();
      adapter.close();
      orchestrator.close();
      analyticsWorker.close();
      await pool.end();
      await Promise.all([testRedis.cleanup(), database.drop()]);
      if (violations.length > 0) throw new Error(`answers the OpenAPI document does not describe:\n${violations.join("\n")}`);
    },
  };
}

/** A token for `user` with the claims the gateway itself issues. */
export function tokenFor(harness: GatewayHarness, user: SeededUser, extra: Record<string, unknown> = {}): Promise<string> {
  return harness.signToken({ sub: user.id, tid: user.tenantId, role: user.role, ...extra });
}
