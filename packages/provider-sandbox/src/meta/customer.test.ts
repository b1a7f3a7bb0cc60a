// Tests of the customer side: webhook payload shapes, the signature over the exact bytes, and
// the sandbox posting signed webhooks (customer messages, status callbacks) to a real receiver.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from "@jest/globals";
import { createHash, createHmac } from "node:crypto";
import { once } from "node:events";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import request from "supertest";
import { createMetaSandbox, type MetaSandboxOptions } from "./cloud-api.routes.js";
import { buildMessagesWebhook, buildStatusWebhook, postWebhook, signWebhookBody, type WebhookPayload } from "./customer.js";
import { silentLogger } from "../logger.js";

const APP_SECRET = "app-secret-é";
const TOKEN = "sandbox-token";
const NUMBER = "106540352242922";
const hmac = (raw: Buffer) => `sha256=${createHmac("sha256", APP_SECRET).update(raw).digest("hex")}`;

interface Received {
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

/** A stand-in for the app's webhook endpoint: keeps the raw bytes of every POST. */
const received: Received[] = [];
let receiver: Server;
let callbackUrl: string;

beforeAll(async () => {
  const app = express();
  app.post("/webhook", express.raw({ type: () => true }), (req, res) => {
    received.push({ headers: req.headers, raw: req.body as Buffer });
    res.status(200).send("EVENT_RECEIVED");
  });
  receiver = app.listen(0);
  await once(receiver, "listening");
  callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhook`;
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

function sandbox(overrides: Partial<MetaSandboxOptions> = {}) {
  return createMetaSandbox({
    accessTokens: TOKEN, phoneNumberIds: [NUMBER], appSecret: APP_SECRET, callbackUrl,
    displayPhoneNumbers: { [NUMBER]: "+1 555-010-0999" }, wabaId: "987654321", logger: silentLogger, ...overrides,
  });
}

const parse = (r: Received | undefined): WebhookPayload => JSON.parse(r?.raw.toString("utf8") ?? "null");

describe("webhook payload builders", () => {
  it("batches messages in one Cloud API envelope with one contact per sender", () => {
    const payload = buildMessagesWebhook({ phoneNumberId: NUMBER, displayPhoneNumber: "+1 555-010-0999", wabaId: "987" }, [
      { from: "+55 11 98765-4321", name: "Ana", text: "oi", id: "wamid.1", timestamp: 1_700_000_000 },
      { from: "5511987654321", buttonReply: { id: "yes", title: "Yes" }, id: "wamid.2", timestamp: 1_700_000_001 },
      { from: "15550002", listReply: { id: "pizza", title: "Pizza" }, id: "wamid.3", timestamp: 1_700_000_002 },
    ]);
    expect(payload).toEqual({
      object: "whatsapp_business_account",
      entry: [{
        id: "987",
        changes: [{
          field: "messages",
          value: {
            messaging_product: "whatsapp",
            metadata: { display_phone_number: "15550100999", phone_number_id: NUMBER },
            contacts: [{ profile: { name: "Ana" }, wa_id: "5511987654321" }, { profile: { name: "Customer 0002" }, wa_id: "15550002" }],
            messages: [
              { from: "5511987654321", id: "wamid.1", timestamp: "1700000000", type: "text", text: { body: "oi" } },
              { from: "5511987654321", id: "wamid.2", timestamp: "1700000001", type: "interactive", interactive: { type: "button_reply", button_reply: { id: "yes", title: "Yes" } } },
              { from: "15550002", id: "wamid.3", timestamp: "1700000002", type: "interactive", interactive: { type: "list_reply", list_reply: { id: "pizza", title: "Pizza" } } },
            ],
          },
        }],
      }],
    });
  });

  it("builds status webhooks with errors when given", () => {
    const payload = buildStatusWebhook({ phoneNumberId: NUMBER, displayPhoneNumber: "15550100999" }, [
      { id: "wamid.9", status: "failed", recipientId: "+1 555 0002", timestamp: 1_700_000_000, errors: [{ code: 131047, title: "Re-engagement message", message: "Re-engagement message", error_data: { details: "outside 24 h" } }] },
    ]);
    const value = payload.entry[0]?.changes[0]?.value;
    expect(value?.statuses).toEqual([{
      id: "wamid.9", status: "failed", timestamp: "1700000000", recipient_id: "15550002",
      errors: [{ code: 131047, title: "Re-engagement message", message: "Re-engagement message", error_data: { details: "outside 24 h" } }],
    }]);
    expect(value).not.toHaveProperty("messages");
  });
});

describe("postWebhook", () => {
  it("signs exactly the bytes it sends (HMAC-SHA256 with the app secret)", async () => {
    const payload = buildMessagesWebhook({ phoneNumberId: NUMBER, displayPhoneNumber: "15550100999" }, [{ from: "15550001", text: "olá 👋 — ünïcode" }]);
    const result = await postWebhook({ callbackUrl, appSecret: APP_SECRET, payload });

    expect(result).toEqual({ status: 200, body: "EVENT_RECEIVED" });
    const [hit] = received;
    expect(hit?.headers["x-hub-signature-256"]).toBe(hmac(hit?.raw ?? Buffer.alloc(0)));
    expect(hit?.headers["x-hub-signature-256"]).toBe(signWebhookBody(APP_SECRET, Buffer.from(JSON.stringify(payload), "utf8")));
    expect(parse(hit)).toEqual(payload);
  });

  it("sends a raw body byte for byte, signed as it is", async () => {
    const raw = '{ "object": "whatsapp_business_account",\n  "entry": [] }';
    await postWebhook({ callbackUrl, appSecret: APP_SECRET, payload: raw });
    expect(received[0]?.raw.toString("utf8")).toBe(raw);
    expect(received[0]?.headers["x-hub-signature-256"]).toBe(hmac(Buffer.from(raw, "utf8")));
  });

  it("sends a given signature instead of computing one", async () => {
    await postWebhook({ callbackUrl, appSecret: APP_SECRET, payload: "{}", signature: "sha256=deadbeef" });
    expect(received[0]?.headers["x-hub-signature-256"]).toBe("sha256=deadbeef");
  });
});

describe("POST /_sandbox/customer/messages", () => {
  it("posts a signed messages webhook to the configured callback URL", async () => {
    const { app } = sandbox();
    const res = await request(app).post("/_sandbox/customer/messages")
      .send({ phone_number_id: NUMBER, from: "+55 11 98765-4321", name: "Ana", text: "quero pizza", count: 2 });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ wamids: [expect.stringMatching(/^wamid\./), expect.stringMatching(/^wamid\./)], status: 200, body: "EVENT_RECEIVED" });
    expect(received).toHaveLength(1);
    const [hit] = received;
    expect(hit?.headers["x-hub-signature-256"]).toBe(hmac(hit?.raw ?? Buffer.alloc(0)));
    const value = parse(hit).entry[0]?.changes[0]?.value;
    expect(parse(hit).entry[0]?.id).toBe("987654321");
    expect(value).toMatchObject({
      messaging_product: "whatsapp",
      metadata: { display_phone_number: "15550100999", phone_number_id: NUMBER },
      contacts: [{ profile: { name: "Ana" }, wa_id: "5511987654321" }],
    });
    expect(value?.messages?.map((m) => [m.id, m.from, m.type, "text" in m ? m.text.body : null, m.timestamp]))
      .toEqual(res.body.wamids.map((id: string) => [id, "5511987654321", "text", "quero pizza", expect.stringMatching(/^\d{10}$/)]));
  });

  it("uses callback_url from the request over the configured one", async () => {
    const { app } = sandbox({ callbackUrl: "http://127.0.0.1:9/unused" });
    const res = await request(app).post("/_sandbox/customer/messages").send({ callback_url: callbackUrl, phone_number_id: NUMBER, from: "15550001", button_reply: { id: "yes", title: "Yes" } });
    expect(res.status).toBe(200);
    expect(parse(received[0]).entry[0]?.changes[0]?.value.messages?.[0]).toMatchObject({ type: "interactive", interactive: { type: "button_reply", button_reply: { id: "yes" } } });
  });

  it("answers 502 when the callback URL is unreachable and 400 for a number it does not host", async () => {
    const { app } = sandbox({ callbackUrl: "http://127.0.0.1:9/webhook" });
    const unreachable = await request(app).post("/_sandbox/customer/messages").send({ phone_number_id: NUMBER, from: "15550001", text: "hi" });
    expect([unreachable.status, unreachable.body.error.code]).toEqual([502, "CALLBACK_UNREACHABLE"]);
    const unknown = await request(app).post("/_sandbox/customer/messages").send({ phone_number_id: "42", from: "15550001", text: "hi" });
    expect([unknown.status, unknown.body.error.code]).toEqual([400, "UNKNOWN_PHONE_NUMBER"]);
  });
});

describe("status callbacks", () => {
  const send = (app: express.Express) => request(app).post(`/v23.0/${NUMBER}/messages`).set("authorization", `Bearer ${TOKEN}`)
    .send({ messaging_product: "whatsapp", to: "+1 555 0002", type: "text", text: { body: "your order is ready" } });

  it("posts signed sent then delivered statuses for an accepted send", async () => {
    const { app, settled } = sandbox({ statusCallbacks: true });
    const res = await send(app);
    await settled();

    const wamid: string = res.body.messages[0].id;
    expect(received.map((r) => r.headers["x-hub-signature-256"] === hmac(r.raw))).toEqual([true, true]);
    expect(received.map((r) => parse(r).entry[0]?.changes[0]?.value.statuses)).toEqual([
      [{ id: wamid, status: "sent", timestamp: expect.stringMatching(/^\d+$/), recipient_id: "15550002" }],
      [{ id: wamid, status: "delivered", timestamp: expect.stringMatching(/^\d+$/), recipient_id: "15550002" }],
    ]);
  });

  it("posts nothing when status callbacks are off", async () => {
    const { app, settled } = sandbox();
    expect((await send(app)).status).toBe(200);
    await settled();
    expect(received).toHaveLength(0);
  });

  it("accepts a send under a webhook fault, then reports it failed with the injected code", async () => {
    const { app, settled } = sandbox({ statusCallbacks: true });
    await request(app).post("/_sandbox/faults").send({ code: 131047, via: "webhook", details: "outside the 24 h window" }).expect(201);
    const res = await send(app);
    await settled();

    expect(res.status).toBe(200);
    expect(received.map((r) => parse(r).entry[0]?.changes[0]?.value.statuses)).toEqual([[{
      id: res.body.messages[0].id, status: "failed", timestamp: expect.any(String), recipient_id: "15550002",
      errors: [{ code: 131047, title: "Re-engagement message", message: "Re-engagement message", error_data: { details: "outside the 24 h window" } }],
    }]]);
  });
});

describe("customer messages of every inbound kind", () => {
  const post = (app: express.Express, body: object) =>
    request(app).post("/_sandbox/customer/messages").send({ phone_number_id: NUMBER, from: "+55 11 98765-4321", name: "Ana", ...body });

  /** The one message of the last webhook, after checking its signature over the exact bytes. */
  function lastMessage() {
    const hit = received.at(-1);
    expect(hit?.headers["x-hub-signature-256"]).toBe(hmac(hit?.raw ?? Buffer.alloc(0)));
    const value = parse(hit).entry[0]?.changes[0]?.value;
    expect(value?.metadata).toEqual({ display_phone_number: "15550100999", phone_number_id: NUMBER });
    expect(value?.contacts).toEqual([{ profile: { name: "Ana" }, wa_id: "5511987654321" }]);
    expect(value?.messages).toHaveLength(1);
    return value?.messages?.[0];
  }

  const base = { from: "5511987654321", id: expect.stringMatching(/^wamid\./), timestamp: expect.stringMatching(/^\d{10}$/) };

  it("image: stores the file so the app can fetch it with the media flow, and announces it by id", async () => {
    const { app } = sandbox();
    const bytes = Buffer.from("\xff\xd8\xff\xe0 a jpeg", "latin1");
    const res = await post(app, { image: { content_base64: bytes.toString("base64"), caption: "this one" } });

    expect(res.status).toBe(200);
    const mediaId: string = res.body.media_id;
    expect(lastMessage()).toEqual({
      ...base, type: "image",
      image: { caption: "this one", mime_type: "image/jpeg", sha256: createHash("sha256").update(bytes).digest("base64"), id: mediaId },
    });

    const described = await request(app).get(`/v23.0/${mediaId}`).set("authorization", `Bearer ${TOKEN}`);
    expect(described.body).toMatchObject({ id: mediaId, mime_type: "image/jpeg", file_size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") });
    const url = new URL(described.body.url);
    const downloaded = await request(app).get(`${url.pathname}${url.search}`).set("authorization", `Bearer ${TOKEN}`).buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => done(null, Buffer.concat(chunks)));
      });
    expect(Buffer.compare(downloaded.body, bytes)).toBe(0);
  });

  it("document, audio, video and sticker carry the fields of their kind", async () => {
    const { app, media } = sandbox();
    await post(app, { document: { mime_type: "application/pdf", filename: "order.pdf", caption: "my order" } });
    expect(lastMessage()).toEqual({
      ...base, type: "document",
      document: { caption: "my order", filename: "order.pdf", mime_type: "application/pdf", sha256: expect.any(String), id: expect.any(String) },
    });
    await post(app, { audio: { voice: true } });
    expect(lastMessage()).toEqual({ ...base, type: "audio", audio: { mime_type: "audio/ogg; codecs=opus", sha256: expect.any(String), id: expect.any(String), voice: true } });
    await post(app, { video: {} });
    expect(lastMessage()).toEqual({ ...base, type: "video", video: { mime_type: "video/mp4", sha256: expect.any(String), id: expect.any(String) } });
    await post(app, { sticker: { animated: true } });
    expect(lastMessage()).toEqual({ ...base, type: "sticker", sticker: { mime_type: "image/webp", sha256: expect.any(String), id: expect.any(String), animated: true } });
    expect(media.list().map((m) => [m.phoneNumberId, m.mimeType])).toEqual([
      [NUMBER, "application/pdf"], [NUMBER, "audio/ogg; codecs=opus"], [NUMBER, "video/mp4"], [NUMBER, "image/webp"],
    ]);
  });

  it("location and contacts", async () => {
    const { app } = sandbox();
    await post(app, { location: { latitude: -23.5505, longitude: -46.6333, name: "Pizzaria", address: "Av. Paulista, 1000" } });
    expect(lastMessage()).toEqual({ ...base, type: "location", location: { latitude: -23.5505, longitude: -46.6333, name: "Pizzaria", address: "Av. Paulista, 1000" } });

    const card = { name: { formatted_name: "João Silva", first_name: "João" }, phones: [{ phone: "+55 11 91234-5678", wa_id: "5511912345678", type: "CELL" }] };
    await post(app, { contacts: [card] });
    expect(lastMessage()).toEqual({ ...base, type: "contacts", contacts: [card] });
  });

  it("reaction, and a template quick-reply button with its context", async () => {
    const { app } = sandbox();
    await post(app, { reaction: { message_id: "wamid.BUSINESS1", emoji: "👍" } });
    expect(lastMessage()).toEqual({ ...base, type: "reaction", reaction: { message_id: "wamid.BUSINESS1", emoji: "👍" } });

    await post(app, { button: { payload: "TRACK_1042", text: "Track order" }, context: { id: "wamid.TEMPLATE1" } });
    expect(lastMessage()).toEqual({
      ...base, context: { from: "15550100999", id: "wamid.TEMPLATE1" }, type: "button", button: { payload: "TRACK_1042", text: "Track order" },
    });
  });

  it("an unsupported kind arrives with error 131051", async () => {
    const { app } = sandbox();
    await post(app, { unsupported: { type: "poll_creation" } });
    expect(lastMessage()).toEqual({
      ...base, type: "unsupported",
      errors: [{ code: 131051, title: "Message type unknown", message: "Message type unknown", error_data: { details: "Message type is currently not supported." } }],
      unsupported: { type: "poll_creation" },
    });
  });

  it("rejects a request with no content or two kinds at once", async () => {
    const { app } = sandbox();
    const none = await post(app, {});
    expect([none.status, none.body.error.code]).toEqual([400, "INVALID_REQUEST"]);
    const two = await post(app, { text: "hi", location: { latitude: 1, longitude: 2 } });
    expect(two.body.error.message).toContain("exactly one of text, button_reply, list_reply, image");
    expect(received).toHaveLength(0);
  });
});
