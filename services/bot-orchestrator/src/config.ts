// Configuration of the bot-orchestrator, validated at start. Every key is
// documented here and in .env.example.
import { z } from "zod";
import { baseConfigShape, databaseUrl, loadConfig, port } from "@fleet/service-kit";

export const configSchema = z.object({
  ...baseConfigShape,
  /** Port of health and metrics. */
  HTTP_PORT: port(3002),
  /** Interface and port of the OrchestratorService gRPC server. */
  GRPC_HOST: z.string().default("127.0.0.1"),
  GRPC_PORT: port(50053),
  /** Postgres; the orchestrator owns the `orchestrator` schema (flows and their versions). */
  DATABASE_URL: databaseUrl,
  /** gRPC address of the whatsapp-adapter (replies are sent through it). */
  ADAPTER_GRPC_URL: z.string().default("127.0.0.1:50052"),
  /** gRPC address of the gateway's internal commerce service. */
  COMMERCE_GRPC_URL: z.string().default("127.0.0.1:50051"),
  /** Deadline of every gRPC call the orchestrator makes, in milliseconds. */
  GRPC_DEADLINE_MS: z.coerce.number().int().positive().default(5000),
});

export type OrchestratorConfig = z.infer<typeof configSchema>;

export function loadOrchestratorConfig(env: Record<string, string | undefined> = process.env): OrchestratorConfig {
  return loadConfig(configSchema, env);
}
