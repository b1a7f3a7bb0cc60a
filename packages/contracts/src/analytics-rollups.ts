// The live analytics rollups in Redis: the analytics worker folds every event of the `events`
// stream into per-tenant time buckets (written by the worker only), and the gateway reads them for
// the dashboard's KPIs. This file is the contract between the two: key names, bucket fields, the
// response-time histogram and how long buckets are kept. Buckets are UTC hours and UTC days; a
// tenant's local views (engagement by hour of day in its time zone) are computed from the hour
// buckets when read. Every key of a tenant carries the tenant as a hash tag, so one script can touch
// a tenant's buckets and its seen-event marks together on a Redis Cluster.

/** Upper bounds (ms) of the bot response-time histogram; a last, unbounded bucket counts the rest. */
export const RESPONSE_MS_BOUNDS = [250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000] as const;

/** Counter fields of an hour or day bucket (a Redis hash); absent means 0. */
export const ROLLUP_FIELDS = {
  /** message.received */
  messagesIn: "in",
  /** message.sent */
  messagesOut: "out",
  /** message.send_failed (not message.send_ambiguous, counted apart) */
  messagesFailed: "failed",
  messagesAmbiguous: "ambiguous",
  /** Sum and count of message.sent's response_ms, and its histogram (`resp_le_<bound>`, `resp_le_inf`). */
  responseMsSum: "resp_ms_sum",
  responseCount: "resp_n",
  conversationsStarted: "conv_started",
  conversationsEnded: "conv_ended",
  handoffsRequested: "handoff_requested",
  handoffsAttended: "handoff_attended",
  handoffsEscalated: "handoff_escalated",
  sellersAssigned: "seller_assigned",
  sellersReleased: "seller_released",
  sellersAlerted: "seller_alerted",
  ordersCreated: "orders",
  stockLow: "stock_low",
  /** error events (flows that could not go on) */
  errors: "errors",
  /**
   * Conversations that converted, counted in the hour and day buckets of the conversation's START
   * (so conversion over a range = conv_converted / conv_started of the buckets in the range).
   * A conversation (a `conversation.started` event, with tenantId, botId and a top-level `contact`)
   * converted when an `order.created` event of the same tenant and the same `contact` occurred at or
   * after the conversation's start, at most {@link CONVERSION_WINDOW_MS} after it, and before that
   * contact's next `conversation.started`: each order belongs to the contact's latest conversation
   * started at or before it (two starts at the same millisecond: the greater event id is the later).
   * Counted once per conversation, however many orders it led to. Events without a contact take no part.
   * The live fold sees an order only against the latest conversation folded so far, so an order
   * folded before its conversation.started (a late event) is missed live; the reconciliation from
   * MongoDB corrects it, like every other field.
   */
  conversationsConverted: "conv_converted",
} as const;

/** An order converts a conversation it follows by at most this much (7 days, inclusive). */
export const CONVERSION_WINDOW_MS = 7 * 24 * 3600 * 1000;

export type RollupField = (typeof ROLLUP_FIELDS)[keyof typeof ROLLUP_FIELDS];

/** The histogram field counting responses of at most `bound` ms ("inf": the rest). */
export function responseBucketField(bound: number | "inf"): string {
  return `resp_le_${bound}`;
}

/** Sales of order.created in a currency, in minor units: field `sales:<ISO currency>`. */
export function salesField(currency: string): string {
  return `sales:${currency.toUpperCase()}`;
}

/**
 * How long buckets are kept: hours 35 days, days 400 days; an event's seen-mark and a conversation's
 * converted-mark 8 days (later duplicates are not expected); a contact's latest conversation 8 days
 * after its start (one more than the conversion window).
 */
export const ROLLUP_TTL_SECONDS = { hour: 35 * 24 * 3600, day: 400 * 24 * 3600, seen: 8 * 24 * 3600, conversation: 8 * 24 * 3600 } as const;

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** The UTC hour an instant falls in, as the bucket names it: YYYYMMDDHH. */
export function hourBucket(at: Date): string {
  return `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}${pad(at.getUTCHours())}`;
}

/** The UTC day an instant falls in: YYYYMMDD. */
export function dayBucket(at: Date): string {
  return `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}`;
}

/** Keys of a tenant's rollups (without the services' REDIS_KEY_PREFIX, which the client adds). */
export const rollupKeys = {
  hour: (tenantId: string, bucket: string) => `analytics:{${tenantId}}:h:${bucket}`,
  day: (tenantId: string, bucket: string) => `analytics:{${tenantId}}:d:${bucket}`,
  /** The bots active in an hour (a set of bot ids). */
  hourBots: (tenantId: string, bucket: string) => `analytics:{${tenantId}}:hb:${bucket}`,
  /** An event already folded in (idempotency by event id). */
  seen: (tenantId: string, eventId: string) => `analytics:{${tenantId}}:seen:${eventId}`,
  /**
   * A contact's latest conversation folded so far (a hash: s = start in ms since the epoch, id =
   * event id, h / d = its hour and day buckets, he / de = their expiries in seconds since the epoch); kept
   * {@link ROLLUP_TTL_SECONDS}.conversation after the start, past which no order can convert it.
   */
  latestConversation: (tenantId: string, contact: string) => `analytics:{${tenantId}}:lc:${contact}`,
  /** A conversation already counted as converted (by its conversation.started event id). */
  converted: (tenantId: string, conversationEventId: string) => `analytics:{${tenantId}}:cv:${conversationEventId}`,
} as const;
