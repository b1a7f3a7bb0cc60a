// Webhook delivery to a real local receiver: the envelope and configured headers, byEvents
// paths, event subscriptions, the connection/QR/send/status events, retries with backoff until
// the receiver answers 2xx, giving up after `attempts`, and answers Evolution never retries.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from "@jest/globals";
import { createHmac } from "node:crypto";
import request from "supertest";
import { createEvolutionSandbox, type EvolutionSandboxOptions } from "./evolution.routes.js";
import { startEvolutionWebhookReceiver, type EvolutionWebhookReceiver, type ReceivedWebhook } from "./webhook-receiver.js";
import type { Logger } from "../logger.js";
import { silentLogger } from "../logger.js";

const KEY = "global-api-key";
const TOKEN = "shop-token";
const SERVER_URL = "https://evolution.sandbox.test";

let receiver: EvolutionWebhookReceiver;

beforeAll(async () => {
  receiver = await startEvolutionWebhookReceiver("/hooks/evolution");
});

afterAll(async () => {
  await receiver.close();
});

beforeEach(() => {
  receiver.reset();
});

function sandbox(overrides: Partial<EvolutionSandboxOptions> = {}) {
  return createEvolutionSandbox({
    globalApiKey: KEY,
    serverUrl: SERVER_URL,
    logger: silentLogger,
    webhookRetry: { attempts: 4, baseDelayMs: 40, maxDelayMs: 100, jitterFactor: 0 },
    ...overrides,
  });
}

type Sandbox = ReturnType<typeof sandbox>;

async function createShop(sb: Sandbox, webhook: object = {}, extra: object = {}) {
  const res = await request(sb.app).post("/instance/create").set("apikey", KEY).send({
    instanceName: "shop",
    integration: "WHATSAPP-BAILEYS",
    token: TOKEN,
    webhook: { url: receiver.url, byEvents: false, base64: false, headers: { "x-webhook-secret": "s3cret" }, ...webhook },
    ...extra,
  });
  expect(res.status).toBe(201);
  return res.body;
}

const events = (list: ReceivedWebhook[] = receiver.received) => list.map((w) => (w.body as { event: string }).event);
const bodyOf = (w: ReceivedWebhook) => w.body as { event: string; data: Record<string, unknown> } & Record<string, unknown>;

describe("webhook envelope", () => {
  it("posts connection.update and qrcode.updated while pairing, with the envelope, the configured headers and the instance token", async () => {
    const sb = sandbox();
    await createShop(sb, { events: ["QRCODE_UPDATED", "CONNECTION_UPDATE"] });
    const connect = await request(sb.app).get("/instance/connect/shop").set("apikey", TOKEN);
    await sb.settled();

    expect(events()).toEqual(["connection.update", "qrcode.updated"]);
    const [connecting, qr] = receiver.received.map(bodyOf);
    expect(connecting).toEqual({
      event: "connection.update",
      instance: "shop",
      data: { instance: "shop", state: "connecting", statusReason: 200 },
      destination: receiver.url,
      date_time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      server_url: SERVER_URL,
      apikey: TOKEN,
    });
    expect(qr?.data).toEqual({ qrcode: { instance: "shop", pairingCode: null, code: connect.body.code, base64: connect.body.base64 } });
    for (const hit of receiver.received) {
      expect(hit.path).toBe("/hooks/evolution");
      expect(hit.headers["x-webhook-secret"]).toBe("s3cret");
      expect(hit.headers["content-type"]).toMatch(/^application\/json/);
    }

    sb.instances.link("shop", { number: "+55 11 99999-0000", profileName: "Pizzaria" });
    const open = bodyOf(await receiver.waitFor((w) => bodyOf(w).data.state === "open"));
    expect(open).toMatchObject({
      sender: "5511999990000@s.whatsapp.net",
      data: { instance: "shop", wuid: "5511999990000@s.whatsapp.net", profileName: "Pizzaria", profilePictureUrl: null, state: "open", statusReason: 200 },
    });

    await request(sb.app).delete("/instance/logout/shop").set("apikey", TOKEN).expect(200);
    const closed = bodyOf(await receiver.waitFor((w) => bodyOf(w).data.state === "close"));
    expect(closed.data).toEqual({ instance: "shop", state: "close", statusReason: 401 });
  });

  it("appends the event to the URL path when byEvents is on", async () => {
    const sb = sandbox();
    await createShop(sb, { byEvents: true, events: ["QRCODE_UPDATED", "CONNECTION_UPDATE", "MESSAGES_UPSERT"] });
    await request(sb.app).get("/instance/connect/shop").set("apikey", TOKEN).expect(200);
    sb.instances.link("shop", {});
    await sb.customer.send({ instance: "shop", from: "5511987654321", text: "oi" });
    await sb.settled();

    // Deliveries run concurrently, as in Evolution: only their set is certain.
    expect(receiver.received.map((w) => `${bodyOf(w).event} ${w.path}`).sort()).toEqual([
      "connection.update /hooks/evolution/connection-update",
      "connection.update /hooks/evolution/connection-update",
      "messages.upsert /hooks/evolution/messages-upsert",
      "qrcode.updated /hooks/evolution/qrcode-updated",
    ]);
    expect(receiver.received.every((w) => bodyOf(w).destination === receiver.url)).toBe(true);
  });

  it("delivers only subscribed events, and every event when the list is empty", async () => {
    const only = sandbox();
    await createShop(only, { events: ["MESSAGES_UPSERT"] }, { qrcode: true });
    only.instances.link("shop", {});
    await only.customer.send({ instance: "shop", from: "5511987654321", text: "oi" });
    await only.settled();
    expect(events()).toEqual(["messages.upsert"]);

    receiver.reset();
    const all = sandbox();
    await createShop(all, { events: [] }, { qrcode: true });
    all.instances.link("shop", {});
    await all.customer.send({ instance: "shop", from: "5511987654321", text: "oi" });
    await all.settled();
    expect(events().sort()).toEqual(["connection.update", "connection.update", "contacts.upsert", "messages.upsert", "qrcode.updated"]);
  });

  it("sends null as apikey when the token is not exposed, and a signed JWT instead of a jwt_key header", async () => {
    const sb = sandbox({ exposeApiKeyInWebhooks: false });
    await createShop(sb, { events: ["CONNECTION_UPDATE"], headers: { jwt_key: "jwt-secret", "x-tenant": "7" } });
    await request(sb.app).get("/instance/connect/shop").set("apikey", TOKEN);
    await sb.settled();

    const [hit] = receiver.received;
    expect(bodyOf(hit as ReceivedWebhook).apikey).toBeNull();
    expect(hit?.headers.jwt_key).toBeUndefined();
    expect(hit?.headers["x-tenant"]).toBe("7");
    const [header, payload, signature] = (hit?.headers.authorization ?? "").replace(/^Bearer /, "").split(".");
    expect(createHmac("sha256", "jwt-secret").update(`${header}.${payload}`).digest("base64url")).toBe(signature);
    expect(JSON.parse(Buffer.from(payload ?? "", "base64url").toString())).toEqual({ iat: expect.any(Number), exp: expect.any(Number), app: "evolution", action: "webhook" });
  });
});

describe("webhook configuration endpoints", () => {
  it("sets and finds the webhook row, with all events when enabled with none, and none when disabled", async () => {
    const sb = sandbox();
    await request(sb.app).post("/instance/create").set("apikey", KEY).send({ instanceName: "shop", token: TOKEN }).expect(201);
    expect((await request(sb.app).get("/webhook/find/shop").set("apikey", TOKEN)).body).toBeNull();

    const set = await request(sb.app).post("/webhook/set/shop").set("apikey", TOKEN)
      .send({ webhook: { enabled: true, url: receiver.url, byEvents: true, base64: true, headers: { "x-webhook-secret": "abc" }, events: [] } });
    expect(set.status).toBe(201);
    expect(set.body).toEqual({
      id: expect.stringMatching(/^c[0-9a-z]{24}$/),
      url: receiver.url,
      headers: { "x-webhook-secret": "abc" },
      enabled: true,
      events: expect.arrayContaining(["MESSAGES_UPSERT", "CONNECTION_UPDATE", "SEND_MESSAGE", "MESSAGES_UPDATE", "QRCODE_UPDATED"]),
      webhookByEvents: true,
      webhookBase64: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      instanceId: expect.any(String),
    });
    expect((await request(sb.app).get("/webhook/find/shop").set("apikey", TOKEN)).body).toEqual(set.body);

    const disabled = await request(sb.app).post("/webhook/set/shop").set("apikey", TOKEN).send({ webhook: { enabled: false, url: receiver.url } });
    expect(disabled.body).toMatchObject({ id: set.body.id, enabled: false, events: [] });
    await request(sb.app).get("/instance/connect/shop").set("apikey", TOKEN);
    await sb.settled();
    expect(receiver.received).toEqual([]);
  });

  it("rejects a webhook body without url or with an unknown event in jsonschema's words", async () => {
    const sb = sandbox();
    await request(sb.app).post("/instance/create").set("apikey", KEY).send({ instanceName: "shop", token: TOKEN }).expect(201);
    const noUrl = await request(sb.app).post("/webhook/set/shop").set("apikey", TOKEN).send({ webhook: { enabled: true } });
    expect(noUrl.body).toEqual({ status: 400, error: "Bad Request", response: { message: [['webhook requires property "url"']] } });
    const badEvent = await request(sb.app).post("/webhook/set/shop").set("apikey", TOKEN).send({ webhook: { enabled: true, url: receiver.url, events: ["MESSAGE_RECEIVED"] } });
    expect(badEvent.body.response.message[0][0]).toMatch(/^webhook\.events\[0\] is not one of enum values: APPLICATION_STARTUP,/);
  });
});

describe("send.message and messages.update", () => {
  it("posts the sent message as send.message, then SERVER_ACK and DELIVERY_ACK, and READ when the customer reads it", async () => {
    const sb = sandbox({ statusDelayMs: 40 });
    await createShop(sb, { events: ["SEND_MESSAGE", "MESSAGES_UPDATE"] }, { qrcode: true });
    sb.instances.link("shop", {});
    const sent = await request(sb.app).post("/message/sendText/shop").set("apikey", TOKEN).send({ number: "5511987654321", text: "Pedido confirmado" });
    await sb.settled();

    expect(events()).toEqual(["send.message", "messages.update", "messages.update"]);
    expect(bodyOf(receiver.received[0] as ReceivedWebhook).data).toEqual(sent.body);
    const [record] = sb.store.sent();
    const update = (status: string) => ({ keyId: sent.body.key.id, remoteJid: "5511987654321@s.whatsapp.net", fromMe: true, status, instanceId: sent.body.instanceId, messageId: record?.messageId });
    expect(receiver.received.slice(1).map((w) => bodyOf(w).data)).toEqual([update("SERVER_ACK"), update("DELIVERY_ACK")]);

    const read = await request(sb.app).post(`/_sandbox/evolution/instances/shop/messages/${sent.body.key.id}/status`).send({ status: "READ" });
    expect(read.body).toEqual({ keyId: sent.body.key.id, status: "READ" });
    await sb.settled();
    expect(bodyOf(receiver.received[3] as ReceivedWebhook).data).toEqual(update("READ"));
    expect(sb.store.sent()[0]?.status).toBe("READ");
  });

  it("reports the configured statuses, or none", async () => {
    const sb = sandbox({ messageStatuses: [] });
    await createShop(sb, { events: ["SEND_MESSAGE", "MESSAGES_UPDATE"] }, { qrcode: true });
    sb.instances.link("shop", {});
    await request(sb.app).post("/message/sendText/shop").set("apikey", TOKEN).send({ number: "5511987654321", text: "x" }).expect(201);
    await sb.settled();
    expect(events()).toEqual(["send.message"]);
  });
});

describe("retries", () => {
  function capturingLogger() {
    const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
    const logger: Logger = {
      info: (msg, fields = {}) => lines.push({ level: "info", msg, fields }),
      warn: (msg, fields = {}) => lines.push({ level: "warn", msg, fields }),
      error: (msg, fields = {}) => lines.push({ level: "error", msg, fields }),
    };
    return { logger, lines };
  }

  async function deliverOne(sb: Sandbox) {
    await createShop(sb, { events: ["MESSAGES_UPSERT"] }, { qrcode: true });
    sb.instances.link("shop", {});
    return sb.customer.send({ instance: "shop", from: "5511987654321", text: "oi" });
  }

  it("retries a failing receiver with exponential backoff until it answers 200, re-posting the same event", async () => {
    const sb = sandbox();
    receiver.answerWith([500, 503, "drop"]);
    const sent = await deliverOne(sb);
    const delivery = await sb.webhooks.waitFor((d) => d.event === "messages.upsert");

    expect(delivery.outcome).toBe("delivered");
    expect(delivery.attempts.map((a) => a.status ?? "error")).toEqual([500, 503, "error", 200]);
    expect(receiver.received).toHaveLength(4);
    expect(new Set(receiver.received.map((w) => (bodyOf(w).data.key as { id: string }).id))).toEqual(new Set([sent.keyId]));
    const gaps = receiver.received.slice(1).map((w, i) => w.at - (receiver.received[i]?.at ?? 0));
    // base 40 ms doubling (40, 80) and capped at 100 ms
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    expect(gaps[1]).toBeGreaterThanOrEqual(75);
    expect(gaps[2]).toBeGreaterThanOrEqual(95);

    const log = await request(sb.app).get("/_sandbox/evolution/webhooks").query({ event: "messages.upsert" });
    expect(log.body).toMatchObject([{ outcome: "delivered", url: receiver.url, headerNames: ["x-webhook-secret"], attempts: [{ status: 500 }, { status: 503 }, { error: expect.any(String) }, { status: 200 }] }]);
  });

  it("gives up after `attempts` tries and logs it without the secret parts of the URL", async () => {
    const { logger, lines } = capturingLogger();
    const sb = sandbox({ logger });
    receiver.answerWith([502, 502, 502, 502, 502]);
    await createShop(sb, { url: `${receiver.url}?token=secret-in-url`, events: ["MESSAGES_UPSERT"] }, { qrcode: true });
    sb.instances.link("shop", {});
    await sb.customer.send({ instance: "shop", from: "5511987654321", text: "oi" });
    await sb.settled();

    expect(receiver.received).toHaveLength(4);
    expect(sb.webhooks.list()).toMatchObject([{ outcome: "gave_up", attempts: [{ status: 502 }, { status: 502 }, { status: 502 }, { status: 502 }] }]);
    const gaveUp = lines.find((l) => l.msg === "webhook delivery gave up");
    expect(gaveUp).toMatchObject({ level: "error", fields: { instance: "shop", event: "messages.upsert", attempts: 4, status: 502 } });
    expect(JSON.stringify(lines)).not.toContain("secret-in-url");
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it("does not retry answers Evolution treats as final (404)", async () => {
    const sb = sandbox();
    receiver.answerWith([404]);
    await deliverOne(sb);
    await sb.settled();
    expect(receiver.received).toHaveLength(1);
    expect(sb.webhooks.list()).toMatchObject([{ outcome: "rejected", attempts: [{ status: 404 }] }]);
  });

  it("retries an unreachable URL and gives up", async () => {
    const sb = sandbox({ webhookRetry: { attempts: 2, baseDelayMs: 10, jitterFactor: 0 } });
    await createShop(sb, { url: "http://127.0.0.1:9/hook", events: ["MESSAGES_UPSERT"] }, { qrcode: true });
    sb.instances.link("shop", {});
    await sb.customer.send({ instance: "shop", from: "5511987654321", text: "oi" });
    await sb.settled();
    expect(sb.webhooks.list()).toMatchObject([{ outcome: "gave_up", attempts: [{ error: expect.any(String) }, { error: expect.any(String) }] }]);
  });
});
