// The gateway's HTTP app (no listen): used by main.ts and by component tests.
// A list of domain modules; each builds its own routes, use cases and
// repositories from the infrastructure it is given. Every route is declared
// once, which also gives the OpenAPI document at /api/openapi.json.
import type { Express } from "express";
import type pg from "pg";
import { CommerceService } from "@fleet/contracts/commerce";
import type { InstallDefaultFlows } from "./modules/flows/install-default-flows.use-case.js";
import { implement, unimplemented, type HandlersOf, type ServiceRegistration } from "@fleet/grpc-bridge";
import { createServiceApp, type HealthReport, type Logger, type Metrics, type RedisClient } from "@fleet/service-kit";
import { hashPassword } from "./auth/password.js";
import { createTokens } from "./auth/tokens.js";
import { createVerifiedTokensCache } from "./auth/verified-tokens.cache.js";
import type { FleetHealthClient } from "./clients/fleet-health.client.js";
import { createAuthenticate } from "./http/auth.middleware.js";
import { dashboardCors } from "./http/cors.middleware.js";
import { errorHeaders } from "./http/error-headers.middleware.js";
import { jsonBody } from "./http/json-body.middleware.js";
import { rateLimit, tenantFromBearer } from "./http/rate-limit.middleware.js";
import { securityHeaders } from "./http/security-headers.middleware.js";
import { buildOpenApiDocument, openApiRoutes } from "./http/openapi.js";
import { inSequence } from "./http/in-sequence.js";
import { mountRoutes, type Route } from "./http/routes.js";
import { createAnalyticsModule } from "./modules/analytics/analytics.module.js";
import type { AnalyticsWorkerClient } from "./modules/analytics/analytics-worker.client.js";
import type { Analytics } from "./modules/analytics/analytics.use-case.js";
import { createAccountsModule } from "./modules/accounts/accounts.module.js";
import { createBotsModule, type BotsAdapter } from "./modules/bots/bots.module.js";
import { createCatalogueModule } from "./modules/catalogue/catalogue.module.js";
import { createCustomersCache, createCustomersModule } from "./modules/customers/customers.module.js";
import { csvBody } from "./modules/catalogue/csv-body.middleware.js";
import { createFlowsModule, type FlowsOrchestratorClient } from "./modules/flows/flows.module.js";
import { createHealthModule } from "./modules/health/health.module.js";
import { createOrdersCache, createOrdersModule } from "./modules/orders/orders.module.js";
import { createSellersCache, createSellersModule } from "./modules/sellers/sellers.module.js";
import { createSettingsModule } from "./modules/settings/settings.module.js";
import { createUsersModule } from "./modules/users/users.module.js";
import { createLoginAttemptsRepository, type LoginLimits } from "./repositories/login-attempts.repository.js";
import { createUsersRepository } from "./repositories/users.repository.js";
import { createActiveUsersCache } from "./repositories/active-users.cache.js";
import { createInvalidationBus } from "./repositories/invalidation-bus.js";
import { createEventsRepository } from "./repositories/events.repository.js";
import { createCachedBotsClient } from "./clients/bots-read.cache.js";

export interface GatewayDeps {
  /** express "trust proxy" for client IPs behind nginx (config TRUST_PROXY). */
  trustProxy?: string;
  logger: Logger;
  metrics: Metrics;
  /** The gateway's own /health report. */
  health: () => Promise<HealthReport>;
  /** Pool whose search_path is the `gateway` schema. */
  pool: pg.Pool;
  /** The gateway's Redis client (keys under REDIS_KEY_PREFIX). */
  redis: RedisClient;
  /** The read caches' Redis (catalogue, customers, orders, sellers: REDIS_CACHE_URL, see config.ts); `redis` when absent. */
  cacheRedis?: RedisClient;
  adapter: BotsAdapter;
  /** The bot-orchestrator's client (flows, simulations, conversations). */
  orchestrator: FlowsOrchestratorClient;
  /** The analytics worker's client (the stored events of GET /api/analytics/events). */
  analyticsWorker: Pick<AnalyticsWorkerClient, "listEvents">;
  fleetHealth: Pick<FleetHealthClient, "probeAll">;
  auth: {
    jwtSecret: string;
    accessTokenTtlS: number;
    loginLimits: LoginLimits;
    /** REFRESH_TOKEN_TTL_S, REFRESH_REUSE_GRACE_S, REFRESH_SESSION_MAX_AGE_S, REFRESH_TOKEN_IN_BODY, PASSWORD_MIN_LENGTH. */
    refreshTokenTtlS: number;
    refreshReuseGraceS: number;
    sessionMaxAgeS: number;
    refreshTokenInBody: boolean;
    passwordMinLength: number;
  };
  /** RATE_LIMIT_PER_MINUTE (per tenant, unless its settings say otherwise) and RATE_LIMIT_PER_IP_PER_MINUTE. */
  limits: { perTenantPerMinute: number; perIpPerMinute: number };
  /** CORS_ORIGINS: the dashboard's origins. */
  corsOrigins: string[];
  /** Shown in the OpenAPI document. */
  version?: string;
  /** REDIS_KEY_PREFIX, for pub/sub channel names (ioredis does not prefix them). */
  keyPrefix?: string;
  /** A Redis connection used for nothing else, to hear other replicas' cache invalidations; without it only this replica's changes invalidate. */
  subscriber?: RedisClient;
  /** The clock of time-dependent rules (business hours, seller schedules, assignment times); tests set it. */
  now?: () => Date;
}

/** Request bodies of the JSON API. */
const BODY_LIMIT = "64kb";
/** Flow documents: a 200-step flow with long messages does not fit in the default limit. */
const FLOW_BODY_LIMIT = "128kb";
/** CSV catalogue imports (10,000 products). */
const CSV_IMPORT_LIMIT = "8mb";

/** What a domain module adds to the internal CommerceService (the orchestrator's flow actions). */
export type CommerceHandlers = Partial<HandlersOf<typeof CommerceService>>;

export interface Gateway {
  app: Express;
  /** The internal gRPC CommerceService, served by main.ts on GRPC_PORT. */
  commerceService: ServiceRegistration;
  /** Installs the default flow set for shops still waiting for it (main.ts runs it periodically). */
  defaultFlows: Pick<InstallDefaultFlows, "installPending">;
  /** The shops' fresh KPIs for the dashboard's "kpis" pushes (main.ts wires them to the events consumer). */
  analytics: Pick<Analytics, "liveKpis">;
  /** Every declared route (the OpenAPI document is built from them). */
  routes: readonly Route[];
  /** The OpenAPI document of the routes, generated when first read. */
  readonly openApi: object;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const tokens = createTokens({ secret: deps.auth.jwtSecret, ttlSeconds: deps.auth.accessTokenTtlS });
  const verifiedTokens = createVerifiedTokensCache(tokens);
  const users = createUsersRepository(deps.pool);
  const attempts = createLoginAttemptsRepository(deps.redis, deps.auth.loginLimits);
  const { auth } = deps;
  const bus = createInvalidationBus({ redis: deps.redis, subscriber: deps.subscriber, keyPrefix: deps.keyPrefix ?? "", logger: deps.logger });
  const activeUsers = createActiveUsersCache({ users, bus });
  const bots = { ...deps.adapter, ...createCachedBotsClient({ adapter: deps.adapter, bus }) };

  const flows = createFlowsModule({ orchestrator: deps.orchestrator, bots, pool: deps.pool, logger: deps.logger });
  const accounts = createAccountsModule({
    pool: deps.pool,
    afterSignUp: flows.defaultFlows.afterSignUp,
    users,
    attempts,
    tokens,
    refreshTtlSeconds: auth.refreshTokenTtlS,
    refreshReuseGraceSeconds: auth.refreshReuseGraceS,
    sessionMaxAgeSeconds: auth.sessionMaxAgeS,
    refreshTokenInBody: auth.refreshTokenInBody,
    passwordMinLength: auth.passwordMinLength,
  });
  const cacheRedis = deps.cacheRedis ?? deps.redis;
  const catalogue = createCatalogueModule({ pool: deps.pool, redis: cacheRedis, logger: deps.logger, events: createEventsRepository(deps.redis) });
  const now = deps.now ?? (() => new Date());
  const settings = createSettingsModule({ pool: deps.pool, bus, now });
  const caches = {
    customers: createCustomersCache({ redis: cacheRedis, logger: deps.logger }),
    orders: createOrdersCache({ redis: cacheRedis, logger: deps.logger }),
    sellers: createSellersCache({ redis: cacheRedis, logger: deps.logger }),
  };
  const customers = createCustomersModule({ pool: deps.pool, caches });
  const sellers = createSellersModule({ pool: deps.pool, settings: settings.settings, events: createEventsRepository(deps.redis), logger: deps.logger, upsertCustomer: customers.upsertCustomer, caches, now });
  const analytics = createAnalyticsModule({ redis: deps.redis, settings: settings.settings, worker: deps.analyticsWorker, now });
  const orders = createOrdersModule({ pool: deps.pool, redis: cacheRedis, cache: caches.orders, events: createEventsRepository(deps.redis), logger: deps.logger, upsertCustomer: customers.upsertCustomer, settings: settings.settings });
  const routes: Route[] = [
    ...createHealthModule({ self: deps.health, fleet: deps.fleetHealth }).routes,
    ...accounts.routes,
    ...createUsersModule({
      pool: deps.pool,
      sessions: {
        async revokeAllForUser(tenantId, userId) {
          await accounts.sessions.revokeAllForUser(tenantId, userId);
          await activeUsers.invalidate(tenantId, userId);
        },
      },
      checkPassword: accounts.checkPassword,
      hashPassword,
      // A seller who was the user loses the link: the cached sellers show it.
      userRemoved: (tenantId) => caches.sellers.invalidate(tenantId),
    }).routes,
    ...createBotsModule({ adapter: bots, events: createEventsRepository(deps.redis), logger: deps.logger }).routes,
    ...flows.routes,
    ...settings.routes,
    ...sellers.routes,
    ...catalogue.routes,
    ...customers.routes,
    ...orders.routes,
    ...analytics.routes,
  ];
  let document: object | undefined;
  const openApi = () => (document ??= buildOpenApiDocument(routes, deps.version ?? "0.0.0"));
  // The commerce modules each answer their part of CommerceService; the rest is UNIMPLEMENTED.
  const commerceHandlers: CommerceHandlers[] = [];
  commerceHandlers.push(settings.commerce, sellers.commerce);
  commerceHandlers.push(catalogue.commerce);
  commerceHandlers.push(customers.commerce, orders.commerce);
  const commerceService = implement(CommerceService, Object.assign(unimplemented(CommerceService), ...commerceHandlers));

  const app = createServiceApp(deps, (app) => {
    // CORS first, so preflights are answered without being counted.
    app.use(dashboardCors({ origins: deps.corsOrigins }));
    app.use(securityHeaders({ docsPath: "/api/docs" }));
    const flowBody = jsonBody({ limit: FLOW_BODY_LIMIT });
    const body = jsonBody({ limit: BODY_LIMIT });
    const importBody = csvBody({ limit: CSV_IMPORT_LIMIT });
    app.use(
      "/api",
      inSequence(
        rateLimit({
          redis: deps.redis,
          logger: deps.logger,
          tenantOf: tenantFromBearer(verifiedTokens),
          tenantLimit: (tenantId) => settings.settings.rateLimitPerMinute(tenantId),
          perTenantPerMinute: deps.limits.perTenantPerMinute,
          perIpPerMinute: deps.limits.perIpPerMinute,
        }),
        (req, res, next) => (req.path === "/products/import" && req.is("text/csv") ? importBody : req.path === "/flows" || req.path.startsWith("/flows/") ? flowBody : body)(req, res, next),
        mountRoutes(routes, createAuthenticate({ tokens: verifiedTokens, users: activeUsers })),
        openApiRoutes(openApi),
      ),
    );
    app.use(errorHeaders());
  });
  return {
    app,
    routes,
    get openApi() {
      return openApi();
    },
    commerceService,
    defaultFlows: flows.defaultFlows,
    analytics: analytics.analytics,
  };
}

export function createApp(deps: GatewayDeps): Express {
  return createGateway(deps).app;
}
