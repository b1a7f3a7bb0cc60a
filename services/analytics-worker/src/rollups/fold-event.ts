// What one event adds to its tenant's live rollups (see @fleet/contracts analytics-rollups): the
// counters of the UTC hour and day buckets of its occurredAt, the bot that was active in that
// hour, and its part in conversion (a conversation.started that an order may convert, an order that
// may convert one). Pure: no clock, no Redis. Attributes come from other services, so a bad one (a response
// time that is not a number, an order without a currency) drops only its own part of the event.
import {
  RESPONSE_MS_BOUNDS,
  ROLLUP_FIELDS,
  ROLLUP_TTL_SECONDS,
  dayBucket,
  hourBucket,
  responseBucketField,
  salesField,
  type AnalyticsEvent,
} from "@fleet/contracts";
import { z } from "zod";

export interface RollupIncrement {
  field: string;
  by: number;
  /** HINCRBYFLOAT instead of HINCRBY: the field may hold a fraction (HINCRBY would then fail on it). */
  float: boolean;
}

export interface EventFold {
  tenantId: string;
  eventId: string;
  /** Bucket names (YYYYMMDDHH, YYYYMMDD) of the event's UTC hour and day. */
  hour: string;
  day: string;
  /** Applied to the hour bucket and to the day bucket alike. */
  increments: RollupIncrement[];
  /** Added to the hour's set of active bots; null when the event names no bot. */
  botId: string | null;
  /**
   * When each bucket expires (ms since the epoch): its TTL counted from the end of its period, not
   * from the last write, so a late event never keeps an old bucket alive longer than its peers.
   */
  hourExpiresAt: number;
  dayExpiresAt: number;
  /** Its part in conversion (see ROLLUP_FIELDS.conversationsConverted); null for other events and events without a contact. */
  conversion: ConversionPart | null;
}

/**
 * started: this conversation becomes its contact's latest one (unless a later one was folded already).
 * order: credits the contact's latest conversation when it started at most CONVERSION_WINDOW_MS before.
 */
export type ConversionPart = { kind: "started"; contact: string; startMs: number } | { kind: "order"; contact: string; atMs: number };

export type FoldedEventType =
  | "message.received"
  | "message.sent"
  | "message.send_failed"
  | "message.send_ambiguous"
  | "conversation.started"
  | "conversation.ended"
  | "handoff.requested"
  | "handoff.attended"
  | "handoff.escalated"
  | "seller.assigned"
  | "seller.released"
  | "seller.alerted"
  | "order.created"
  | "stock.low"
  | "error";

/** The counter each folded event type adds one to; other types are not part of the rollups. */
export const COUNTED_FIELD: Record<FoldedEventType, string> = {
  "message.received": ROLLUP_FIELDS.messagesIn,
  "message.sent": ROLLUP_FIELDS.messagesOut,
  "message.send_failed": ROLLUP_FIELDS.messagesFailed,
  "message.send_ambiguous": ROLLUP_FIELDS.messagesAmbiguous,
  "conversation.started": ROLLUP_FIELDS.conversationsStarted,
  "conversation.ended": ROLLUP_FIELDS.conversationsEnded,
  "handoff.requested": ROLLUP_FIELDS.handoffsRequested,
  "handoff.attended": ROLLUP_FIELDS.handoffsAttended,
  "handoff.escalated": ROLLUP_FIELDS.handoffsEscalated,
  "seller.assigned": ROLLUP_FIELDS.sellersAssigned,
  "seller.released": ROLLUP_FIELDS.sellersReleased,
  "seller.alerted": ROLLUP_FIELDS.sellersAlerted,
  "order.created": ROLLUP_FIELDS.ordersCreated,
  "stock.low": ROLLUP_FIELDS.stockLow,
  error: ROLLUP_FIELDS.errors,
};

function isFolded(type: string): type is FoldedEventType {
  return Object.hasOwn(COUNTED_FIELD, type);
}

// A day at most: a larger figure is a producer bug, and would swamp the average it feeds.
const ResponseMsSchema = z.number().finite().nonnegative().max(24 * 3600 * 1000);
// Safe integers only: Redis sums them exactly, and HINCRBY accepts nothing else.
const TotalMinorSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const CurrencySchema = z.string().regex(/^[A-Za-z]{3}$/);

/** The histogram field of a response time: the first bound at or above it, else the open bucket. */
export function responseHistogramField(responseMs: number): string {
  const bound = RESPONSE_MS_BOUNDS.find((candidate) => responseMs <= candidate);
  return responseBucketField(bound ?? "inf");
}

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** When the hour bucket starting at `hourStartMs` expires (ms): its TTL counted from the end of the hour. */
export function hourExpiresAt(hourStartMs: number): number {
  return hourStartMs + HOUR_MS + ROLLUP_TTL_SECONDS.hour * 1000;
}

/** When the day bucket starting at `dayStartMs` expires (ms): its TTL counted from the end of the day. */
export function dayExpiresAt(dayStartMs: number): number {
  return dayStartMs + DAY_MS + ROLLUP_TTL_SECONDS.day * 1000;
}

function conversionOf(event: AnalyticsEvent, atMs: number): ConversionPart | null {
  if (!event.contact) return null;
  if (event.type === "conversation.started") return { kind: "started", contact: event.contact, startMs: atMs };
  if (event.type === "order.created") return { kind: "order", contact: event.contact, atMs };
  return null;
}

/** The increments of one event; null for a type the rollups do not count (ignored entirely). */
export function foldEvent(event: AnalyticsEvent): EventFold | null {
  if (!isFolded(event.type)) return null;
  const at = new Date(event.occurredAt);
  const increments: RollupIncrement[] = [{ field: COUNTED_FIELD[event.type], by: 1, float: false }];
  const { attributes } = event;

  if (event.type === "message.sent") {
    const responseMs = ResponseMsSchema.safeParse(attributes.response_ms);
    if (responseMs.success) {
      increments.push(
        { field: ROLLUP_FIELDS.responseMsSum, by: responseMs.data, float: true },
        { field: ROLLUP_FIELDS.responseCount, by: 1, float: false },
        { field: responseHistogramField(responseMs.data), by: 1, float: false },
      );
    }
  }

  if (event.type === "order.created") {
    const total = TotalMinorSchema.safeParse(attributes.totalMinor);
    const currency = CurrencySchema.safeParse(attributes.currency);
    if (total.success && currency.success) increments.push({ field: salesField(currency.data), by: total.data, float: false });
  }

  const hourStart = Math.floor(at.getTime() / HOUR_MS) * HOUR_MS;
  const dayStart = Math.floor(at.getTime() / DAY_MS) * DAY_MS;
  return {
    tenantId: event.tenantId,
    eventId: event.id,
    hour: hourBucket(at),
    day: dayBucket(at),
    increments,
    botId: event.botId ? event.botId : null,
    hourExpiresAt: hourExpiresAt(hourStart),
    dayExpiresAt: dayExpiresAt(dayStart),
    conversion: conversionOf(event, at.getTime()),
  };
}
