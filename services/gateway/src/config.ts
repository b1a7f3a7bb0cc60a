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
  /** gRPC address of the whatsapp-adapter. */
  ADAPTER_GRPC_URL: z.string().default("127.0.0.1:50052"),
  /** gRPC address of the bot-orchestrator. */
  ORCHESTRATOR_GRPC_URL: z.string().default("127.0.0.1:50053"),
  /** Deadline of every gRPC call the gateway makes, in milliseconds. */
  GRPC_DEADLINE_MS: z.coerce.number().int().positive().default(3000),
});

export type GatewayConfig = z.infer<typeof configSchema>;

export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  return loadConfig(configSchema, env);
}
