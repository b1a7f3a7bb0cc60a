// POST/GET /webhooks/meta through the real HTTP app, on real Postgres and
// Redis: signature over the raw bytes, routing by phone_number_id, dedupe by
// wamid, what ends up on the inbound partition streams, and what is kept in
// webhooks.dead instead of being retried by Meta forever.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import request from "supertest";
import { buildMessagesWebhook, buildStatusWebhook, newWamid, signWebhookBody, type WebhookPayload } from "@fleet/provider-sandbox";
import { createLogger, createPostgresPool } from "@fleet/service-kit";
import { TEST_REDIS_URL, startRedisServer, type PrivateRedis } from "@fleet/testing";
import { INBOUND_PARTITIONS_KEY } from "@fleet/contracts";
import { configureMetaBot, inboundMark, inboundSince, newTenant, readInbound, readWebhookDeadLetters, startAdapterHarness, type AdapterHarness, type InboundMark } from "./harness.js";

const SHOP_NUMBER = "106540352242922";
const OTHER_SHOP_NUMBER = "106540352242933";
const UNKNOWN_NUMBER = "999000111222333";
const CUSTOMER = "5215512345678";

let h: AdapterHarness;
let tenantId: string;
let botId: string;
let otherTenantId: string;
let otherBotId: string;

function meta(phoneNumberId: string) {
  return { phoneNumberId, displayPhoneNumber: "15550001111" };
}

function textWebhook(phoneNumberId: string, text: string, id: string = newWamid(CUSTOMER)): WebhookPayload {
  return buildMessagesWebhook(meta(phoneNumberId), [{ from: CUSTOMER, name: "Ana López", id, text }]);
}

/** Posts exactly these bytes, signed with the app secret unless a signature is given (null: no header). */
function post(raw: string, signature?: string | null) {
  const req = request(h.app).post("/webhooks/meta").set("content-type", "application/json");
  if (signature !== null) req.set("x-hub-signature-256", signature ?? signWebhookBody(h.appSecret, raw));
  return req.send(raw);
}

function streamMark(): Promise<InboundMark> {
  return inboundMark(h.redis, h.config.INBOUND_PARTITIONS);
}

function appendedSince(mark: InboundMark) {
  return inboundSince(h.redis, mark, h.config.INBOUND_PARTITIONS);
}

async function deadLettersSince(count: number) {
  return (await readWebhookDeadLetters(h.redis)).slice(count).map((item) => item.fields);
}

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metrics = await request(h.app).get("/metrics");
  const line = metrics.text.split("\n").find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? 0 : Number(line.trim().split(" ").pop());
}

beforeAll(async () => {
  h = await startAdapterHarness({ phoneNumberIds: [SHOP_NUMBER, OTHER_SHOP_NUMBER] });
  tenantId = newTenant();
  otherTenantId = newTenant();
  botId = await configureMetaBot(h.client, { tenantId, phoneNumberId: SHOP_NUMBER, accessToken: h.accessToken });
  otherBotId = await configureMetaBot(h.client, { tenantId: otherTenantId, phoneNumberId: OTHER_SHOP_NUMBER, accessToken: h.accessToken });
});

afterAll(async () => {
  await h.close();
});

describe("POST /webhooks/meta", () => {
  it("appends a correctly signed text message to its inbound partition once, routed to its bot and tenant", async () => {
    const mark = await streamMark();
    const wamid = newWamid(CUSTOMER);
    const response = await post(JSON.stringify(textWebhook(SHOP_NUMBER, "Hola, ¿tienen tenis talla 27?", wamid)));

    expect(response.status).toBe(200);
    const entries = await appendedSince(mark);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      kind: "message",
      tenantId,
      botId,
      provider: "meta",
      providerMessageId: wamid,
      from: CUSTOMER,
      contactName: "Ana López",
      type: "text",
      text: "Hola, ¿tienen tenis talla 27?",
    });
  });

  it("appends a message Meta delivers three times only once (dedupe by wamid)", async () => {
    const mark = await streamMark();
    const wamid = newWamid(CUSTOMER);
    const raw = JSON.stringify(textWebhook(SHOP_NUMBER, "¿Precio?", wamid));

    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await post(raw)).status).toBe(200);
    }

    const entries = await appendedSince(mark);
    expect(entries.map((e) => e.providerMessageId)).toEqual([wamid]);
  });

  it("appends every message of a batch spanning several entries and changes, each routed to its own bot", async () => {
    const mark = await streamMark();
    const first = textWebhook(SHOP_NUMBER, "uno");
    const second = buildMessagesWebhook(meta(SHOP_NUMBER), [
      { from: "5215500000001", text: "dos" },
      { from: "5215500000002", text: "tres" },
    ]);
    const third = textWebhook(OTHER_SHOP_NUMBER, "cuatro");
    const [entryA] = first.entry;
    const [entryB] = second.entry;
    const [entryC] = third.entry;
    if (!entryA || !entryB || !entryC) throw new Error("builder returned no entry");
    // Entry 1 carries two changes (same number), entry 2 one change for another number.
    const batch: WebhookPayload = { object: "whatsapp_business_account", entry: [{ id: entryA.id, changes: [...entryA.changes, ...entryB.changes] }, entryC] };

    const response = await post(JSON.stringify(batch));

    expect(response.status).toBe(200);
    const entries = await appendedSince(mark);
    expect(entries.map((e) => (e.kind === "message" ? [e.text, e.botId, e.tenantId] : null)).sort()).toEqual(
      [
        ["uno", botId, tenantId],
        ["dos", botId, tenantId],
        ["tres", botId, tenantId],
        ["cuatro", otherBotId, otherTenantId],
      ].sort(),
    );
  });

  it("rejects a webhook whose signature does not match with 403 SIGNATURE_INVALID and appends nothing", async () => {
    const mark = await streamMark();
    const raw = JSON.stringify(textWebhook(SHOP_NUMBER, "forged"));

    const response = await post(raw, signWebhookBody("not-the-app-secret", raw));

    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("SIGNATURE_INVALID");
    expect(await appendedSince(mark)).toEqual([]);
  });

  it("rejects a webhook without X-Hub-Signature-256 with 401 SIGNATURE_MISSING and appends nothing", async () => {
    const mark = await streamMark();

    const response = await post(JSON.stringify(textWebhook(SHOP_NUMBER, "unsigned")), null);

    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("SIGNATURE_MISSING");
    expect(await appendedSince(mark)).toEqual([]);
  });

  it("rejects a body re-serialised after signing (same JSON, other whitespace): the signature covers the raw bytes", async () => {
    const mark = await streamMark();
    const payload = textWebhook(SHOP_NUMBER, "re-serialised");
    const signedBytes = JSON.stringify(payload);
    const reserialised = JSON.stringify(payload, null, 2);
    expect(JSON.parse(reserialised)).toEqual(JSON.parse(signedBytes));

    const response = await post(reserialised, signWebhookBody(h.appSecret, signedBytes));

    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("SIGNATURE_INVALID");
    expect(await appendedSince(mark)).toEqual([]);
  });

  it("acknowledges correctly signed bytes that are not JSON with 200 (so Meta stops retrying) and keeps them in webhooks.dead with the reason", async () => {
    const dead = (await readWebhookDeadLetters(h.redis)).length;
    const before = await metricValue("adapter_webhooks_dead_lettered_total", { provider: "meta", reason: "not_json" });
    const raw = '{"object":"whatsapp_business_account","entry":[';

    const response = await post(raw);

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ received: true, appended: 0, deadLettered: 1 });
    const letters = await deadLettersSince(dead);
    expect(letters).toEqual([{ provider: "meta", reason: "not_json", message: "Body is not JSON", receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), body: raw }]);
    expect(await metricValue("adapter_webhooks_dead_lettered_total", { provider: "meta", reason: "not_json" })).toBe(before + 1);
  });

  it("acknowledges signed JSON that is not a Cloud API notification with 200 and dead-letters it", async () => {
    const dead = (await readWebhookDeadLetters(h.redis)).length;
    const raw = JSON.stringify({ hello: "world" });

    const response = await post(raw);

    expect(response.status).toBe(200);
    const letters = await deadLettersSince(dead);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ provider: "meta", reason: "not_a_notification", body: raw });
    expect(letters[0]?.message).toContain("entry");
  });

  it("appends the good message of a batch of two and dead-letters alone the one whose timestamp no date can hold", async () => {
    const mark = await streamMark();
    const dead = (await readWebhookDeadLetters(h.redis)).length;
    const good = newWamid(CUSTOMER);
    const bad = newWamid(CUSTOMER);
    const payload = buildMessagesWebhook(meta(SHOP_NUMBER), [
      { from: CUSTOMER, id: good, text: "primero" },
      { from: CUSTOMER, id: bad, text: "segundo" },
    ]);
    const absurd = { from: CUSTOMER, id: bad, timestamp: "99999999999999999999", type: "text", text: { body: "segundo" } };
    const batch = {
      ...payload,
      entry: payload.entry.map((entry) => ({
        ...entry,
        changes: entry.changes.map((change) => ({ ...change, value: { ...change.value, messages: (change.value.messages ?? []).map((m) => (m.id === bad ? absurd : m)) } })),
      })),
    };

    const response = await post(JSON.stringify(batch));

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ appended: 1, deadLettered: 1 });
    expect((await appendedSince(mark)).map((e) => e.providerMessageId)).toEqual([good]);
    const letters = await deadLettersSince(dead);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ provider: "meta", reason: "malformed_item", message: expect.stringContaining("timestamp") });
    expect(JSON.parse(letters[0]?.body ?? "null")).toEqual(absurd);
  });

  it("acknowledges a message for a phone_number_id no bot uses with 200 and appends nothing", async () => {
    const mark = await streamMark();

    const response = await post(JSON.stringify(textWebhook(UNKNOWN_NUMBER, "¿hola?")));

    expect(response.status).toBe(200);
    expect(await appendedSince(mark)).toEqual([]);
  });

  it("appends an image message as a media reference (never a URL to fetch), and counts an unsupported type as unsupported_type in /metrics", async () => {
    const mark = await streamMark();
    const envelope = textWebhook(SHOP_NUMBER, "placeholder");
    const timestamp = String(Math.floor(Date.now() / 1000));
    const image = { from: CUSTOMER, id: newWamid(CUSTOMER), timestamp, type: "image", image: { id: "1479537139650973", mime_type: "image/jpeg", sha256: "d1c5d7b1e3f4a0b2", caption: "esta talla" } };
    const order = { from: CUSTOMER, id: newWamid(CUSTOMER), timestamp, type: "order", order: { catalog_id: "1", product_items: [] } };
    const payload = {
      ...envelope,
      entry: envelope.entry.map((entry) => ({ ...entry, changes: entry.changes.map((change) => ({ ...change, value: { ...change.value, messages: [image, order] } })) })),
    };

    const response = await post(JSON.stringify(payload));

    expect(response.status).toBe(200);
    expect(await appendedSince(mark)).toEqual([
      expect.objectContaining({
        kind: "message",
        type: "media",
        providerMessageId: image.id,
        text: "esta talla",
        media: { kind: "image", providerMediaId: "1479537139650973", mimeType: "image/jpeg", caption: "esta talla" },
      }),
    ]);
    const metrics = await request(h.app).get("/metrics");
    const line = metrics.text.split("\n").find((l) => l.startsWith("adapter_inbound_items_total{") && l.includes('type="order"') && l.includes('outcome="unsupported_type"'));
    expect(line).toBeDefined();
    expect(line?.trim().endsWith(" 1")).toBe(true);
  });

  it("appends a delivered status webhook as a kind:status entry", async () => {
    const mark = await streamMark();
    const wamid = newWamid(CUSTOMER);
    const payload = buildStatusWebhook(meta(SHOP_NUMBER), [{ id: wamid, status: "delivered", recipientId: CUSTOMER }]);

    const response = await post(JSON.stringify(payload));

    expect(response.status).toBe(200);
    const entries = await appendedSince(mark);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: "status", tenantId, botId, provider: "meta", providerMessageId: wamid, recipient: CUSTOMER, status: "delivered" });
  });
});

describe("GET /webhooks/meta (verification handshake)", () => {
  it("echoes the challenge as the body when the verify token matches", async () => {
    const response = await request(h.app).get("/webhooks/meta").query({ "hub.mode": "subscribe", "hub.verify_token": h.verifyToken, "hub.challenge": "1158201444" });

    expect(response.status).toBe(200);
    expect(response.text).toBe("1158201444");
  });

  it("answers 403 when the verify token is wrong", async () => {
    const response = await request(h.app).get("/webhooks/meta").query({ "hub.mode": "subscribe", "hub.verify_token": "wrong-token-0123456789", "hub.challenge": "1158201444" });

    expect(response.status).toBe(403);
    expect(response.text).not.toContain("1158201444");
  });
});

describe("POST /webhooks/meta while Redis is unavailable", () => {
  let privateRedis: PrivateRedis;

  beforeAll(async () => {
    privateRedis = await startRedisServer();
  });

  afterAll(async () => {
    await privateRedis.destroy();
  });

  it("answers 503 INTAKE_UNAVAILABLE (so Meta retries), dead-letters nothing, and accepts the same webhook once Redis is back", async () => {
    const adapter = h.compose(privateRedis.url, "outage:");
    const wamid = newWamid(CUSTOMER);
    const raw = JSON.stringify(textWebhook(SHOP_NUMBER, "¿siguen abiertos?", wamid));
    const postTo = (raw: string) => request(adapter.app).post("/webhooks/meta").set("content-type", "application/json").set("x-hub-signature-256", signWebhookBody(h.appSecret, raw)).send(raw);
    // Connected and scripts loaded before the outage, as in production.
    expect((await postTo(JSON.stringify(textWebhook(SHOP_NUMBER, "warm-up")))).status).toBe(200);

    await privateRedis.stop();
    const during = await postTo(raw);

    expect(during.status).toBe(503);
    expect(during.body.error.code).toBe("INTAKE_UNAVAILABLE");
    // A poison body whose dead letter cannot be written is not acknowledged either.
    const poison = await postTo("not json at all");
    expect(poison.status).toBe(503);
    expect(poison.body.error.code).toBe("INTAKE_UNAVAILABLE");

    await privateRedis.start();
    const deadline = Date.now() + 10_000;
    while (adapter.redis.status !== "ready" && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const after = await postTo(raw);

    expect(after.status).toBe(200);
    const entries = (await readInbound(adapter.redis, h.config.INBOUND_PARTITIONS)).map((item) => item.entry).filter((e) => e.providerMessageId === wamid);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ tenantId, botId, text: "¿siguen abiertos?" });
    // The outage was not taken for a poison webhook, even by a command queued while Redis was down.
    expect(await readWebhookDeadLetters(adapter.redis)).toEqual([]);
  });
});

describe("POST /webhooks/meta while Postgres is unavailable", () => {
  it("answers 503 INTAKE_UNAVAILABLE when the bot lookup fails, and dead-letters nothing", async () => {
    const unreachable = createPostgresPool({ url: "postgres://fleet@127.0.0.1:1/unreachable", schema: "adapter", logger: createLogger({ service: "whatsapp-adapter", level: "error" }) });
    try {
      const adapter = h.compose(h.config.REDIS_URL, h.config.REDIS_KEY_PREFIX, { pool: unreachable });
      const dead = (await readWebhookDeadLetters(h.redis)).length;
      const mark = await streamMark();
      const raw = JSON.stringify(textWebhook(SHOP_NUMBER, "¿hay envío?"));

      const response = await request(adapter.app).post("/webhooks/meta").set("content-type", "application/json").set("x-hub-signature-256", signWebhookBody(h.appSecret, raw)).send(raw);

      expect(response.status).toBe(503);
      expect(response.body.error.code).toBe("INTAKE_UNAVAILABLE");
      expect(await deadLettersSince(dead)).toEqual([]);
      expect(await appendedSince(mark)).toEqual([]);
    } finally {
      await unreachable.end();
    }
  });
});

describe("POST /webhooks/meta on a fleet started with another partition count", () => {
  it("refuses the webhook (503, so Meta retries) instead of putting it where no orchestrator reads", async () => {
    const prefix = `partitions-${Date.now()}:`;
    const adapter = h.compose(TEST_REDIS_URL, prefix);
    await adapter.redis.set(INBOUND_PARTITIONS_KEY, String(h.config.INBOUND_PARTITIONS * 2));
    const raw = JSON.stringify(textWebhook(SHOP_NUMBER, "hola", newWamid(CUSTOMER)));
    const response = await request(adapter.app).post("/webhooks/meta").set("content-type", "application/json").set("x-hub-signature-256", signWebhookBody(h.appSecret, raw)).send(raw);
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe("INTAKE_UNAVAILABLE");
    expect(await readInbound(adapter.redis, h.config.INBOUND_PARTITIONS)).toEqual([]);
    await adapter.redis.del(INBOUND_PARTITIONS_KEY);
  });
});
