import { describe, expect, it } from "@jest/globals";
import { AnalyticsEventSchema, InboundEntrySchema, STREAM_FIELD, decodeStreamEntry } from "./streams.js";

const message = {
  v: 1,
  kind: "message",
  id: "meta:wamid.ABC",
  tenantId: "7d0f6a8e-2f4b-4d5a-9a51-0c2a8f6b1e11",
  occurredAt: "2026-11-22T10:00:00.000Z",
  botId: "b1",
  provider: "meta",
  providerMessageId: "wamid.ABC",
  from: "5215512345678",
  type: "text",
  text: "hola",
};

describe("stream schemas", () => {
  it("accept a normalised inbound text message and a delivery status on the same stream", () => {
    expect(InboundEntrySchema.parse(message).kind).toBe("message");
    const status = { ...message, kind: "status", status: "delivered", recipient: "5215512345678" };
    expect(InboundEntrySchema.parse(status).kind).toBe("status");
  });

  it("reject an entry without tenant, with an unknown schema version or an unknown provider", () => {
    const { tenantId: _omit, ...withoutTenant } = message;
    expect(InboundEntrySchema.safeParse(withoutTenant).success).toBe(false);
    expect(InboundEntrySchema.safeParse({ ...message, v: 2 }).success).toBe(false);
    expect(InboundEntrySchema.safeParse({ ...message, provider: "telegram" }).success).toBe(false);
  });

  it("decode a stream entry's field list and report malformed JSON as a failed parse, not a throw", () => {
    expect(decodeStreamEntry(InboundEntrySchema, [STREAM_FIELD, JSON.stringify(message)]).success).toBe(true);
    expect(decodeStreamEntry(InboundEntrySchema, [STREAM_FIELD, "{not json"]).success).toBe(false);
    expect(decodeStreamEntry(InboundEntrySchema, ["other", "x"]).success).toBe(false);
  });

  it("default analytics attributes to an empty object and refuse nested values", () => {
    const base = { v: 1, id: "e1", tenantId: "t1", occurredAt: "2026-11-22T10:00:00Z", type: "message.received", source: "whatsapp-adapter" };
    expect(AnalyticsEventSchema.parse(base).attributes).toEqual({});
    expect(AnalyticsEventSchema.safeParse({ ...base, attributes: { nested: { a: 1 } } }).success).toBe(false);
  });
});
