// What one event adds to the rollups (pure): fields per type, histogram bounds, UTC buckets, expiry,
// and bad attributes that drop only their own part.
import { describe, expect, it } from "@jest/globals";
import { ROLLUP_TTL_SECONDS, analyticsEventTypes, type AnalyticsEvent } from "@fleet/contracts";
import { COUNTED_FIELD, foldEvent, responseHistogramField, type EventFold } from "../src/rollups/fold-event.js";
import { analyticsEvent } from "./fakes.js";

function fieldsOf(fold: EventFold | null): Record<string, number> {
  if (!fold) throw new Error("expected the event to be folded");
  return Object.fromEntries(fold.increments.map(({ field, by }) => [field, by]));
}

const at = "2025-03-10T14:25:00.000Z";

describe("foldEvent", () => {
  it.each([
    ["message.received", "in"],
    ["message.send_failed", "failed"],
    ["message.send_ambiguous", "ambiguous"],
    ["conversation.started", "conv_started"],
    ["conversation.ended", "conv_ended"],
    ["handoff.requested", "handoff_requested"],
    ["handoff.attended", "handoff_attended"],
    ["handoff.escalated", "handoff_escalated"],
    ["seller.assigned", "seller_assigned"],
    ["seller.released", "seller_released"],
    ["seller.alerted", "seller_alerted"],
    ["stock.low", "stock_low"],
    ["error", "errors"],
  ] as const)("counts %s in field %s of the event's hour and day", (type, field) => {
    const fold = foldEvent(analyticsEvent({ type, occurredAt: at, attributes: {} }));
    expect(fieldsOf(fold)).toEqual({ [field]: 1 });
    expect(fold).toMatchObject({ hour: "2025031014", day: "20250310", botId: "bot-1" });
  });

  it("counts a sent message with its response time: sum, count and histogram bucket", () => {
    const fold = foldEvent(analyticsEvent({ type: "message.sent", occurredAt: at, attributes: { provider: "meta", response_ms: 730 } }));
    expect(fieldsOf(fold)).toEqual({ out: 1, resp_ms_sum: 730, resp_n: 1, resp_le_1000: 1 });
    // The sum may hold fractions: it is the one field written with HINCRBYFLOAT.
    expect(fold?.increments.filter((increment) => increment.float).map((increment) => increment.field)).toEqual(["resp_ms_sum"]);
  });

  it("counts an order and its amount under its currency, upper-cased", () => {
    const fold = foldEvent(analyticsEvent({ type: "order.created", source: "gateway", occurredAt: at, attributes: { orderId: "o-1", totalMinor: 279_970, currency: "mxn", lines: 2 } }));
    expect(fieldsOf(fold)).toEqual({ orders: 1, "sales:MXN": 279_970 });
  });

  it("ignores the types the rollups do not count, entirely", () => {
    const counted = new Set(Object.keys(COUNTED_FIELD));
    const others = analyticsEventTypes.filter((type) => !counted.has(type));
    expect(others).toEqual(expect.arrayContaining(["message.status", "order.status_changed", "conversation.paused"]));
    for (const type of others) expect(foldEvent(analyticsEvent({ type }))).toBeNull();
  });

  it.each([
    [0, "resp_le_250"],
    [250, "resp_le_250"],
    [250.1, "resp_le_500"],
    [500, "resp_le_500"],
    [60_000, "resp_le_60000"],
    [60_000.5, "resp_le_inf"],
    [70_000, "resp_le_inf"],
  ])("puts a response of %s ms in %s", (responseMs, field) => {
    expect(responseHistogramField(responseMs)).toBe(field);
    expect(fieldsOf(foldEvent(analyticsEvent({ type: "message.sent", attributes: { response_ms: responseMs } })))[field]).toBe(1);
  });

  it("puts the last millisecond of a day and the first of the next in different hour and day buckets", () => {
    const late = foldEvent(analyticsEvent({ occurredAt: "2025-12-31T23:59:59.999Z" }));
    const early = foldEvent(analyticsEvent({ occurredAt: "2026-01-01T00:00:00.000Z" }));
    expect(late).toMatchObject({ hour: "2025123123", day: "20251231" });
    expect(early).toMatchObject({ hour: "2026010100", day: "20260101" });
  });

  it("buckets by UTC whatever offset the producer wrote", () => {
    expect(foldEvent(analyticsEvent({ occurredAt: "2025-03-10T20:30:00-06:00" }))).toMatchObject({ hour: "2025031102", day: "20250311" });
  });

  it("expires each bucket its TTL after the end of its period", () => {
    const fold = foldEvent(analyticsEvent({ occurredAt: at }));
    expect(fold?.hourExpiresAt).toBe(Date.parse("2025-03-10T15:00:00.000Z") + ROLLUP_TTL_SECONDS.hour * 1000);
    expect(fold?.dayExpiresAt).toBe(Date.parse("2025-03-11T00:00:00.000Z") + ROLLUP_TTL_SECONDS.day * 1000);
  });

  it("leaves the bot set alone for an event that names no bot", () => {
    const withoutBot: AnalyticsEvent = { ...analyticsEvent({ type: "stock.low", source: "gateway" }), botId: undefined };
    expect(foldEvent(withoutBot)?.botId).toBeNull();
    expect(foldEvent(analyticsEvent({ type: "stock.low", botId: "" }))?.botId).toBeNull();
  });

  it.each([
    ["a string", "730"],
    ["null", null],
    ["a boolean", true],
    ["negative", -5],
    ["absent", undefined],
    ["beyond a day", 90_000_000],
  ])("counts a sent message whose response_ms is %s, without any response-time field", (_case, responseMs) => {
    const attributes: Record<string, string | number | boolean | null> = { provider: "meta" };
    if (responseMs !== undefined) attributes["response_ms"] = responseMs;
    expect(fieldsOf(foldEvent(analyticsEvent({ type: "message.sent", attributes })))).toEqual({ out: 1 });
  });

  it.each([
    ["no currency", { totalMinor: 1000 }],
    ["a currency that is not an ISO code", { totalMinor: 1000, currency: "pesos" }],
    ["no total", { currency: "MXN" }],
    ["a fractional total", { totalMinor: 10.5, currency: "MXN" }],
    ["a total given as text", { totalMinor: "1000", currency: "MXN" }],
  ])("counts an order with %s, without any sales field", (_case, attributes) => {
    expect(fieldsOf(foldEvent(analyticsEvent({ type: "order.created", source: "gateway", attributes })))).toEqual({ orders: 1 });
  });

  it("marks a conversation start and an order of a contact for conversion, at their instant", () => {
    expect(foldEvent(analyticsEvent({ type: "conversation.started", occurredAt: at, contact: "521" }))?.conversion).toEqual({ kind: "started", contact: "521", startMs: Date.parse(at) });
    expect(foldEvent(analyticsEvent({ type: "order.created", source: "gateway", occurredAt: at, contact: "521", attributes: {} }))?.conversion).toEqual({
      kind: "order",
      contact: "521",
      atMs: Date.parse(at),
    });
  });

  it("leaves out of conversion the events without a contact and the other types", () => {
    const withoutContact: AnalyticsEvent = { ...analyticsEvent({ type: "conversation.started" }), contact: undefined };
    expect(foldEvent(withoutContact)?.conversion).toBeNull();
    expect(foldEvent(analyticsEvent({ type: "order.created", source: "gateway", contact: "" }))?.conversion).toBeNull();
    expect(foldEvent(analyticsEvent({ type: "message.received", contact: "521" }))?.conversion).toBeNull();
    expect(foldEvent(analyticsEvent({ type: "conversation.ended", contact: "521" }))?.conversion).toBeNull();
  });
});
