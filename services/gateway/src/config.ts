// Configuration of the gateway, validated at start. Every key is documented
// here and in .env.example.
import { z } from "zod";
import { baseConfigShape, databaseUrl, envBoolean, loadConfig, port, redisCacheUrl, secret } from "@fleet/service-kit";

/** `https://a.example,https://b.example` → the list; each must be a bare origin (scheme, host, port), never `*`, since credentials are allowed. */
const corsOrigins = z
  .string()
  .default("")
  .transform((value) => value.split(",").map((origin) => origin.trim()).filter((origin) => origin.length > 0))
  .refine((origins) => origins.every(isOrigin), "must be comma-separated origins such as https://app.example.com (no path, no *)");

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === value;
  } catch {
    return false;
  }
}

export const configSchema = z.object({
  ...baseConfigShape,
  /** Port of the public REST API and WebSocket (behind nginx). */
  HTTP_PORT: port(3000),
  /** Interface and port of the internal gRPC commerce service (for the orchestrator). */
  GRPC_HOST: z.string().default("127.0.0.1"),
  GRPC_PORT: port(50051),
  /**
   * The Redis of the read caches; unset: REDIS_URL. Where the gateway's Redis keys live:
   * - REDIS_CACHE_URL: `<part>:<tenantId>` and `<part>:<tenantId>:version` only, for the parts
   *   `catalogue`, `customers`, `orders` and `sellers` (the read caches, one hash per tenant and
   *   part, 60 s TTL, and its version stamp; written by reads, replaced by writes to that part: the
   *   catalogue's also by orders changing stock, the customers' and sellers' also by assignments).
   * - REDIS_URL, because losing them loses work or weakens a guarantee: the `events` stream and the
   *   dashboard consumer group on it; the rate limiters (`gateway:rate:*`) and login failure counters
   *   (`gateway:login-fail:*`); the
   *   dashboard KPI push slots (`dashboard:kpis:*`); pub/sub of cache invalidations and dashboard
   *   frames; and the analytics worker's live rollups (`analytics:{tenant}:*`), which the KPI reads
   *   come from: counters kept exactly once per event (seen-marks), not a cache.
   * The bots read cache, the active-users cache and the tenant settings cache are in process memory.
   */
  REDIS_CACHE_URL: redisCacheUrl,
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
  /** gRPC address of the analytics-worker (the shop's stored events, GET /api/analytics/events). */
  ANALYTICS_GRPC_URL: z.string().default("127.0.0.1:50054"),
  /** Deadline of every gRPC call the gateway makes, in milliseconds. */
  GRPC_DEADLINE_MS: z.coerce.number().int().positive().default(3000),
  /** Lifetime of an access token in seconds: 900 (15 min) to 86400 (24 h). */
  ACCESS_TOKEN_TTL_S: z.coerce.number().int().min(900).max(86_400).default(900),
  /** Lifetime of a refresh token in seconds: 3600 (1 h) to 7776000 (90 days); each refresh issues a new one with the full lifetime. */
  REFRESH_TOKEN_TTL_S: z.coerce.number().int().min(3600).max(7_776_000).default(2_592_000),
  /**
   * Seconds after a refresh token's use during which presenting it again counts as a concurrent
   * refresh (two tabs at once) and gets a sibling token instead of ending the session; 0: never.
   */
  REFRESH_REUSE_GRACE_S: z.coerce.number().int().min(0).max(60).default(10),
  /** A session's absolute lifetime from its sign-in, however often it is refreshed (1 h to 365 days). */
  REFRESH_SESSION_MAX_AGE_S: z.coerce.number().int().min(3600).max(31_536_000).default(7_776_000),
  /** How often expired refresh tokens are deleted (each replica; deleting is idempotent). */
  REFRESH_PURGE_INTERVAL_MS: z.coerce.number().int().min(1000).default(3_600_000),
  /** How often shops still waiting for their default flows (the orchestrator was away at sign-up) get them, in milliseconds. */
  DEFAULT_FLOWS_INTERVAL_MS: z.coerce.number().int().min(1000).default(30_000),
  /** How often seller assignments past the shop's timeout are released (each replica; a release happens once). */
  SELLER_RELEASE_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Whether login, register and refresh also return the refresh token in the JSON body, for non-browser clients (browsers get it as an httpOnly cookie either way). */
  REFRESH_TOKEN_IN_BODY: envBoolean(true),
  /** Shortest password accepted for new passwords (8 to 128 characters); existing passwords keep working. */
  PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8).max(128).default(10),
  /** Requests per minute a tenant's users may make together, unless the tenant's settings.rateLimitPerMinute says otherwise; then 429. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(100),
  /** Requests per minute from one client IP without an authenticated tenant (login, register, refresh); then 429. */
  RATE_LIMIT_PER_IP_PER_MINUTE: z.coerce.number().int().positive().default(100),
  /** Origins of the dashboard allowed to call the API from a browser, comma-separated (e.g. https://app.example.com); empty: no cross-origin access. */
  CORS_ORIGINS: corsOrigins,
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
  /** Dashboard WebSocket (/ws): how often each client is pinged, in milliseconds; a client that has not answered the previous ping is cut. Keep it well under the proxy's read timeout (nginx: 1 h). */
  WS_PING_INTERVAL_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  /** Bytes queued for one /ws client beyond which it is closed (code 4008) instead of buffering more: a client that cannot keep up never grows the gateway's memory. */
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /** Open /ws connections one tenant may hold on one gateway replica (0: no limit); beyond it the upgrade is answered 429. */
  WS_MAX_CONNECTIONS_PER_TENANT: z.coerce.number().int().min(0).default(200),
  /** How often each /ws client's user is checked again (still enabled, current role), in milliseconds: a disabled user's socket is closed (code 4401) within this time. */
  WS_USER_RECHECK_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Events older than this (by occurredAt, in milliseconds) are not pushed to /ws clients: after an outage the dashboard reloads state instead of replaying a backlog. */
  WS_EVENT_MAX_AGE_MS: z.coerce.number().int().positive().default(300_000),
  /**
   * The dashboards' event feed: after a read of the `events` stream that did not fill a batch, the
   * next one waits this long, in milliseconds (0: at once), so events are read, published and acked
   * in fewer, larger batches. /ws clients see events up to this much later.
   */
  WS_EVENT_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(50),
  /** A shop's dashboards get a "kpis" frame (fresh last-24-h KPIs) at most once per this many milliseconds, across all gateway replicas, after events that change them. */
  KPI_PUSH_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(2000),
});

export type GatewayConfig = z.infer<typeof configSchema>;

export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  return loadConfig(configSchema, env);
}
