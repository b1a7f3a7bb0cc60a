// Configuration of the bot-orchestrator, validated at start. Every key is
// documented here and in .env.example.
import { hostname } from "node:os";
import { z } from "zod";
import { DEFAULT_INBOUND_PARTITIONS } from "@fleet/contracts";
import { baseConfigShape, databaseUrl, loadConfig, port, secretKeysShape } from "@fleet/service-kit";

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const configSchema = z.object({
  ...baseConfigShape,
  /** Port of health and metrics. */
  HTTP_PORT: port(3002),
  /** Interface and port of the OrchestratorService gRPC server. */
  GRPC_HOST: z.string().default("127.0.0.1"),
  GRPC_PORT: port(50053),
  /** Postgres; the orchestrator owns the `orchestrator` schema (flows and their versions). */
  DATABASE_URL: databaseUrl,
  /**
   * SECRETS_ENCRYPTION_KEY (required, ≥ 32 characters), SECRETS_ENCRYPTION_KEY_ID and
   * SECRETS_ENCRYPTION_PREVIOUS_KEYS: the keys that encrypt tenants' http-step secrets at rest
   * (AES-256-GCM via HKDF, a key of its own), rotated without downtime (docs/operations.md).
   */
  ...secretKeysShape,
  /** gRPC address of the whatsapp-adapter (replies are sent through it); `ipv4:a:p,b:p` lists several replicas. */
  ADAPTER_GRPC_URL: z.string().default("127.0.0.1:50052"),
  /** gRPC address of the gateway's CommerceService (catalogue, customers, orders, sellers, shop settings for the flows' actions); `ipv4:a:p,b:p` lists several replicas. */
  COMMERCE_GRPC_URL: z.string().default("127.0.0.1:50051"),
  /** Waits, delays and hand-offs of flows last this fraction of their seconds: 1 in production; e.g. 0.01 in tests and demos, so a 15-minute follow-up comes after 9 seconds. */
  FLOW_TIMER_SCALE: z.coerce.number().positive().max(1).default(1),
  /** How long a shop's name and time zone (asked of the gateway) are reused, in milliseconds. */
  TENANT_PROFILE_CACHE_MS: positiveInt(60_000),
  /** How long the shop's settings the flows show (hours, catalogue link) are reused, in milliseconds, never past the shop's next opening or closing; 0 asks the gateway every time. */
  SHOP_SETTINGS_CACHE_MS: z.coerce.number().int().min(0).default(10_000),
  /** Deadline of every gRPC call the orchestrator makes, in milliseconds. */
  GRPC_DEADLINE_MS: positiveInt(5000),
  /** Name of this replica: its consumer name in the partitions' groups and its lease owner id (unique per process). */
  CONSUMER_NAME: z.string().regex(/^[\w.-]{1,64}$/).default(`${hostname()}-${process.pid}`),
  /** Number of inbound partition streams; must equal the adapters' INBOUND_PARTITIONS. */
  INBOUND_PARTITIONS: z.coerce.number().int().min(1).max(1024).default(DEFAULT_INBOUND_PARTITIONS),
  /** Lease on a partition, in milliseconds: a replica that dies loses its partitions after this long. Renewed every fifth of it. */
  PARTITION_LEASE_TTL_MS: z.coerce.number().int().min(500).default(10_000),
  /** Entries read per XREADGROUP call on one partition. */
  INBOUND_BATCH: positiveInt(200),
  /** How long one read waits for new entries on a partition, in milliseconds. */
  INBOUND_BLOCK_MS: positiveInt(1000),
  /** How long a handled entry's ack may wait so that those of that span go to Redis together, in milliseconds; 0: at the next turn of the event loop. */
  INBOUND_ACK_DELAY_MS: z.coerce.number().int().min(0).default(0),
  /** Entries handled at once by this replica, across all conversations (each conversation: one at a time). */
  MAX_IN_FLIGHT: positiveInt(256),
  /** Entries of one bot handled at once by this replica (lowered automatically while the bot's provider paces it). */
  MAX_IN_FLIGHT_PER_BOT: positiveInt(128),
  /** Entries read and held by this replica (queued behind their conversations or running) before it stops reading. */
  MAX_BUFFERED: positiveInt(10_000),
  /** Failed attempts (reply not accepted, handler error) after which an entry goes to wa.inbound.dead. */
  MAX_ATTEMPTS: positiveInt(12),
  /** Times an entry may be handed to a replica that then died holding it before it goes to wa.inbound.dead. */
  MAX_DELIVERIES: positiveInt(10),
  /** First retry delay of an entry, in milliseconds; doubles per attempt up to RETRY_MAX_MS. */
  RETRY_BASE_MS: positiveInt(500),
  RETRY_MAX_MS: positiveInt(30_000),
  /** How often the owner of a partition trims the entries its group acknowledged, in milliseconds. */
  TRIM_INTERVAL_MS: positiveInt(10_000),
  /** How long a conversation's state is kept after its last turn, in milliseconds (default 24 h). */
  CONVERSATION_TTL_MS: positiveInt(24 * 3600_000),
  /** How often the owner of a partition moves its due timers into the partition stream, in milliseconds. */
  TIMER_POLL_MS: positiveInt(250),
  /** How long a bot's active flows are reused before Postgres is asked again (an activation takes effect within it), in milliseconds. */
  ACTIVE_FLOW_CACHE_MS: positiveInt(3000),
  /** The time zone (IANA) for now.* in flows when the shop's own cannot be read (the gateway unreachable, a tenant it does not know). */
  DEFAULT_TIMEZONE: z.string().refine((zone) => { try { new Intl.DateTimeFormat("en", { timeZone: zone }); return true; } catch { return false; } }, "must be an IANA time zone such as America/Mexico_City").default("America/Mexico_City"),
  /** Approximate cap of the dead-letter stream wa.inbound.dead (no consumer group reads it). */
  DEAD_LETTER_MAXLEN: positiveInt(100_000),
});

export type OrchestratorConfig = z.infer<typeof configSchema>;

export function loadOrchestratorConfig(env: Record<string, string | undefined> = process.env): OrchestratorConfig {
  return loadConfig(configSchema, env);
}
