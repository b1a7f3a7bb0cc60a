// The gateway's HTTP app (no listen): used by main.ts and by component tests.
// A list of domain modules; each builds its own routes, use cases and
// repositories from the infrastructure it is given. Every route is declared
// once, which also gives the OpenAPI document at /api/openapi.json.
import express, { type Express } from "express";
import type pg from "pg";
import { AppError, createServiceApp, type HealthReport, type Logger, type Metrics, type RedisClient } from "@fleet/service-kit";
import { hashPassword } from "./auth/password.js";
import { createTokens } from "./auth/tokens.js";
import type { AdapterClient } from "./clients/adapter.client.js";
import type { FleetHealthClient } from "./clients/fleet-health.client.js";
import { createAuthenticate } from "./http/auth.middleware.js";
import { errorHeaders } from "./http/error-headers.middleware.js";
import { buildOpenApiDocument, openApiRoutes } from "./http/openapi.js";
import { mountRoutes, type Route } from "./http/routes.js";
import { createAccountsModule } from "./modules/accounts/accounts.module.js";
import { createBotsModule } from "./modules/bots/bots.module.js";
import { createHealthModule } from "./modules/health/health.module.js";
import { createUsersModule } from "./modules/users/users.module.js";
import { createLoginAttemptsRepository, type LoginLimits } from "./repositories/login-attempts.repository.js";
import { createUsersRepository } from "./repositories/users.repository.js";

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
  adapter: Pick<AdapterClient, "getConnection" | "sendMessage">;
  fleetHealth: Pick<FleetHealthClient, "probeAll">;
  auth: { jwtSecret: string; accessTokenTtlS: number; loginLimits: LoginLimits };
  /** Shown in the OpenAPI document. */
  version?: string;
}

export interface Gateway {
  app: Express;
  /** Every declared route (the OpenAPI document is built from them). */
  routes: readonly Route[];
  openApi: object;
}

const MIN_PASSWORD_LENGTH = 10;

export function createGateway(deps: GatewayDeps): Gateway {
  const tokens = createTokens({ secret: deps.auth.jwtSecret, ttlSeconds: deps.auth.accessTokenTtlS });
  const users = createUsersRepository(deps.pool);
  const attempts = createLoginAttemptsRepository(deps.redis, deps.auth.loginLimits);
  // Access tokens are checked against the stored user on every request, so a disabled or demoted user loses access at once.
  const sessions = { revokeAllForUser: async () => undefined };
  const checkPassword = (password: string) => {
    if (password.length < MIN_PASSWORD_LENGTH) throw new AppError("invalid_argument", "WEAK_PASSWORD", `The password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  };

  const routes: Route[] = [
    ...createHealthModule({ self: deps.health, fleet: deps.fleetHealth }).routes,
    ...createAccountsModule({ users, attempts, tokens }).routes,
    ...createUsersModule({ pool: deps.pool, sessions, checkPassword, hashPassword }).routes,
    ...createBotsModule({ adapter: deps.adapter }).routes,
  ];
  const openApi = buildOpenApiDocument(routes, deps.version ?? "0.0.0");

  const app = createServiceApp(deps, (app) => {
    const api = express.Router();
    api.use(express.json({ limit: "64kb" }));
    api.use(openApiRoutes(openApi));
    api.use(mountRoutes(routes, createAuthenticate({ tokens, users })));
    app.use("/api", api);
    app.use(errorHeaders());
  });
  return { app, routes, openApi };
}

export function createApp(deps: GatewayDeps): Express {
  return createGateway(deps).app;
}
