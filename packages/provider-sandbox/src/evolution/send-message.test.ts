// Component tests of /message/sendText and /message/sendMedia over HTTP: the answer of an
// accepted send, each error Evolution gives (schema, blank text, media, number not on WhatsApp,
// instance not open), scripted faults, latency and the recorded messages.
import { describe, it, expect } from "@jest/globals";
import request from "supertest";
import { createEvolutionSandbox, type EvolutionSandboxOptions } from "./evolution.routes.js";
import { silentLogger } from "../logger.js";

const KEY = "global-api-key";
const TOKEN = "shop-token";
const NOT_ON_WHATSAPP = "5511900000000";

async function openShop(overrides: Partial<EvolutionSandboxOptions> = {}) {
  const sb = createEvolutionSandbox({ globalApiKey: KEY, logger: silentLogger, notOnWhatsApp: [NOT_ON_WHATSAPP], ...overrides });
  await request(sb.app).post("/instance/create").set("apikey", KEY).send({ instanceName: "shop", integration: "WHATSAPP-BAILEYS", token: TOKEN, qrcode: true }).expect(201);
  sb.instances.link("shop", { number: "5511999990000", profileName: "Pizzaria" });
  return sb;
}

type App = Awaited<ReturnType<typeof openShop>>["app"];

const sendText = (app: App, body: object, key = TOKEN) => request(app).post("/message/sendText/shop").set("apikey", key).send(body);
const sendMedia = (app: App, body: object, key = TOKEN) => request(app).post("/message/sendMedia/shop").set("apikey", key).send(body);

const badRequest = (...message: unknown[]) => ({ status: 400, error: "Bad Request", response: { message } });

describe("POST /message/sendText", () => {
  it("answers 201 with the message as Evolution prepares it: PENDING, pushName Você, the JID built from the number", async () => {
    const { app, store } = await openShop();
    const res = await sendText(app, { number: "+55 (11) 98765-4321", text: "Olá! Seu pedido saiu." });

    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      key: { remoteJid: "5511987654321@s.whatsapp.net", fromMe: true, id: expect.stringMatching(/^3EB0[0-9A-F]{18}$/) },
      pushName: "Você",
      status: "PENDING",
      message: { conversation: "Olá! Seu pedido saiu." },
      contextInfo: {
        mentionedJid: [],
        groupMentions: [],
        ephemeralSettingTimestamp: { low: expect.any(Number), high: 0, unsigned: false },
        disappearingMode: { initiator: 0 },
      },
      messageType: "conversation",
      messageTimestamp: expect.any(Number),
      instanceId: sb_instanceId(store.sent()[0]?.message.instanceId),
      source: "web",
    });
    expect(Math.abs(res.body.messageTimestamp - Date.now() / 1000)).toBeLessThan(5);
    expect(store.sent()).toMatchObject([{ instance: "shop", endpoint: "sendText", number: "+55 (11) 98765-4321", keyId: res.body.key.id, status: expect.any(String) }]);
  });

  it("applies Evolution's Brazilian ninth-digit rule when building the JID", async () => {
    const { app } = await openShop();
    const res = await sendText(app, { number: "5531987654321", text: "oi" });
    expect(res.body.key.remoteJid).toBe("553187654321@s.whatsapp.net");
  });

  it("quotes an earlier message when `quoted` names it", async () => {
    const { app } = await openShop();
    const first = await sendText(app, { number: "5511987654321", text: "Qual sabor?" });
    const reply = await sendText(app, { number: "5511987654321", text: "Temos calabresa", quoted: { key: { id: first.body.key.id } } });
    expect(reply.body.contextInfo).toMatchObject({ stanzaId: first.body.key.id, quotedMessage: { conversation: "Qual sabor?" } });
  });

  it("rejects schema violations with jsonschema's messages in a nested array", async () => {
    const { app, store } = await openShop();
    const missing = await sendText(app, { number: "5511987654321" });
    expect(missing.body).toEqual(badRequest(['instance requires property "text"']));
    const typed = await sendText(app, { number: 5511987654321, text: "x", delay: 1.5, linkPreview: "no" });
    expect(typed.body).toEqual(badRequest(["Invalid format", "linkPreview is not of a type(s) boolean", "Enter a value in milliseconds"]));
    const quoted = await sendText(app, { number: "5511987654321", text: "x", quoted: { key: {} } });
    expect(quoted.body).toEqual(badRequest(['quoted.key requires property "id"']));
    expect(store.rejected().map((r) => r.httpStatus)).toEqual([400, 400, 400]);
  });

  it("rejects a blank text with 'Text is required'", async () => {
    const { app } = await openShop();
    const res = await sendText(app, { number: "5511987654321", text: "   " });
    expect([res.status, res.body]).toEqual([400, badRequest("Text is required")]);
  });

  it("rejects a number that is not on WhatsApp with 400 and the onWhatsApp result", async () => {
    const { app, store, directory } = await openShop();
    const res = await sendText(app, { number: NOT_ON_WHATSAPP, text: "oi" });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(badRequest({ jid: `${NOT_ON_WHATSAPP}@s.whatsapp.net`, exists: false, number: NOT_ON_WHATSAPP }));
    expect(store.rejected()).toMatchObject([{ number: NOT_ON_WHATSAPP, httpStatus: 400 }]);

    directory.markOnWhatsApp(NOT_ON_WHATSAPP);
    expect((await sendText(app, { number: NOT_ON_WHATSAPP, text: "oi" })).status).toBe(201);
  });

  it("fails like Evolution when the instance is not open: raw 500s before the number check, 400 for a cached number", async () => {
    const { app, instances } = await openShop();
    await sendText(app, { number: "5511987654321", text: "first" }).expect(201);
    await request(app).post("/instance/create").set("apikey", KEY).send({ instanceName: "fresh" }).expect(201);

    const neverConnected = await request(app).post("/message/sendText/fresh").set("apikey", KEY).send({ number: "5511987654321", text: "x" });
    expect(neverConnected.status).toBe(500);
    expect(neverConnected.body).toEqual({ status: 500, error: "Internal Server Error", response: { message: "Cannot read properties of undefined (reading 'onWhatsApp')" } });

    instances.unlink("shop");
    const unknownNumber = await sendText(app, { number: "5511911112222", text: "x" });
    expect([unknownNumber.status, unknownNumber.body]).toEqual([500, { status: 500, error: "Internal Server Error", response: { message: "Connection Closed" } }]);
    const knownNumber = await sendText(app, { number: "5511987654321", text: "x" });
    expect([knownNumber.status, knownNumber.body]).toEqual([400, badRequest("Error: Connection Closed")]);
  });

  it("waits `delay` milliseconds (typing) before answering", async () => {
    const { app } = await openShop();
    const started = Date.now();
    await sendText(app, { number: "5511987654321", text: "digitando…", delay: 150 }).expect(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
  });

  it("delays the answer by the configured latency while recording the send at once", async () => {
    const { app, store, setResponseDelay } = await openShop();
    setResponseDelay(120);
    const started = Date.now();
    const answered = sendText(app, { number: "5511987654321", text: "slow" }).then((res) => ({ res, at: Date.now() }));
    const recorded = await store.waitFor((s) => s.message.message.conversation === "slow", 1_000);
    const recordedAt = Date.now();
    const { res, at } = await answered;
    expect(res.status).toBe(201);
    expect(res.body.key.id).toBe(recorded.keyId);
    expect(at - started).toBeGreaterThanOrEqual(115);
    expect(recordedAt).toBeLessThan(at);
  });
});

describe("POST /message/sendMedia", () => {
  const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");

  it("sends a base64 image as imageMessage (image/jpeg, Evolution converts images) with its caption", async () => {
    const { app, store } = await openShop();
    const res = await sendMedia(app, { number: "5511987654321", mediatype: "image", mimetype: "image/png", caption: "Cardápio", media: png.toString("base64") });

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ key: { fromMe: true }, status: "PENDING", messageType: "imageMessage" });
    expect(res.body.message.imageMessage).toMatchObject({
      url: expect.stringMatching(/^https:\/\/mmg\.whatsapp\.net\/v\/t62\.7118-24\/.+\.enc\?/),
      mimetype: "image/jpeg",
      caption: "Cardápio",
      fileLength: { low: png.length, high: 0, unsigned: true },
      height: 1,
      width: 1,
      directPath: expect.stringMatching(/^\/v\/t62/),
    });
    expect(store.sent()[0]?.media?.content?.equals(png)).toBe(true);
  });

  it("types a document by its file name, and names one sent without fileName after its URL (losing the extension)", async () => {
    const { app } = await openShop();
    const named = await sendMedia(app, { number: "5511987654321", mediatype: "document", media: "https://cdn.example.com/files/menu.pdf", fileName: "menu.pdf", caption: "Menu" });
    expect(named.status).toBe(201);
    expect(named.body.message.documentMessage).toMatchObject({ fileName: "menu.pdf", title: "menu.pdf", mimetype: "application/pdf", caption: "Menu" });

    const unnamed = await sendMedia(app, { number: "5511987654321", mediatype: "document", media: "https://cdn.example.com/files/menu.pdf" });
    expect(unnamed.body.message.documentMessage).toMatchObject({ fileName: "menu", mimetype: "false" });
    const typed = await sendMedia(app, { number: "5511987654321", mediatype: "document", media: "https://cdn.example.com/files/menu.pdf", mimetype: "application/pdf" });
    expect(typed.body.message.documentMessage).toMatchObject({ fileName: "menu", mimetype: "application/pdf" });
  });

  it("fails a base64 document without fileName, and a send without media, with Evolution's 500s", async () => {
    const { app } = await openShop();
    const noName = await sendMedia(app, { number: "5511987654321", mediatype: "document", media: png.toString("base64") });
    expect([noName.status, noName.body.response.message]).toEqual([500, ["TypeError: Cannot read properties of null (reading '1')"]]);
    const noMedia = await sendMedia(app, { number: "5511987654321", mediatype: "video" });
    expect(noMedia.status).toBe(500);
    expect(noMedia.body.response.message[0]).toMatch(/^TypeError \[ERR_INVALID_ARG_TYPE\]/);
  });

  it("checks the media before the recipient, and rejects an unknown mediatype", async () => {
    const { app } = await openShop();
    const mediaFirst = await sendMedia(app, { number: NOT_ON_WHATSAPP, mediatype: "audio" });
    expect(mediaFirst.status).toBe(500);
    const notOnWhatsApp = await sendMedia(app, { number: NOT_ON_WHATSAPP, mediatype: "audio", mimetype: "audio/ogg", media: "T2dnUw==" });
    expect(notOnWhatsApp.body.response.message).toEqual([{ jid: `${NOT_ON_WHATSAPP}@s.whatsapp.net`, exists: false, number: NOT_ON_WHATSAPP }]);
    const sticker = await sendMedia(app, { number: "5511987654321", mediatype: "sticker", media: "x" });
    expect(sticker.body).toEqual(badRequest(["mediatype is not one of enum values: image,document,video,audio"]));
  });

  it("downloads media URLs when told to, failing the send like Evolution when the URL does not answer", async () => {
    const { app } = await openShop({ fetchMediaUrls: true });
    const res = await sendMedia(app, { number: "5511987654321", mediatype: "document", fileName: "a.pdf", media: "http://127.0.0.1:9/a.pdf" });
    expect(res.status).toBe(500);
    expect(res.body.response.message[0]).toMatch(/^AxiosError: /);
  });
});

describe("faults", () => {
  it("answers the next N sends with the scripted status and Evolution's body, then recovers", async () => {
    const { app, faults } = await openShop();
    const created = await request(app).post("/_sandbox/evolution/faults").send({ status: 500, count: 2 });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ kind: "http_error", status: 500, remaining: 2 });

    const first = await sendText(app, { number: "5511987654321", text: "1" });
    const second = await sendMedia(app, { number: "5511987654321", mediatype: "audio", mimetype: "audio/ogg", media: "T2dnUw==" });
    const third = await sendText(app, { number: "5511987654321", text: "3" });
    expect([first.status, second.status, third.status]).toEqual([500, 500, 201]);
    expect(first.body).toEqual({ status: 500, error: "Internal Server Error", response: { message: "Connection Closed" } });
    expect(faults.list()).toEqual([]);
  });

  it("scopes a fault to an instance and a number, and answers 401 in the guard's words", async () => {
    const { app } = await openShop();
    await request(app).post("/_sandbox/evolution/faults").send({ status: 401, instance: "shop", number: "+55 11 98765-4321" }).expect(201);
    expect((await sendText(app, { number: "5511911112222", text: "other" })).status).toBe(201);
    const res = await sendText(app, { number: "5511987654321", text: "x" });
    expect([res.status, res.body]).toEqual([401, { status: 401, error: "Unauthorized", response: { message: "Unauthorized" } }]);
  });

  it("drop_connection: the message goes out and is recorded, but the caller gets no answer", async () => {
    const { app, store } = await openShop();
    await request(app).post("/_sandbox/evolution/faults").send({ kind: "drop_connection" }).expect(201);
    await expect(sendText(app, { number: "5511987654321", text: "maybe" })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(store.sent()).toMatchObject([{ number: "5511987654321", message: { message: { conversation: "maybe" } } }]);
    expect((await sendText(app, { number: "5511987654321", text: "again" })).status).toBe(201);
  });

  it("lists and clears faults, and rejects a malformed one", async () => {
    const { app } = await openShop();
    await request(app).post("/_sandbox/evolution/faults").send({ status: 503, count: 3, message: "upstream down" }).expect(201);
    expect((await request(app).get("/_sandbox/evolution/faults")).body).toEqual([{ kind: "http_error", status: 503, message: "upstream down", remaining: 3 }]);
    await request(app).delete("/_sandbox/evolution/faults").expect(204);
    expect((await sendText(app, { number: "5511987654321", text: "ok" })).status).toBe(201);
    const bad = await request(app).post("/_sandbox/evolution/faults").send({ status: 200 });
    expect([bad.status, bad.body.error.code]).toEqual([400, "INVALID_REQUEST"]);
  });
});

describe("recorded messages", () => {
  it("lists sends and rejections by number and outcome, and clears them", async () => {
    const { app } = await openShop();
    await sendText(app, { number: "5511987654321", text: "a" });
    await sendText(app, { number: "5511911112222", text: "b" });
    await sendText(app, { number: NOT_ON_WHATSAPP, text: "c" });

    const byNumber = await request(app).get("/_sandbox/evolution/messages").query({ number: "+55 11 98765-4321" });
    expect(byNumber.body).toMatchObject([{ outcome: "accepted", remoteJid: "5511987654321@s.whatsapp.net" }]);
    const rejected = await request(app).get("/_sandbox/evolution/messages").query({ outcome: "rejected" });
    expect(rejected.body).toMatchObject([{ number: NOT_ON_WHATSAPP, httpStatus: 400, error: { status: 400 } }]);
    await request(app).delete("/_sandbox/evolution/messages").expect(204);
    expect((await request(app).get("/_sandbox/evolution/messages")).body).toEqual([]);
  });
});

describe("control endpoints", () => {
  it("sets the latency and the numbers that are not on WhatsApp over HTTP", async () => {
    const { app } = await openShop();
    expect((await request(app).put("/_sandbox/evolution/latency").send({ ms: 80 })).body).toEqual({ ms: 80 });
    const put = await request(app).put("/_sandbox/evolution/not-on-whatsapp").send({ numbers: ["+55 11 98765-4321"] });
    expect(put.body).toEqual({ numbers: ["5511987654321"] });

    const started = Date.now();
    const res = await sendText(app, { number: "5511987654321", text: "x" });
    expect(res.body.response.message).toEqual([{ jid: "5511987654321@s.whatsapp.net", exists: false, number: "5511987654321" }]);
    expect(Date.now() - started).toBeLessThan(80);
    expect((await sendText(app, { number: NOT_ON_WHATSAPP, text: "x" })).status).toBe(201);
    expect((await request(app).get("/_sandbox/evolution/health")).body).toEqual({ status: "ok" });
    expect((await request(app).get("/_sandbox/evolution/nope")).status).toBe(404);
  });
});

describe("POST /chat/whatsappNumbers", () => {
  it("reports each number's JID and whether it is on WhatsApp", async () => {
    const { app } = await openShop();
    const res = await request(app).post("/chat/whatsappNumbers/shop").set("apikey", TOKEN).send({ numbers: ["5511987654321", NOT_ON_WHATSAPP] });
    expect(res.body).toEqual([
      { jid: "5511987654321@s.whatsapp.net", exists: true, number: "5511987654321" },
      { jid: `${NOT_ON_WHATSAPP}@s.whatsapp.net`, exists: false, number: NOT_ON_WHATSAPP },
    ]);
  });
});

function sb_instanceId(id: string | undefined): string {
  if (id === undefined) throw new Error("no send recorded");
  return id;
}
