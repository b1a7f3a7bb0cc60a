// Configuration of the whatsapp-adapter, validated at start. Every key is
// documented here and in .env.example.
import { z } from "zod";
import { DEFAULT_INBOUND_PARTITIONS } from "@fleet/contracts";
import { baseConfigShape, databaseUrl, loadConfig, port, secret } from "@fleet/service-kit";

export const configSchema = z.object({
  ...baseConfigShape,
  /** Port of the provider webhooks (`/webhooks/*`), health and metrics. */
  HTTP_PORT: port(3001),
  /** Interface and port of the AdapterService gRPC server. */
  GRPC_HOST: z.string().default("127.0.0.1"),
  GRPC_PORT: port(50052),
  /** Postgres; the adapter owns the `adapter` schema (bots, provider config, sessions). */
  DATABASE_URL: databaseUrl,
  /** Key that encrypts provider credentials at rest (AES-256-GCM via HKDF). Required, ≥ 32 characters. */
  SECRETS_ENCRYPTION_KEY: secret(32),
  /** App secret of the platform's Meta app: verifies X-Hub-Signature-256 of every Cloud API webhook. */
  META_APP_SECRET: secret(16),
  /** Token Meta echoes in the webhook verification GET (hub.verify_token). */
  META_VERIFY_TOKEN: secret(16),
  /** Graph API base URL (the sandbox's URL in tests and the local demo). */
  META_GRAPH_BASE_URL: z.string().url().default("https://graph.facebook.com"),
  /** Graph API version segment. */
  META_GRAPH_VERSION: z.string().regex(/^v\d+\.\d+$/).default("v23.0"),
  /** Timeout of one provider HTTP call, in milliseconds. */
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** How long a provider message id is remembered to drop webhook retries (providers retry for days). */
  INBOUND_DEDUPE_TTL_S: z.coerce.number().int().positive().default(7 * 24 * 3600),
  /** How long a SendMessage result (or "outcome unknown") is kept for its idempotency key: longer than any redelivery. */
  IDEMPOTENCY_TTL_S: z.coerce.number().int().positive().default(48 * 3600),
  /**
   * Number of inbound partition streams; a conversation (bot + contact) always goes to the same one.
   * Must equal the orchestrators' INBOUND_PARTITIONS (checked at start); change it only on a drained fleet.
   */
  INBOUND_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(DEFAULT_INBOUND_PARTITIONS),
  /** Approximate cap of the webhooks.dead stream (signed webhooks that can never be processed; no consumer trims it). */
  WEBHOOK_DEAD_LETTER_MAXLEN: z.coerce.number().int().positive().default(100_000),
  /** How long bot configuration is cached in memory before re-reading Postgres. */
  BOT_CACHE_TTL_MS: z.coerce.number().int().nonnegative().default(30_000),
});

export type AdapterConfig = z.infer<typeof configSchema>;

export function loadAdapterConfig(env: Record<string, string | undefined> = process.env): AdapterConfig {
  return loadConfig(configSchema, env);
}
