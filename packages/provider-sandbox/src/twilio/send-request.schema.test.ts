// Unit tests of the Messages.json parameter rules: which Twilio code each malformed form gets.
import { describe, it, expect } from "@jest/globals";
import { parseSendRequest, type FormParams } from "./send-request.schema.js";

const TO = "whatsapp:+5511987654321";
const FROM = "whatsapp:+15550001111";
const base: FormParams = { To: TO, From: FROM, Body: "hi" };
const TEMPLATE = "HX0123456789abcdef0123456789abcdef";

function codeOf(params: FormParams): number | undefined {
  const parsed = parseSendRequest(params);
  return parsed.ok ? undefined : parsed.failure.body.code;
}

describe("parseSendRequest", () => {
  it("reads a text send, trimming nothing from the body", () => {
    expect(parseSendRequest({ ...base, Body: "  two  spaces  " })).toEqual({
      ok: true,
      request: { to: TO, toNumber: "+5511987654321", from: FROM, fromNumber: "+15550001111", body: "  two  spaces  ", mediaUrls: [], kind: "text" },
    });
  });

  it.each<[string, FormParams, number]>([
    ["no To", { From: FROM, Body: "x" }, 21604],
    ["neither From nor MessagingServiceSid", { To: TO, Body: "x" }, 21603],
    ["a To that is not E.164", { ...base, To: "whatsapp:5511987654321" }, 21211],
    ["a From that is not a WhatsApp address", { ...base, From: "whatsapp:+1" }, 63007],
    ["two plain numbers (SMS, which this fake does not host)", { ...base, To: "+5511987654321", From: "+15550001111" }, 63007],
    ["a malformed MessagingServiceSid", { ...base, MessagingServiceSid: "MG1" }, 21705],
    ["an empty Body and nothing else", { ...base, Body: "" }, 21602],
    ["a MediaUrl that is not http(s)", { ...base, MediaUrl: ["https://cdn.example.com/a.jpg", "ftp://cdn.example.com/b.jpg"] }, 21620],
    ["ContentVariables as a JSON array", { ...base, ContentSid: TEMPLATE, ContentVariables: '["Ana"]' }, 21656],
    ["a null ContentVariables value", { ...base, ContentSid: TEMPLATE, ContentVariables: '{"1":null}' }, 21656],
    ["an empty ContentVariables value", { ...base, ContentSid: TEMPLATE, ContentVariables: '{"1":""}' }, 21656],
    ["a StatusCallback that is not a URL", { ...base, StatusCallback: "/relative/path" }, 21609],
  ])("rejects %s", (_name, params, code) => {
    expect(codeOf(params)).toBe(code);
  });

  it("counts a template as a template even with a Body, and reads repeated MediaUrl in order", () => {
    const template = parseSendRequest({ ...base, ContentSid: TEMPLATE, ContentVariables: '{"1":"Ana","2":42}' });
    expect(template).toMatchObject({ ok: true, request: { kind: "template", contentVariables: { 1: "Ana", 2: "42" } } });
    const media = parseSendRequest({ ...base, Body: "", MediaUrl: ["https://a.example/1.jpg", "https://a.example/2.jpg"] });
    expect(media).toMatchObject({ ok: true, request: { kind: "media", mediaUrls: ["https://a.example/1.jpg", "https://a.example/2.jpg"] } });
  });

  it("accepts a Messaging Service without From", () => {
    expect(parseSendRequest({ To: TO, MessagingServiceSid: "MG0123456789abcdef0123456789abcdef", Body: "x" }))
      .toMatchObject({ ok: true, request: { messagingServiceSid: "MG0123456789abcdef0123456789abcdef" } });
  });
});
