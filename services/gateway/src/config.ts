// Configuration of the gateway, validated at start. Every key is documented
// here and in .env.example.
import { z } from "zod";
import { baseConfigShape, databaseUrl, loadConfig, port, secret } from "@fleet/service-kit";

export const configSchema = z.object({
  ...baseConfigShape,
  /** Port of the public REST API and WebSocket (behind nginx). */
  HTTP_PORT: port(3000),
  /** Interface and port of the internal gRPC commerce service (for the orchestrator). */
  GRPC_HOST: z.string().default("127.0.0.1"),
  GRPC_PORT: port(50051),
  /** Postgres; the gateway owns the `gateway` schema (tenants, users, commerce). */
  DATABASE_URL: databaseUrl,
  /** HS256 key for access tokens. Required, at least 32 characters, no default. */
  JWT_SECRET: secret(32),
  /** Proxies whose X-Forwarded-For is believed for client IPs (login rate limits): "loopback" (local nginx), a CIDR list (e.g. the compose network), or a hop count. */
  TRUST_PROXY: z.string().min(1).default("loopback"),
  /** gRPC address of the whatsapp-adapter. */
  ADAPTER_GRPC_URL: z.string().default("127.0.0.1:50052"),
  /** gRPC address of the bot-orchestrator. */
  ORCHESTRATOR_GRPC_URL: z.string().default("127.0.0.1:50053"),
  /** Deadline of every gRPC call the gateway makes, in milliseconds. */
  GRPC_DEADLINE_MS: z.coerce.number().int().positive().default(3000),
  /** Lifetime of an access token in seconds: 900 (15 min) to 86400 (24 h). */
  ACCESS_TOKEN_TTL_S: z.coerce.number().int().min(900).max(86_400).default(900),
  /** Failed logins allowed per identity (email + client IP) within LOGIN_FAILURE_WINDOW_S; then 429. */
  LOGIN_MAX_FAILURES_PER_IDENTITY: z.coerce.number().int().positive().default(5),
  /** Failed logins allowed per client IP (any email) within LOGIN_FAILURE_WINDOW_S; then 429. */
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().positive().default(50),
  /** Window of the login failure counters, in seconds (a blocked client waits until it ends). */
  LOGIN_FAILURE_WINDOW_S: z.coerce.number().int().positive().default(900),
  /** Base URLs of the other services' HTTP ports, for the fleet health in GET /api/health. Never shown to clients. */
  ADAPTER_HTTP_URL: z.string().url().default("http://127.0.0.1:3001"),
  ORCHESTRATOR_HTTP_URL: z.string().url().default("http://127.0.0.1:3002"),
  ANALYTICS_HTTP_URL: z.string().url().default("http://127.0.0.1:3003"),
  /** How long GET /api/health waits for each service's /health before calling it unreachable, in milliseconds. */
  HEALTH_FANOUT_TIMEOUT_MS: z.coerce.number().int().positive().max(30_000).default(1000),
});

export type GatewayConfig = z.infer<typeof configSchema>;

export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  return loadConfig(configSchema, env);
}
