// The gateway's HTTP app (no listen): used by main.ts and by component tests.
// Builds repositories and use cases from the clients it is given.
import express, { type Express } from "express";
import type pg from "pg";
import { createServiceApp, type HealthReport, type Logger, type Metrics, type RedisClient } from "@fleet/service-kit";
import { createTokens } from "./auth/tokens.js";
import type { AdapterClient } from "./clients/adapter.client.js";
import type { FleetHealthClient } from "./clients/fleet-health.client.js";
import { authRoutes } from "./http/auth.routes.js";
import { botsRoutes } from "./http/bots.routes.js";
import { errorHeaders } from "./http/error-headers.middleware.js";
import { healthRoutes } from "./http/health.routes.js";
import { createLoginAttemptsRepository, type LoginLimits } from "./repositories/login-attempts.repository.js";
import { createUsersRepository } from "./repositories/users.repository.js";
import { createGetFleetHealth } from "./use-cases/fleet-health.use-case.js";
import { createGetBotConnection } from "./use-cases/get-bot-connection.use-case.js";
import { createLogin } from "./use-cases/login.use-case.js";
import { createSendMessage } from "./use-cases/send-message.use-case.js";

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
}

export function createApp(deps: GatewayDeps): Express {
  const tokens = createTokens({ secret: deps.auth.jwtSecret, ttlSeconds: deps.auth.accessTokenTtlS });
  const users = createUsersRepository(deps.pool);
  const attempts = createLoginAttemptsRepository(deps.redis, deps.auth.loginLimits);

  const login = createLogin({ users, attempts, tokens });
  const getBotConnection = createGetBotConnection({ adapter: deps.adapter });
  const sendMessage = createSendMessage({ adapter: deps.adapter });
  const getFleetHealth = createGetFleetHealth({ self: deps.health, fleet: deps.fleetHealth });

  return createServiceApp(deps, (app) => {
    const api = express.Router();
    api.use(express.json({ limit: "64kb" }));
    api.use(healthRoutes({ getFleetHealth }));
    api.use(authRoutes({ login }));
    api.use(botsRoutes({ tokens, users, getBotConnection, sendMessage }));
    app.use("/api", api);
    app.use(errorHeaders());
  });
}
