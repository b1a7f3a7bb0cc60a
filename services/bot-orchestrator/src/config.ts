// Configuration of the bot-orchestrator, validated at start. Every key is
// documented here and in .env.example.
import { hostname } from "node:os";
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
  /** Name of this replica in the wa.inbound consumer group (unique per process). */
  CONSUMER_NAME: z.string().regex(/^[\w.-]{1,64}$/).default(`${hostname()}-${process.pid}`),
  /** Entries read per XREADGROUP call. */
  INBOUND_BATCH: z.coerce.number().int().positive().default(200),
  /** Entries pending this long on any consumer (e.g. a dead replica) are taken over, in milliseconds. */
  CLAIM_IDLE_MS: z.coerce.number().int().positive().default(30_000),
  /** Entries handled at once across all conversations; each conversation is handled strictly in order. */
  MAX_IN_FLIGHT: z.coerce.number().int().positive().default(256),
  /** Deliveries after which an entry that keeps failing goes to the dead-letter stream. */
  MAX_DELIVERIES: z.coerce.number().int().positive().default(10),
  /** Approximate cap of the events stream. */
  EVENTS_STREAM_MAXLEN: z.coerce.number().int().positive().default(1_000_000),
});

export type OrchestratorConfig = z.infer<typeof configSchema>;

export function loadOrchestratorConfig(env: Record<string, string | undefined> = process.env): OrchestratorConfig {
  return loadConfig(configSchema, env);
}
