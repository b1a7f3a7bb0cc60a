// Shared by the parity, reconciliation and live-MongoDB tests: fixture events across tenants, hours
// and days (duplicates, late events, bad attributes, several currencies, conversions), the mingo
// aggregation over them stored as the events repository stores them, and reading the rollups back.
import { Aggregator } from "mingo";
import { rollupKeys, type AnalyticsEvent } from "@fleet/contracts";
import type { Redis } from "ioredis";
import type { Aggregate } from "../src/rollups/rollups-recompute.repository.js";
import { toStoredEvent, type EventCollection, type StoredEvent } from "../src/repositories/events.repository.js";
import { collectionFor } from "../src/use-cases/record-events.use-case.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Midnight UTC three days ago: every fixture bucket is live in Redis, the oldest conversations seven days back. */
export const DAY0 = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;

/** An instant `day` days after DAY0 at hh:mm:ss.mmm UTC. */
export function at(day: number, hh: number, mm = 0, ss = 0, ms = 0): string {
  return new Date(DAY0 + day * DAY + hh * HOUR + mm * 60_000 + ss * 1000 + ms).toISOString();
}

/** YYYYMMDDHH of `day` days after DAY0 at hour hh. */
export function hourOf(day: number, hh: number): string {
  return at(day, hh).replace(/[-T:]/g, "").slice(0, 10);
}

let sequence = 0;
export function event(tenantId: string, type: AnalyticsEvent["type"], occurredAt: string, extra: Partial<AnalyticsEvent> = {}): AnalyticsEvent {
  return {
    v: 1,
    id: `fx-${String(++sequence).padStart(4, "0")}`,
    tenantId,
    occurredAt,
    type,
    source: "bot-orchestrator",
    botId: "bot-1",
    attributes: {},
    ...extra,
  };
}

const order = (tenantId: string, occurredAt: string, contact: string | undefined, totalMinor: unknown, currency: unknown) =>
  event(tenantId, "order.created", occurredAt, { source: "gateway", contact, attributes: { totalMinor: totalMinor as number, currency: currency as string } });
const started = (tenantId: string, occurredAt: string, contact: string | undefined, id?: string) =>
  event(tenantId, "conversation.started", occurredAt, { contact, ...(id ? { id } : {}) });
const sent = (tenantId: string, occurredAt: string, responseMs: unknown, botId = "bot-1") =>
  event(tenantId, "message.sent", occurredAt, { botId, attributes: { provider: "meta", response_ms: responseMs as number } });

/**
 * The events in the order they are folded (late ones at the end, duplicates repeated). None of the late
 * events is a conversation.started an earlier-folded order needed: see the reconciliation test for that.
 */
export function parityFixtures(): { folded: AnalyticsEvent[]; expected: Record<string, Record<string, Record<string, number>>> } {
  const A = "shop-a";
  const B = "shop-b";
  const C = "shop-c";
  const lateAcrossDay = event(A, "message.received", at(0, 23, 59, 59, 999));
  const lateOldHour = sent(A, at(-1, 5, 30), 1200, "bot-3");
  const duplicateOrder = order(A, at(0, 13), "c1", 1500, "USD");
  const duplicateStart = started(A, at(0, 12), "c1");
  const inOrder: AnalyticsEvent[] = [
    // Hour boundary: 09:59:59.999 and 10:00 in different hours.
    event(A, "message.received", at(0, 9, 59, 59, 999)),
    event(A, "message.received", at(0, 10)),
    // Response times: good ones (fractions included), one past every bound, and bad ones that count only as "out".
    sent(A, at(0, 10, 5), 250),
    sent(A, at(0, 10, 6), 250.5, "bot-2"),
    sent(A, at(0, 10, 7), 70_000),
    sent(A, at(0, 10, 8), "730"),
    sent(A, at(0, 10, 9), -5),
    sent(A, at(0, 10, 10), null),
    sent(A, at(0, 10, 11), 86_400_001),
    event(A, "message.send_failed", at(0, 10, 12)),
    event(A, "message.send_ambiguous", at(0, 10, 13)),
    event(A, "message.status", at(0, 10, 14)),
    event(A, "error", at(0, 10, 15)),
    event(A, "stock.low", at(0, 10, 16), { source: "gateway", botId: undefined }),
    event(A, "handoff.requested", at(0, 11)),
    event(A, "handoff.attended", at(0, 11, 1)),
    event(A, "handoff.escalated", at(0, 11, 2)),
    event(A, "seller.assigned", at(0, 11, 3)),
    event(A, "seller.released", at(0, 11, 4)),
    event(A, "seller.alerted", at(0, 11, 5)),
    event(A, "conversation.ended", at(0, 11, 6)),
    event(A, "order.status_changed", at(0, 11, 7), { source: "gateway" }),
    // c1: two conversations before one order: the later one (12:00) converts, the earlier (10:00) does not.
    started(A, at(0, 10, 30), "c1"),
    duplicateStart,
    duplicateOrder,
    // c2: an order at the very instant of the start converts it; a second order adds nothing.
    started(A, at(0, 8), "c2"),
    order(A, at(0, 8), "c2", 2000, "mxn"),
    order(A, at(0, 9), "c2", 999, "MXN"),
    // c3: an order before any conversation; the conversation after it never converts.
    order(A, at(0, 7), "c3", 100, "USD"),
    started(A, at(0, 11, 30), "c3"),
    // c4: an order more than 7 days after the start does not convert; exactly 7 days does (c5).
    started(A, at(-4, 0), "c4"),
    order(A, at(3, 0, 0, 0, 1), "c4", 100, "EUR"),
    started(A, at(-4, 1), "c5"),
    order(A, at(3, 1), "c5", 100, "EUR"),
    // Bad amounts and currencies count the order only.
    order(A, at(1, 8), undefined, 12.5, "EUR"),
    order(A, at(1, 8, 1), undefined, 100, "US"),
    order(A, at(1, 8, 2), undefined, "100", "USD"),
    order(A, at(1, 8, 3), undefined, 100, 840),
    // A conversation without a contact never converts, even with an order right after it.
    started(A, at(1, 9), undefined),
    order(A, at(1, 9, 5), undefined, 100, "USD"),
    // shop-b: the same contact as shop-a; shop-a's orders never convert shop-b's conversations.
    started(B, at(0, 10), "c1"),
    order(B, at(1, 10), "c9", 5000, "BRL"),
    order(B, at(1, 10, 1), "c9", 0, "USD"),
    started(B, at(1, 12), "c9"),
    order(B, at(1, 12, 30), "c9", 7000, "BRL"),
    // Two starts at the same instant: the greater event id is the later one and takes the order.
    started(B, at(1, 14), "c8", "fx-zz-second"),
    started(B, at(1, 14), "c8", "fx-aa-first"),
    order(B, at(1, 14, 10), "c8", 100, "BRL"),
    // shop-c: an empty bot id names no bot.
    event(C, "message.received", at(2, 0), { botId: "" }),
    event(C, "message.received", at(2, 0, 1), { botId: "bot-c" }),
    event(C, "message.sent", at(2, 0, 2), { botId: "bot-c", attributes: { response_ms: 0 } }),
    event(A, "message.received", at(1, 0)),
  ];
  const folded = [...inOrder, lateAcrossDay, lateOldHour, duplicateOrder, duplicateStart, inOrder[2] as AnalyticsEvent];
  // Hand-computed buckets (a few): shop → hour → fields.
  const expected: Record<string, Record<string, Record<string, number>>> = {
    [A]: {
      [hourOf(0, 9)]: { in: 1, orders: 1, "sales:MXN": 999 },
      [hourOf(0, 10)]: {
        in: 1,
        out: 7,
        resp_ms_sum: 70_500.5,
        resp_n: 3,
        resp_le_250: 1,
        resp_le_500: 1,
        resp_le_inf: 1,
        failed: 1,
        ambiguous: 1,
        errors: 1,
        stock_low: 1,
        conv_started: 1,
      },
      [hourOf(0, 12)]: { conv_started: 1, conv_converted: 1 },
      [hourOf(0, 8)]: { conv_started: 1, conv_converted: 1, orders: 1, "sales:MXN": 2000 },
      [hourOf(-4, 0)]: { conv_started: 1 },
      [hourOf(-4, 1)]: { conv_started: 1, conv_converted: 1 },
      [hourOf(0, 23)]: { in: 1 },
      [hourOf(-1, 5)]: { out: 1, resp_ms_sum: 1200, resp_n: 1, resp_le_2000: 1 },
    },
    [B]: {
      [hourOf(0, 10)]: { conv_started: 1 },
      [hourOf(1, 10)]: { orders: 2, "sales:BRL": 5000, "sales:USD": 0 },
      [hourOf(1, 12)]: { conv_started: 1, conv_converted: 1, orders: 1, "sales:BRL": 7000 },
      [hourOf(1, 14)]: { conv_started: 2, conv_converted: 1, orders: 1, "sales:BRL": 100 },
    },
  };
  return { folded, expected };
}

/** The events as MongoDB holds them: one document per id (a duplicate is a duplicate key), in the collection the worker picks. */
export function storedCollections(events: readonly AnalyticsEvent[]): Record<EventCollection, StoredEvent[]> {
  const collections: Record<EventCollection, StoredEvent[]> = { message_logs: [], analytics_events: [], system_logs: [] };
  const seen = new Set<string>();
  for (const item of events) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    collections[collectionFor(item.type)].push(toStoredEvent(item, new Date()));
  }
  return collections;
}

/** The aggregation run by mingo over the stored fixtures ($unionWith resolves the other collections). */
export function mingoAggregate(collections: Record<string, StoredEvent[]>): Aggregate {
  // Copies as plain objects: mingo's resolver takes index-signature objects, which an interface is not.
  const documents = (name: string) => (collections[name] ?? []).map((document) => ({ ...document }));
  return async (collection, pipeline) => new Aggregator(pipeline, { collectionResolver: documents }).run(documents(collection));
}

/** A tenant's hour or day buckets in Redis, numbers parsed: bucket → field → value. */
export async function bucketsOf(redis: Redis, prefix: string, tenantId: string, kind: "h" | "d"): Promise<Record<string, Record<string, number>>> {
  const keys = (await redis.keys(`${prefix}${kind === "h" ? rollupKeys.hour(tenantId, "*") : rollupKeys.day(tenantId, "*")}`)).map((key) => key.slice(prefix.length));
  const buckets: Record<string, Record<string, number>> = {};
  for (const key of keys.sort()) {
    const fields = await redis.hgetall(key);
    buckets[key.slice(key.lastIndexOf(":") + 1)] = Object.fromEntries(Object.entries(fields).map(([field, value]) => [field, Number(value)]));
  }
  return buckets;
}

/** A tenant's hour bot sets in Redis: hour → sorted bot ids. */
export async function botsOf(redis: Redis, prefix: string, tenantId: string): Promise<Record<string, string[]>> {
  const keys = (await redis.keys(`${prefix}${rollupKeys.hourBots(tenantId, "*")}`)).map((key) => key.slice(prefix.length));
  const sets: Record<string, string[]> = {};
  for (const key of keys.sort()) sets[key.slice(key.lastIndexOf(":") + 1)] = (await redis.smembers(key)).sort();
  return sets;
}
