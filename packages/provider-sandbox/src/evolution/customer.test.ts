// The customer side: messages typed on phones reach the instance's webhook as messages.upsert
// shaped like Evolution's (text, extended text, media, button / list / native-flow replies,
// the owner's own messages, LIDs, replies, duplicates), and their media can be downloaded
// through /chat/getBase64FromMediaMessage.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from "@jest/globals";
import request from "supertest";
import { createEvolutionSandbox, type EvolutionSandboxOptions } from "./evolution.routes.js";
import { startEvolutionWebhookReceiver, type EvolutionWebhookReceiver, type ReceivedWebhook } from "./webhook-receiver.js";
import { silentLogger } from "../logger.js";

const KEY = "global-api-key";
const TOKEN = "shop-token";
const CUSTOMER = "5511987654321";
const CUSTOMER_JID = `${CUSTOMER}@s.whatsapp.net`;

let receiver: EvolutionWebhookReceiver;

beforeAll(async () => {
  receiver = await startEvolutionWebhookReceiver();
});

afterAll(async () => {
  await receiver.close();
});

beforeEach(() => {
  receiver.reset();
});

async function openShop(overrides: Partial<EvolutionSandboxOptions> = {}, webhook: object = {}) {
  const sb = createEvolutionSandbox({ globalApiKey: KEY, logger: silentLogger, webhookRetry: { attempts: 2, baseDelayMs: 10, jitterFactor: 0 }, ...overrides });
  await request(sb.app).post("/instance/create").set("apikey", KEY).send({
    instanceName: "shop", integration: "WHATSAPP-BAILEYS", token: TOKEN, qrcode: true,
    webhook: { url: receiver.url, events: ["MESSAGES_UPSERT", "CONTACTS_UPSERT", "CONTACTS_UPDATE"], ...webhook },
  }).expect(201);
  sb.instances.link("shop", { number: "5511999990000", profileName: "Pizzaria" });
  await sb.settled();
  receiver.reset();
  return sb;
}

type Upsert = { event: string; data: { key: { id: string; fromMe: boolean; remoteJid: string }; message: Record<string, unknown> } & Record<string, unknown> };
const upserts = () => receiver.received.map((w: ReceivedWebhook) => w.body as Upsert).filter((b) => b.event === "messages.upsert");

const getBase64 = (app: ReturnType<typeof createEvolutionSandbox>["app"], body: object) =>
  request(app).post("/chat/getBase64FromMediaMessage/shop").set("apikey", TOKEN).send(body);

describe("customer messages", () => {
  it("delivers a text as messages.upsert with Evolution's data, then stores the contact (upsert once, update after)", async () => {
    const sb = await openShop();
    const result = await sb.customer.send({ instance: "shop", from: `+${CUSTOMER}`, pushName: "Ana", text: "Quero uma pizza" });
    await sb.customer.send({ instance: "shop", from: CUSTOMER, pushName: "Ana", text: "de calabresa" });
    await sb.settled();

    const [first] = upserts();
    expect(first?.data).toEqual({
      key: { remoteJid: CUSTOMER_JID, fromMe: false, id: result.keyId },
      pushName: "Ana",
      status: "DELIVERY_ACK",
      message: { conversation: "Quero uma pizza", messageContextInfo: { deviceListMetadataVersion: 2, messageSecret: expect.any(Object) } },
      messageType: "conversation",
      messageTimestamp: expect.any(Number),
      instanceId: expect.any(String),
      source: "android",
    });
    expect(result.keyId).toMatch(/^[0-9A-F]{32}$/);
    const contacts = receiver.received.map((w) => w.body as { event: string; data: unknown }).filter((b) => b.event.startsWith("contacts."));
    expect(contacts.map((c) => c.event).sort()).toEqual(["contacts.update", "contacts.upsert"]);
    expect(contacts[0]?.data).toEqual({ remoteJid: CUSTOMER_JID, pushName: "Ana", profilePicUrl: null, instanceId: expect.any(String) });
  });

  it("folds an extendedTextMessage into `conversation` (after messageContextInfo), or keeps it when told to", async () => {
    const sb = await openShop();
    await sb.customer.send({ instance: "shop", from: CUSTOMER, text: "veja https://example.com", textFormat: "extendedText" });
    await sb.settled();
    const folded = upserts()[0]?.data;
    expect(folded?.messageType).toBe("conversation");
    expect(Object.keys(folded?.message ?? {})).toEqual(["messageContextInfo", "conversation"]);
    expect(folded?.message.conversation).toBe("veja https://example.com");

    receiver.reset();
    const raw = await openShop({ foldExtendedText: false });
    await raw.customer.send({ instance: "shop", from: CUSTOMER, text: "veja", textFormat: "extendedText" });
    await raw.settled();
    expect(upserts()[0]?.data).toMatchObject({ messageType: "extendedTextMessage", message: { extendedTextMessage: { text: "veja" } } });
  });

  it("quotes the business message a reply answers", async () => {
    const sb = await openShop();
    const sent = await request(sb.app).post("/message/sendText/shop").set("apikey", TOKEN).send({ number: CUSTOMER, text: "Qual sabor?" });
    await sb.customer.send({ instance: "shop", from: CUSTOMER, text: "Calabresa", replyTo: sent.body.key.id });
    await sb.settled();
    expect(upserts()[0]?.data).toMatchObject({
      messageType: "conversation",
      message: { conversation: "Calabresa" },
      contextInfo: { stanzaId: sent.body.key.id, participant: "5511999990000@s.whatsapp.net", quotedMessage: { conversation: "Qual sabor?" } },
    });
  });

  it("shapes button, list and native-flow replies as Baileys does", async () => {
    const sb = await openShop();
    await sb.customer.send({ instance: "shop", from: CUSTOMER, buttonReply: { id: "yes", title: "Sim" } });
    await sb.customer.send({ instance: "shop", from: CUSTOMER, listReply: { id: "pizza-1", title: "Calabresa", description: "Grande" } });
    await sb.customer.send({ instance: "shop", from: CUSTOMER, interactiveReply: { id: "confirm", title: "Confirmar" } });
    await sb.settled();

    const byType = Object.fromEntries(upserts().map((u) => [u.data.messageType, u.data.message]));
    expect(byType.buttonsResponseMessage).toMatchObject({ buttonsResponseMessage: { selectedButtonId: "yes", selectedDisplayText: "Sim", type: 1 } });
    expect(byType.listResponseMessage).toMatchObject({ listResponseMessage: { title: "Calabresa", listType: 1, singleSelectReply: { selectedRowId: "pizza-1" }, description: "Grande" } });
    expect(byType.interactiveResponseMessage).toMatchObject({
      interactiveResponseMessage: { body: { text: "Confirmar" }, nativeFlowResponseMessage: { name: "quick_reply", paramsJson: '{"id":"confirm"}', version: 3 } },
    });
  });

  it("delivers the owner's own messages typed on the phone with fromMe true", async () => {
    const sb = await openShop();
    await sb.customer.send({ instance: "shop", from: CUSTOMER, fromMe: true, text: "Já vou responder", device: "ios" });
    await sb.settled();
    expect(upserts()[0]?.data).toMatchObject({
      key: { remoteJid: CUSTOMER_JID, fromMe: true, id: expect.stringMatching(/^3A[0-9A-F]{18}$/) },
      pushName: "Pizzaria",
      status: "SERVER_ACK",
      source: "ios",
    });
  });

  it("reports a contact's LID next to its number, and a contact known only by LID as such", async () => {
    const sb = await openShop();
    await sb.customer.send({ instance: "shop", from: CUSTOMER, lid: "174788123316419", text: "oi" });
    await sb.customer.send({ instance: "shop", from: "174788123316420@lid", text: "oi" });
    await sb.settled();
    const keys = upserts().map((u) => u.data.key);
    expect(keys).toContainEqual(expect.objectContaining({ remoteJid: CUSTOMER_JID, remoteJidAlt: "174788123316419@lid", addressingMode: "pn" }));
    expect(keys).toContainEqual(expect.objectContaining({ remoteJid: "174788123316420@lid", fromMe: false }));
  });

  it("delivers the same message again with the same key.id (a duplicate delivery)", async () => {
    const sb = await openShop();
    const sent = await sb.customer.send({ instance: "shop", from: CUSTOMER, text: "oi" });
    const again = await request(sb.app).post(`/_sandbox/evolution/customer/messages/${sent.keyId}/redeliver`).send({ instance: "shop" });
    expect(again.status).toBe(201);
    await sb.settled();
    expect(upserts().map((u) => u.data.key.id)).toEqual([sent.keyId, sent.keyId]);
    expect(upserts()[1]?.data).toEqual(upserts()[0]?.data);
  });

  it("takes customer messages over HTTP and refuses them for unknown or unlinked instances", async () => {
    const sb = await openShop();
    const res = await request(sb.app).post("/_sandbox/evolution/customer/messages").send({ instance: "shop", from: CUSTOMER, text: "oi" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ keyId: expect.any(String), remoteJid: CUSTOMER_JID, message: { message: { conversation: "oi" } }, deliveries: [{ event: "messages.upsert" }, { event: "contacts.upsert" }] });

    const both = await request(sb.app).post("/_sandbox/evolution/customer/messages").send({ instance: "shop", from: CUSTOMER, text: "oi", buttonReply: { id: "a", title: "A" } });
    expect([both.status, both.body.error.code]).toEqual([400, "INVALID_REQUEST"]);
    const unknown = await request(sb.app).post("/_sandbox/evolution/customer/messages").send({ instance: "nope", from: CUSTOMER, text: "oi" });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "UNKNOWN_INSTANCE"]);
    sb.instances.unlink("shop");
    const closed = await request(sb.app).post("/_sandbox/evolution/customer/messages").send({ instance: "shop", from: CUSTOMER, text: "oi" });
    expect([closed.status, closed.body.error.code]).toEqual([409, "INSTANCE_NOT_CONNECTED"]);
  });
});

describe("media of customer messages", () => {
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);

  it("delivers an image as imageMessage and returns its bytes through getBase64FromMediaMessage", async () => {
    const sb = await openShop();
    const sent = await sb.customer.send({ instance: "shop", from: CUSTOMER, image: { mimetype: "image/jpeg", caption: "Meu endereço", base64: jpeg.toString("base64") } });
    await sb.settled();

    const upsert = upserts()[0]?.data;
    expect(upsert?.messageType).toBe("imageMessage");
    expect(upsert).not.toHaveProperty("contextInfo");
    expect(upsert?.message.imageMessage).toMatchObject({
      url: expect.stringMatching(/^https:\/\/mmg\.whatsapp\.net\//),
      mimetype: "image/jpeg",
      caption: "Meu endereço",
      fileLength: { low: jpeg.length, high: 0, unsigned: true },
      mediaKey: expect.any(Object),
      directPath: expect.any(String),
    });
    expect(upsert?.message).not.toHaveProperty("base64");

    const res = await getBase64(sb.app, { message: { key: { id: sent.keyId } }, convertToMp4: false });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      mediaType: "imageMessage",
      fileName: `${sent.keyId}.jpeg`,
      caption: "Meu endereço",
      size: { fileLength: { low: jpeg.length, high: 0, unsigned: true } },
      mimetype: "image/jpeg",
      base64: jpeg.toString("base64"),
      buffer: null,
    });
  });

  it("puts the bytes in message.base64 when the webhook asks for base64, and keeps document names", async () => {
    const sb = await openShop({}, { base64: true });
    const pdf = Buffer.from("%PDF-1.4 menu");
    const sent = await sb.customer.send({ instance: "shop", from: CUSTOMER, document: { mimetype: "application/pdf", fileName: "menu.pdf", base64: pdf.toString("base64") } });
    await sb.customer.send({ instance: "shop", from: CUSTOMER, audio: { mimetype: "audio/ogg; codecs=opus" } });
    await sb.settled();

    const [doc, audio] = upserts();
    expect(doc?.data.message).toMatchObject({ documentMessage: { fileName: "menu.pdf", mimetype: "application/pdf" }, base64: pdf.toString("base64") });
    expect(audio?.data.messageType).toBe("audioMessage");
    const res = await getBase64(sb.app, { message: { key: { id: sent.keyId } } });
    expect(res.body).toMatchObject({ mediaType: "documentMessage", fileName: "menu.pdf", base64: pdf.toString("base64") });
    const audioRes = await getBase64(sb.app, { message: { key: { id: audio?.data.key.id } }, convertToMp4: true });
    expect(audioRes.body).toMatchObject({ mediaType: "audioMessage", fileName: `${audio?.data.key.id}.oga`, mimetype: "audio/mp4" });
  });

  it("returns the media of a message the instance sent as base64", async () => {
    const sb = await openShop();
    const sent = await request(sb.app).post("/message/sendMedia/shop").set("apikey", TOKEN)
      .send({ number: CUSTOMER, mediatype: "document", fileName: "recibo.pdf", media: Buffer.from("%PDF recibo").toString("base64") });
    const res = await getBase64(sb.app, { message: { key: { id: sent.body.key.id } } });
    expect(res.body).toMatchObject({ mediaType: "documentMessage", fileName: "recibo.pdf", mimetype: "application/pdf", base64: Buffer.from("%PDF recibo").toString("base64") });
  });

  it("answers Evolution's 400s for an unknown message, a message without media and a body without message", async () => {
    const sb = await openShop();
    const text = await sb.customer.send({ instance: "shop", from: CUSTOMER, text: "oi" });
    const cases = [
      [{ message: { key: { id: "NOPE" } } }, "Message not found"],
      [{ message: { key: { id: text.keyId } } }, "The message is not of the media type"],
      [{}, "TypeError: Cannot read properties of undefined (reading 'key')"],
    ] as const;
    for (const [body, message] of cases) {
      const res = await getBase64(sb.app, body);
      expect([res.status, res.body]).toEqual([400, { status: 400, error: "Bad Request", response: { message: [message] } }]);
    }
  });
});
