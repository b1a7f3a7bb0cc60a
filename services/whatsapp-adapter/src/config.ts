// Configuration of the whatsapp-adapter, validated at start. Every key is
// documented here and in .env.example.
import { z } from "zod";
import { DEFAULT_INBOUND_PARTITIONS } from "@fleet/contracts";
import { baseConfigShape, databaseUrl, envBoolean, loadConfig, port, secret, secretKeysShape } from "@fleet/service-kit";

/** A comma-separated list of host names ("*.example.com" for subdomains). */
const hostList = z
  .string()
  .default("")
  .transform((value) => value.split(",").map((host) => host.trim().toLowerCase()).filter((host) => host !== ""))
  .pipe(z.array(z.string().regex(/^(\*\.)?[a-z0-9.-]+$/, "must be host names like api.example.com or *.example.com")));

export const configSchema = z.object({
  ...baseConfigShape,
  /** Port of the provider webhooks (`/webhooks/*`), health and metrics. */
  HTTP_PORT: port(3001),
  /** Interface and port of the AdapterService gRPC server. */
  GRPC_HOST: z.string().default("127.0.0.1"),
  GRPC_PORT: port(50052),
  /** Postgres; the adapter owns the `adapter` schema (bots, provider config, sessions). */
  DATABASE_URL: databaseUrl,
  /**
   * SECRETS_ENCRYPTION_KEY (required, ≥ 32 characters), SECRETS_ENCRYPTION_KEY_ID and
   * SECRETS_ENCRYPTION_PREVIOUS_KEYS: the keys that encrypt provider credentials and linked-session
   * state at rest (AES-256-GCM via HKDF) and make webhook URL keys; rotated without downtime
   * (docs/operations.md).
   */
  ...secretKeysShape,
  /** App secret of the platform's Meta app: verifies X-Hub-Signature-256 of every Cloud API webhook. */
  META_APP_SECRET: secret(16),
  /** Token Meta echoes in the webhook verification GET (hub.verify_token). */
  META_VERIFY_TOKEN: secret(16),
  /** Graph API base URL (the sandbox's URL in tests and the local demo). */
  META_GRAPH_BASE_URL: z.string().url().default("https://graph.facebook.com"),
  /** Graph API version segment. */
  META_GRAPH_VERSION: z.string().regex(/^v\d+\.\d+$/).default("v23.0"),
  /** Base URL of the Cloud-API BSP (provider `official`, 360dialog style). */
  OFFICIAL_BASE_URL: z.string().url().default("https://waba-v2.360dialog.io"),
  /** Base URL of Twilio's REST API (provider `twilio`). */
  TWILIO_API_BASE_URL: z.string().url().default("https://api.twilio.com"),
  /**
   * Hosts a bot's own `base_url` may name, per provider kind, besides the kind's default base URL's
   * host. Every call to it carries the bot's credentials, so nothing else is allowed. Evolution API
   * servers are the shops' own: list them (no default).
   */
  META_ALLOWED_HOSTS: hostList,
  OFFICIAL_ALLOWED_HOSTS: hostList,
  TWILIO_ALLOWED_HOSTS: hostList,
  EVOLUTION_ALLOWED_HOSTS: hostList,
  /** Lets provider base URLs use plain http (local fakes and tests only; https otherwise). */
  PROVIDER_ALLOW_HTTP: envBoolean(false),
  /**
   * The fleet's public origin as providers call it (e.g. https://shop.example.com): Twilio signs the
   * URL it called, and Evolution instances are told where to send their webhooks.
   */
  PUBLIC_BASE_URL: z.string().url().default("http://localhost:8080"),
  /** Timeout of one provider HTTP call, in milliseconds. */
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** Largest contact media (image, audio, video, document) the adapter downloads from a provider for the dashboard. */
  MEDIA_MAX_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(16 * 1024 * 1024),
  /** Consecutive failures of a bot's provider that open its circuit (sends go to the next provider without trying it). */
  BREAKER_FAILURES: z.coerce.number().int().min(1).default(5),
  /** How long an open circuit skips the provider before one send tries it again (half-open). */
  BREAKER_HALF_OPEN_AFTER_MS: z.coerce.number().int().min(100).default(10_000),
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
  /** How long a tenant's outbound quota is cached in memory (a change reaches other replicas within it). */
  QUOTA_CACHE_TTL_MS: z.coerce.number().int().nonnegative().default(30_000),
  /** How long bot configuration is cached in memory before re-reading Postgres. */
  BOT_CACHE_TTL_MS: z.coerce.number().int().nonnegative().default(30_000),
  /**
   * Where the other adapter replicas reach this one's gRPC server (host:port), advertised in the
   * lease of every Baileys session it runs. Default: GRPC_HOST:GRPC_PORT.
   */
  BAILEYS_ADVERTISED_ADDRESS: z.string().regex(/^[\w.-]+:\d{1,5}$/, "must be host:port").optional(),
  /** A Baileys session's lease: another replica takes the bot over this long after its owner died. */
  BAILEYS_LEASE_TTL_MS: z.coerce.number().int().min(1000).default(15_000),
  /** How often a replica renews its leases, takes free bots and hands surplus ones over (well under the TTL). */
  BAILEYS_RENEW_MS: z.coerce.number().int().min(100).default(5000),
  /** Longest wait before reconnecting a Baileys session that closed unexpectedly (the backoff's cap). */
  BAILEYS_RECONNECT_MAX_MS: z.coerce.number().int().min(100).default(60_000),
  /** "Typing…" shown before each Baileys message, per character of text, and at most (0: never). Below PROVIDER_TIMEOUT_MS. */
  BAILEYS_TYPING_MS_PER_CHAR: z.coerce.number().int().nonnegative().default(35),
  BAILEYS_TYPING_MAX_MS: z.coerce.number().int().nonnegative().max(8000).default(3000),
  /** How the linked device is named on the shop's phone (Linked devices). */
  BAILEYS_BROWSER_NAME: z.string().min(1).max(40).default("Chrome"),
});

export type AdapterConfig = z.infer<typeof configSchema>;

export function loadAdapterConfig(env: Record<string, string | undefined> = process.env): AdapterConfig {
  return loadConfig(configSchema, env);
}
