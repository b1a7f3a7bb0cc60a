// Component tests of the 360dialog fake over HTTP, the way an adapter for a Cloud-API-compatible
// BSP uses it: API-key auth, POST /messages with every body type, Cloud API errors, webhook
// configuration and delivery (unsigned, with the configured headers), media through the
// attachments path, throughput, and the /_sandbox/d360 control endpoints.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from "@jest/globals";
import { createHash } from "node:crypto";
import { once } from "node:events";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type Express } from "express";
import request from "supertest";
import { createD360Sandbox, type D360SandboxOptions } from "./d360.routes.js";
import type { WebhookPayload } from "../meta/customer.js";
import { silentLogger } from "../logger.js";

const KEY_A = "key-for-number-a";
const KEY_B = "key-for-number-b";
const NUMBER_A = "106540352242922";
const NUMBER_B = "106540352242923";
const CUSTOMER = "5511987654321";

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: WebhookPayload;
}

const received: Received[] = [];
let receiver: Server;
let receiverBase: string;

beforeAll(async () => {
  const app = express();
  app.post(/.*/, express.json(), (req, res) => {
    received.push({ path: req.path, headers: req.headers, body: req.body });
    res.sendStatus(200);
  });
  receiver = app.listen(0);
  await once(receiver, "listening");
  receiverBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

function sandbox(overrides: Partial<D360SandboxOptions> = {}) {
  return createD360Sandbox({ apiKeys: { [KEY_A]: NUMBER_A, [KEY_B]: NUMBER_B }, logger: silentLogger, ...overrides });
}

function send(app: Express, body: object, key: string | null = KEY_A) {
  const req = request(app).post("/messages");
  return (key === null ? req : req.set("D360-API-KEY", key)).send(body);
}

async function configureWebhook(app: Express, key = KEY_A, headers?: Record<string, string>) {
  const res = await request(app).post("/v1/configs/webhook").set("D360-API-KEY", key).send({ url: `${receiverBase}/hooks/${key}`, ...(headers === undefined ? {} : { headers }) });
  expect(res.status).toBe(200);
}

function uploadPng(app: Express, bytes: Buffer, key = KEY_A) {
  return request(app).post("/media").set("D360-API-KEY", key).field("messaging_product", "whatsapp").attach("file", bytes, { filename: "a.png", contentType: "image/png" });
}

const binary = (res: request.Test) => res.buffer(true).parse((r, done) => {
  const chunks: Buffer[] = [];
  r.on("data", (c: Buffer) => chunks.push(c));
  r.on("end", () => done(null, Buffer.concat(chunks)));
});

const messageBase = { messaging_product: "whatsapp", recipient_type: "individual", to: CUSTOMER };
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");

describe("authentication", () => {
  it("answers 401 with 360dialog's error body for a missing or unknown D360-API-KEY", async () => {
    const { app, store } = sandbox();
    const missing = await send(app, { ...messageBase, type: "text", text: { body: "hi" } }, null);
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ meta: { success: false, http_code: 401, developer_message: "Missing api key" } });

    const wrong = await send(app, { ...messageBase, type: "text", text: { body: "hi" } }, "not-a-key");
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ meta: { success: false, http_code: 401, developer_message: "Invalid api key" } });
    expect(store.list()).toEqual([]);
  });

  it("guards every endpoint, not only /messages", async () => {
    const { app } = sandbox();
    for (const res of [
      await request(app).get("/v1/configs/webhook"),
      await request(app).post("/media").field("messaging_product", "whatsapp"),
      await request(app).get("/1234567890123456"),
      await request(app).get("/whatsapp_business/attachments/?mid=1"),
      await request(app).post("/messages").set("Authorization", "Bearer key-for-number-a").send({}),
    ]) {
      expect([res.status, res.body.meta?.http_code]).toEqual([401, 401]);
    }
  });

  it("takes the number from the key: each key sends from its own number", async () => {
    const { app, store } = sandbox();
    await send(app, { ...messageBase, type: "text", text: { body: "from A" } }, KEY_A);
    await send(app, { ...messageBase, type: "text", text: { body: "from B" } }, KEY_B);
    expect(store.sent().map((s) => [s.phoneNumberId, (s.body as { text: { body: string } }).text.body])).toEqual([[NUMBER_A, "from A"], [NUMBER_B, "from B"]]);
  });
});

describe("POST /messages", () => {
  it("accepts every Cloud API body type and answers the Cloud API success shape", async () => {
    const { app, store } = sandbox({ templates: [{ name: "order_ready", language: "es", bodyParams: 1 }] });
    const mediaId: string = (await uploadPng(app, PNG)).body.id;
    const bodies: Record<string, object> = {
      text: { text: { body: "hola", preview_url: false } },
      image: { image: { id: mediaId, caption: "menu" } },
      document: { document: { link: "https://example.com/menu.pdf", filename: "menu.pdf" } },
      audio: { audio: { link: "https://example.com/a.ogg" } },
      video: { video: { link: "https://example.com/a.mp4", caption: "demo" } },
      sticker: { sticker: { link: "https://example.com/s.webp" } },
      interactive: {
        interactive: { type: "button", body: { text: "Pick one" }, action: { buttons: [{ type: "reply", reply: { id: "yes", title: "Yes" } }] } },
      },
      list: {
        type: "interactive",
        interactive: { type: "list", body: { text: "Menu" }, action: { button: "See", sections: [{ title: "Pizzas", rows: [{ id: "p1", title: "Margherita" }] }] } },
      },
      template: { template: { name: "order_ready", language: { code: "es" }, components: [{ type: "body", parameters: [{ type: "text", text: "Ana" }] }] } },
      location: { location: { latitude: -23.55, longitude: -46.63, name: "Shop" } },
      contacts: { contacts: [{ name: { formatted_name: "Ana" }, phones: [{ phone: "+5511999999999" }] }] },
      reaction: { reaction: { message_id: "wamid.X", emoji: "👍" } },
    };
    for (const [type, payload] of Object.entries(bodies)) {
      const res = await send(app, { ...messageBase, type, ...payload });
      expect({ type, status: res.status, body: res.body }).toEqual({
        type,
        status: 200,
        body: { messaging_product: "whatsapp", contacts: [{ input: CUSTOMER, wa_id: CUSTOMER }], messages: [{ id: expect.stringMatching(/^wamid\./), message_status: "accepted" }] },
      });
    }
    expect(store.sent().map((s) => s.type)).toEqual(["text", "image", "document", "audio", "video", "sticker", "interactive", "interactive", "template", "location", "contacts", "reaction"]);
  });

  it("answers mark-as-read with {success:true}", async () => {
    const { app } = sandbox();
    const res = await send(app, { messaging_product: "whatsapp", status: "read", message_id: "wamid.IN" });
    expect([res.status, res.body]).toEqual([200, { success: true }]);
  });

  it("answers Cloud API errors in the Cloud API shape", async () => {
    const { app } = sandbox();
    const missingTo = await send(app, { messaging_product: "whatsapp", type: "text", text: { body: "hi" } });
    expect(missingTo.status).toBe(400);
    expect(missingTo.body).toEqual({
      error: {
        message: "(#131008) Required parameter is missing", type: "OAuthException", code: 131008,
        error_data: { messaging_product: "whatsapp", details: "The parameter to is required." }, fbtrace_id: expect.any(String),
      },
    });
    const unknownTemplate = await send(app, { ...messageBase, type: "template", template: { name: "nope", language: { code: "en_US" } } });
    expect([unknownTemplate.status, unknownTemplate.body.error.code]).toEqual([404, 132001]);
    const unknownMedia = await send(app, { ...messageBase, type: "image", image: { id: "1234567890123456" } });
    expect(unknownMedia.body.error.message).toBe("(#100) Param image['id'] is not a valid whatsapp business account media attachment ID");
    const notJson = await request(app).post("/messages").set("D360-API-KEY", KEY_A).set("content-type", "application/json").send("{oops");
    expect([notJson.status, notJson.body.error.code]).toEqual([400, 100]);
  });

  it("fails sends with faults scripted through /_sandbox/d360/faults", async () => {
    const { app } = sandbox();
    const created = await request(app).post("/_sandbox/d360/faults").send({ phone_number_id: NUMBER_A, code: 131000 });
    expect(created.status).toBe(201);
    const failed = await send(app, { ...messageBase, type: "text", text: { body: "hi" } });
    expect([failed.status, failed.body.error.code]).toEqual([500, 131000]);
    expect((await send(app, { ...messageBase, type: "text", text: { body: "hi" } })).status).toBe(200);
  });
});

describe("webhook configuration and delivery", () => {
  it("stores the webhook per number and answers it back", async () => {
    const { app } = sandbox();
    const before = await request(app).get("/v1/configs/webhook").set("D360-API-KEY", KEY_A);
    expect(before.status).toBe(404);
    expect(before.body.meta).toMatchObject({ success: false, http_code: 404 });

    const set = await request(app).post("/v1/configs/webhook").set("D360-API-KEY", KEY_A).send({ url: "https://app.example/hook", headers: { Authorization: "Basic dTpw" } });
    expect([set.status, set.body]).toEqual([200, { url: "https://app.example/hook", headers: { Authorization: "Basic dTpw" } }]);
    expect((await request(app).get("/v1/configs/webhook").set("D360-API-KEY", KEY_A)).body).toEqual({ url: "https://app.example/hook", headers: { Authorization: "Basic dTpw" } });
    expect((await request(app).get("/v1/configs/webhook").set("D360-API-KEY", KEY_B)).status).toBe(404);
  });

  it("rejects a webhook without a valid URL with 360dialog's error body", async () => {
    const { app } = sandbox();
    const res = await request(app).post("/v1/configs/webhook").set("D360-API-KEY", KEY_A).send({ url: "not a url" });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ meta: { success: false, http_code: 400, developer_message: "Invalid request", details: [expect.stringContaining("url")] } });
  });

  it("delivers customer messages to the configured URL in Cloud API format, unsigned, with the configured headers", async () => {
    const { app } = sandbox();
    await configureWebhook(app, KEY_A, { "X-Webhook-Secret": "s3cr3t" });
    const res = await request(app).post("/_sandbox/d360/customer/messages").send({ phone_number_id: NUMBER_A, from: CUSTOMER, name: "Ana", text: "quiero pizza" });

    expect(res.status).toBe(200);
    expect(received).toHaveLength(1);
    const [hit] = received;
    expect(hit?.path).toBe(`/hooks/${KEY_A}`);
    expect(hit?.headers["x-webhook-secret"]).toBe("s3cr3t");
    expect(hit?.headers).not.toHaveProperty("x-hub-signature-256");
    expect(hit?.body).toEqual({
      object: "whatsapp_business_account",
      entry: [{
        id: expect.any(String),
        changes: [{
          field: "messages",
          value: {
            messaging_product: "whatsapp",
            metadata: { display_phone_number: expect.stringMatching(/^\d+$/), phone_number_id: NUMBER_A },
            contacts: [{ profile: { name: "Ana" }, wa_id: CUSTOMER }],
            messages: [{ from: CUSTOMER, id: res.body.wamids[0], timestamp: expect.stringMatching(/^\d+$/), type: "text", text: { body: "quiero pizza" } }],
          },
        }],
      }],
    });
  });

  it("posts sent and delivered statuses of a send to the number's webhook", async () => {
    const { app, settled } = sandbox();
    await configureWebhook(app, KEY_B, { "X-Tenant": "b" });
    const res = await send(app, { ...messageBase, type: "text", text: { body: "your order is ready" } }, KEY_B);
    await settled();

    const wamid: string = res.body.messages[0].id;
    expect(received.map((r) => [r.path, r.headers["x-tenant"], r.body.entry[0]?.changes[0]?.value.metadata.phone_number_id])).toEqual([
      [`/hooks/${KEY_B}`, "b", NUMBER_B], [`/hooks/${KEY_B}`, "b", NUMBER_B],
    ]);
    expect(received.map((r) => r.body.entry[0]?.changes[0]?.value.statuses?.map((s) => [s.id, s.status]))).toEqual([[[wamid, "sent"]], [[wamid, "delivered"]]]);
  });

  it("drops statuses while no webhook is configured and refuses customer messages with nowhere to go", async () => {
    const { app, settled } = sandbox();
    expect((await send(app, { ...messageBase, type: "text", text: { body: "hi" } })).status).toBe(200);
    await settled();
    expect(received).toHaveLength(0);
    const res = await request(app).post("/_sandbox/d360/customer/messages").send({ phone_number_id: NUMBER_A, from: CUSTOMER, text: "hi" });
    expect([res.status, res.body.error.code]).toEqual([400, "NO_CALLBACK_URL"]);
  });

  it("enforces the 24-hour window when asked, with the failure in a status webhook", async () => {
    const { app, settled } = sandbox({ enforceServiceWindow: true });
    await configureWebhook(app);
    await send(app, { ...messageBase, type: "text", text: { body: "cold" } });
    await settled();
    expect(received.map((r) => r.body.entry[0]?.changes[0]?.value.statuses?.[0]?.errors?.[0]?.code)).toEqual([131047]);

    received.length = 0;
    await request(app).post("/_sandbox/d360/customer/messages").send({ phone_number_id: NUMBER_A, from: CUSTOMER, text: "hi" }).expect(200);
    await send(app, { ...messageBase, type: "text", text: { body: "warm" } });
    await settled();
    expect(received.slice(1).map((r) => r.body.entry[0]?.changes[0]?.value.statuses?.[0]?.status)).toEqual(["sent", "delivered"]);
  });
});

describe("media", () => {
  it("uploads, describes with a lookaside URL, and downloads through the attachments path with the API key", async () => {
    const { app } = sandbox();
    const uploaded = await uploadPng(app, PNG);
    expect(uploaded.status).toBe(200);
    const id: string = uploaded.body.id;

    const described = await request(app).get(`/${id}`).set("D360-API-KEY", KEY_A);
    expect(described.status).toBe(200);
    expect(described.body).toEqual({
      url: expect.stringMatching(new RegExp(`^https://lookaside\\.fbsbx\\.com/whatsapp_business/attachments/\\?mid=${id}&ext=\\d+&hash=[\\w-]+$`)),
      mime_type: "image/png", sha256: createHash("sha256").update(PNG).digest("hex"), file_size: PNG.length, id, messaging_product: "whatsapp",
    });

    // What a 360dialog client does: swap Meta's host for 360dialog's and send its key along.
    const { pathname, search } = new URL(described.body.url);
    const downloaded = await binary(request(app).get(`${pathname}${search}`).set("D360-API-KEY", KEY_A));
    expect(downloaded.status).toBe(200);
    expect(downloaded.headers["content-type"]).toBe("image/png");
    expect(Buffer.compare(downloaded.body, PNG)).toBe(0);
    expect((await binary(request(app).post(`${pathname}${search}`).set("D360-API-KEY", KEY_A))).status).toBe(200);

    expect((await request(app).get(`${pathname}${search}`)).status).toBe(401);
    expect((await request(app).get(`${pathname}${search}`).set("D360-API-KEY", KEY_B)).status).toBe(401);
    expect((await request(app).get(`/${id}`).set("D360-API-KEY", KEY_B)).body.error).toMatchObject({ code: 100, error_subcode: 33 });
  });

  it("lets the app fetch a file a customer sent, and deletes media", async () => {
    const { app } = sandbox();
    await configureWebhook(app);
    const bytes = Buffer.from("%PDF-1.4 order");
    const sent = await request(app).post("/_sandbox/d360/customer/messages")
      .send({ phone_number_id: NUMBER_A, from: CUSTOMER, document: { content_base64: bytes.toString("base64"), filename: "order.pdf" } });
    const mediaId: string = sent.body.media_id;
    expect(received[0]?.body.entry[0]?.changes[0]?.value.messages?.[0]).toMatchObject({ type: "document", document: { id: mediaId, filename: "order.pdf", mime_type: "application/pdf" } });

    const link = (await request(app).get(`/_sandbox/d360/media/${mediaId}/download-url`)).body.download_url;
    const { pathname, search } = new URL(link);
    expect(Buffer.compare((await binary(request(app).get(`${pathname}${search}`).set("D360-API-KEY", KEY_A))).body, bytes)).toBe(0);

    expect((await request(app).delete(`/${mediaId}`).set("D360-API-KEY", KEY_A)).body).toEqual({ success: true });
    expect((await request(app).get(`/${mediaId}`).set("D360-API-KEY", KEY_A)).body.error).toMatchObject({ code: 100, error_subcode: 33 });
  });

  it("applies the Cloud API upload rules", async () => {
    const { app } = sandbox();
    const gif = await request(app).post("/media").set("D360-API-KEY", KEY_A).field("messaging_product", "whatsapp")
      .attach("file", Buffer.from("GIF89a"), { filename: "a.gif", contentType: "image/gif" });
    expect([gif.status, gif.body.error.code]).toEqual([400, 100]);
  });
});

describe("throughput and latency", () => {
  it("answers 429 / 130429 past the per-second rate of a number while the other is unaffected", async () => {
    let now = 1_700_000_000_000;
    const { app } = sandbox({ ratePerSecond: 2, now: () => now });
    const text = { ...messageBase, type: "text", text: { body: "hi" } };
    expect((await send(app, text)).status).toBe(200);
    expect((await send(app, text)).status).toBe(200);
    const limited = await send(app, text);
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 130429, message: "(#130429) Rate limit hit" });
    expect((await send(app, text, KEY_B)).status).toBe(200);
    now += 1_001;
    expect((await send(app, text)).status).toBe(200);
  });

  it("delays answers set through /_sandbox/d360/latency and changes the rate at run time", async () => {
    const { app } = sandbox({ now: () => 0 });
    expect((await request(app).put("/_sandbox/d360/latency").send({ ms: 150 })).body).toEqual({ ms: 150 });
    const started = Date.now();
    expect((await send(app, { ...messageBase, type: "text", text: { body: "slow" } })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    expect((await request(app).put("/_sandbox/d360/rate-limit").send({ per_second: 1 })).body).toEqual({ per_second: 1 });
    await request(app).put("/_sandbox/d360/latency").send({ ms: 0 });
    expect((await send(app, { ...messageBase, type: "text", text: { body: "x" } })).status).toBe(429);
  });

  it("lists recorded messages under /_sandbox/d360/messages", async () => {
    const { app } = sandbox();
    await send(app, { ...messageBase, type: "text", text: { body: "hi" } }, KEY_B);
    const listed = await request(app).get("/_sandbox/d360/messages").query({ phone_number_id: NUMBER_B });
    expect(listed.body).toMatchObject([{ outcome: "accepted", phoneNumberId: NUMBER_B, to: CUSTOMER }]);
    await request(app).delete("/_sandbox/d360/messages").expect(204);
    expect((await request(app).get("/_sandbox/d360/messages")).body).toEqual([]);
  });
});
