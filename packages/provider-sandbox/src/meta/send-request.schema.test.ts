// Unit tests of the send-body validation: Meta's limits, and which Graph code each breach gets.
import { describe, it, expect } from "@jest/globals";
import { parseMessagesRequest } from "./send-request.schema.js";

const base = { messaging_product: "whatsapp", to: "15550001" };
const rows = (n: number, prefix = "r") => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, title: `Row ${i}` }));
const list = (sections: unknown[]) => ({
  ...base, type: "interactive",
  interactive: { type: "list", body: { text: "Menu" }, action: { button: "See options", sections } },
});

function failure(body: unknown) {
  const result = parseMessagesRequest(body);
  if (result.ok) throw new Error("expected the body to be rejected");
  const { code, error_data: data } = result.failure.body.error;
  return { code, details: data?.details, httpStatus: result.failure.httpStatus };
}

describe("parseMessagesRequest", () => {
  it("treats a body without type as a text message, as Graph does", () => {
    expect(parseMessagesRequest({ ...base, text: { body: "hi" } })).toMatchObject({ ok: true, request: { kind: "send", type: "text", to: "15550001" } });
  });

  it("accepts every documented message kind with a valid payload", () => {
    const bodies = [
      { type: "image", image: { link: "https://example.com/a.jpg", caption: "menu" } },
      { type: "document", document: { id: "123", filename: "menu.pdf" } },
      { type: "audio", audio: { id: "123" } },
      { type: "template", template: { name: "order_update", language: { code: "pt_BR" }, components: [{ type: "body", parameters: [] }] } },
      { type: "interactive", interactive: { type: "button", body: { text: "Pick" }, action: { buttons: [{ type: "reply", reply: { id: "a", title: "A" } }] } } },
      list([{ title: "Drinks", rows: rows(5) }, { title: "Food", rows: rows(5, "f") }]),
    ];
    for (const body of bodies) expect(parseMessagesRequest({ ...base, ...body }).ok).toBe(true);
  });

  it("requires messaging_product to be whatsapp", () => {
    expect(failure({ ...base, messaging_product: "sms", text: { body: "hi" } })).toMatchObject({ code: 100, details: expect.stringContaining("messaging_product") });
    expect(failure({ to: "1", text: { body: "hi" } })).toMatchObject({ code: 131008, details: "The parameter messaging_product is required." });
  });

  it("rejects an unknown message type and a missing payload object", () => {
    expect(failure({ ...base, type: "carousel" })).toMatchObject({ code: 100, details: expect.stringContaining("type") });
    expect(failure({ ...base, type: "image" })).toMatchObject({ code: 131008, details: "The parameter image is required." });
  });

  it("rejects keys Graph does not know, like a camelCased preview_url", () => {
    expect(failure({ ...base, text: { body: "hi", previewUrl: true } })).toMatchObject({ code: 100, details: 'Unexpected key "previewUrl" on param "text".' });
  });

  it("enforces button title and list limits with the offending parameter named", () => {
    const longTitle = { ...base, type: "interactive", interactive: { type: "button", body: { text: "Pick" }, action: { buttons: [{ type: "reply", reply: { id: "a", title: "x".repeat(21) } }] } } };
    expect(failure(longTitle)).toMatchObject({ code: 100, details: "Param interactive['action']['buttons'][0]['reply']['title'] must be at most 20 characters long." });
    expect(failure(list([{ title: "A", rows: rows(6) }, { title: "B", rows: rows(5, "b") }]))).toMatchObject({ code: 100, details: "Param interactive['action']['sections'] must contain at most 10 rows in total." });
    expect(failure(list([{ title: "A", rows: rows(1) }, { rows: rows(1, "b") }]))).toMatchObject({ code: 131008, details: expect.stringContaining("interactive['action']['sections'][1]['title']") });
    expect(failure(list([{ rows: [{ id: "r", title: "x".repeat(25) }] }]))).toMatchObject({ code: 100, details: expect.stringContaining("must be at most 24 characters") });
    expect(failure(list(Array.from({ length: 11 }, (_, i) => ({ title: `S${i}`, rows: rows(1, `s${i}`) }))))).toMatchObject({ code: 100 });
  });

  it("requires a missing interactive type with 131008", () => {
    expect(failure({ ...base, type: "interactive", interactive: { body: { text: "Pick" } } })).toMatchObject({ code: 131008, details: "The parameter interactive['type'] is required." });
  });

  it("validates mark-as-read bodies on their own shape", () => {
    expect(parseMessagesRequest({ messaging_product: "whatsapp", status: "read", message_id: "wamid.X" })).toMatchObject({ ok: true, request: { kind: "read", messageId: "wamid.X" } });
    expect(failure({ messaging_product: "whatsapp", status: "read" })).toMatchObject({ code: 131008, details: "The parameter message_id is required." });
  });

  it("lists the media ids a send refers to, in Graph's parameter notation", () => {
    expect(parseMessagesRequest({ ...base, type: "video", video: { id: "42" } })).toMatchObject({ ok: true, request: { mediaIds: [{ param: "video['id']", id: "42" }] } });
    expect(parseMessagesRequest({ ...base, type: "video", video: { link: "https://example.com/a.mp4" } })).toMatchObject({ ok: true, request: { mediaIds: [] } });
    const template = {
      ...base, type: "template",
      template: { name: "t", language: { code: "en" }, components: [{ type: "HEADER", parameters: [{ type: "document", document: { id: "7", filename: "a.pdf" } }] }] },
    };
    expect(parseMessagesRequest(template)).toMatchObject({
      ok: true,
      request: { mediaIds: [{ param: "template['components'][0]['parameters'][0]['document']['id']", id: "7" }], template: { name: "t", components: [{ type: "header" }] } },
    });
  });

  it("requires a source for template media parameters and a valid button index", () => {
    const withComponents = (components: unknown[]) => ({ ...base, type: "template", template: { name: "t", language: { code: "en" }, components } });
    expect(failure(withComponents([{ type: "header", parameters: [{ type: "image", image: {} }] }]))).toMatchObject({ code: 131008, details: expect.stringContaining("['image']") });
    expect(failure(withComponents([{ type: "button", sub_type: "url", index: "10", parameters: [] }]))).toMatchObject({ code: 100, details: expect.stringContaining("['index']") });
  });
});
