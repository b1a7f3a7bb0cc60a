// Tests of Twilio's side of the webhooks: inbound customer messages, status callbacks and the
// 24 h window arrive at a real express receiver, signed so that twilio.validateRequest accepts
// them; customer media is served behind the account's Basic credentials.
import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from "@jest/globals";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import request from "supertest";
import twilio from "twilio";
import { createTwilioSandbox, type TwilioSandbox, type TwilioSandboxOptions } from "./messages-api.routes.js";
import { silentLogger } from "../logger.js";

const ACCOUNT = "AC0123456789abcdef0123456789abcdef";
const TOKEN = "auth-token-main";
const OTHER_ACCOUNT = "ACfedcba9876543210fedcba9876543210";
const OTHER_TOKEN = "auth-token-other";
const SERVICE = "MG0123456789abcdef0123456789abcdef";
const SENDER = "+15550001111";
const SERVICE_SENDER = "+15550001112";
const OTHER_SENDER = "+15550009999";
const CUSTOMER = "+5511987654321";
const TEMPLATE = "HX0123456789abcdef0123456789abcdef";
const wa = (e164: string) => `whatsapp:${e164}`;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
}

/** A stand-in for the app: keeps every webhook and answers like a Twilio app (empty TwiML). */
const received: Received[] = [];
let receiver: Server;
let receiverUrl: string;
let inboundUrl: string;
let statusUrl: string;

beforeAll(async () => {
  delete process.env.TWILIO_REGION;
  delete process.env.TWILIO_EDGE;
  const app = express();
  app.post(["/twilio/inbound", "/twilio/status", "/twilio/status-default"], express.urlencoded({ extended: false }), (req, res) => {
    received.push({ path: req.path, headers: req.headers, params: { ...(req.body as Record<string, string>) } });
    res.type("text/xml").send("<Response></Response>");
  });
  receiver = app.listen(0, "127.0.0.1");
  await once(receiver, "listening");
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  inboundUrl = `${receiverUrl}/twilio/inbound`;
  statusUrl = `${receiverUrl}/twilio/status`;
});

afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

interface Running {
  sandbox: TwilioSandbox;
  baseUrl: string;
  client: twilio.Twilio;
}

/** Listens first so the sandbox knows its own URL (MediaUrl links are built on it). */
async function start(overrides: Partial<TwilioSandboxOptions> = {}): Promise<Running> {
  const server = createServer();
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sandbox = createTwilioSandbox({
    accounts: { [ACCOUNT]: TOKEN, [OTHER_ACCOUNT]: OTHER_TOKEN },
    numbers: { [ACCOUNT]: [SENDER, SERVICE_SENDER], [OTHER_ACCOUNT]: [OTHER_SENDER] },
    messagingServices: { [SERVICE]: [SERVICE_SENDER] },
    callbackUrl: inboundUrl,
    publicBaseUrl: baseUrl,
    logger: silentLogger,
    ...overrides,
  });
  server.on("request", sandbox.app);
  const client = twilio(ACCOUNT, TOKEN);
  client.api.baseUrl = baseUrl;
  return { sandbox, baseUrl, client };
}

function signatureOf(hit: Received | undefined): string {
  const signature = hit?.headers["x-twilio-signature"];
  if (typeof signature !== "string") throw new Error("no X-Twilio-Signature header");
  return signature;
}

const statusesOf = (hits: Received[]) => hits.filter((h) => h.path === "/twilio/status").map((h) => [h.params.MessageStatus, h.params.ErrorCode]);

describe("inbound messages (customer.send)", () => {
  it("posts Twilio's signed inbound WhatsApp webhook and returns what the app answered", async () => {
    const { sandbox } = await start();
    const result = await sandbox.customer.send({ from: CUSTOMER, to: SENDER, profileName: "Ana", body: "quero pizza" });

    expect(result).toEqual({
      messageSid: expect.stringMatching(/^SM[0-9a-f]{32}$/), mediaUrls: [],
      status: 200, body: "<Response></Response>", contentType: expect.stringContaining("text/xml"),
    });
    const [hit] = received;
    expect(hit?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(hit?.params).toEqual({
      SmsMessageSid: result.messageSid, NumMedia: "0", ProfileName: "Ana", MessageType: "text", SmsSid: result.messageSid,
      WaId: "5511987654321", SmsStatus: "received", Body: "quero pizza", To: wa(SENDER), NumSegments: "1",
      ReferralNumMedia: "0", MessageSid: result.messageSid, AccountSid: ACCOUNT, From: wa(CUSTOMER), ApiVersion: "2010-04-01",
    });
    expect(twilio.validateRequest(TOKEN, signatureOf(hit), inboundUrl, hit?.params ?? {})).toBe(true);
  });

  it("fails validation when a parameter, the URL or the token differs", async () => {
    const { sandbox } = await start();
    await sandbox.customer.send({ from: CUSTOMER, to: SENDER, body: "R$ 10,00 & 'aspas' — ünïcode 👋" });
    const [hit] = received;
    const params = hit?.params ?? {};

    expect(twilio.validateRequest(TOKEN, signatureOf(hit), inboundUrl, params)).toBe(true);
    expect(twilio.validateRequest(TOKEN, signatureOf(hit), inboundUrl, { ...params, Body: "R$ 1000,00" })).toBe(false);
    expect(twilio.validateRequest(TOKEN, signatureOf(hit), inboundUrl, { ...params, Forged: "1" })).toBe(false);
    expect(twilio.validateRequest(TOKEN, signatureOf(hit), `${receiverUrl}/other`, params)).toBe(false);
    expect(twilio.validateRequest(OTHER_TOKEN, signatureOf(hit), inboundUrl, params)).toBe(false);
  });

  it("signs with the token of the account that owns the number and names its Messaging Service", async () => {
    const { sandbox } = await start();
    await sandbox.customer.send({ from: CUSTOMER, to: OTHER_SENDER, body: "oi" });
    await sandbox.customer.send({ from: CUSTOMER, to: SERVICE_SENDER, body: "oi" });
    const [other, viaService] = received;

    expect(other?.params.AccountSid).toBe(OTHER_ACCOUNT);
    expect(twilio.validateRequest(OTHER_TOKEN, signatureOf(other), inboundUrl, other?.params ?? {})).toBe(true);
    expect(other?.params).not.toHaveProperty("MessagingServiceSid");
    expect(viaService?.params.MessagingServiceSid).toBe(SERVICE);
  });

  it("sends a quick-reply button tap through POST /_sandbox/twilio/customer/messages", async () => {
    const { baseUrl } = await start({ callbackUrl: undefined });
    const replied = "SM11111111111111111111111111111111";
    const res = await request(baseUrl).post("/_sandbox/twilio/customer/messages").send({
      callback_url: inboundUrl, from: "whatsapp:+5511987654321", to: SENDER, button: { text: "Confirmar", payload: "confirm-order-42" },
      replied_message_sid: replied,
    });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 200, messageSid: expect.stringMatching(/^SM/) });
    expect(received[0]?.params).toMatchObject({
      MessageType: "button", Body: "Confirmar", ButtonText: "Confirmar", ButtonPayload: "confirm-order-42",
      OriginalRepliedMessageSid: replied, OriginalRepliedMessageSender: wa(SENDER), NumMedia: "0", ProfileName: "Customer 4321",
    });
    expect(twilio.validateRequest(TOKEN, signatureOf(received[0]), inboundUrl, received[0]?.params ?? {})).toBe(true);
  });

  it("answers sandbox errors for an unknown number, a missing callback and an unreachable app", async () => {
    const { baseUrl } = await start({ callbackUrl: undefined });
    const unknown = await request(baseUrl).post("/_sandbox/twilio/customer/messages").send({ callback_url: inboundUrl, from: CUSTOMER, to: "+15557770000", body: "x" });
    expect([unknown.status, unknown.body.error.code]).toEqual([400, "UNKNOWN_NUMBER"]);
    const noCallback = await request(baseUrl).post("/_sandbox/twilio/customer/messages").send({ from: CUSTOMER, to: SENDER, body: "x" });
    expect([noCallback.status, noCallback.body.error.code]).toEqual([400, "NO_CALLBACK_URL"]);
    const unreachable = await request(baseUrl).post("/_sandbox/twilio/customer/messages").send({ callback_url: "http://127.0.0.1:9/hook", from: CUSTOMER, to: SENDER, body: "x" });
    expect([unreachable.status, unreachable.body.error.code]).toEqual([502, "CALLBACK_UNREACHABLE"]);
    const empty = await request(baseUrl).post("/_sandbox/twilio/customer/messages").send({ callback_url: inboundUrl, from: CUSTOMER, to: SENDER });
    expect([empty.status, empty.body.error.code]).toEqual([400, "INVALID_REQUEST"]);
  });
});

describe("inbound media", () => {
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
  const basic = (sid: string, token: string) => `Basic ${Buffer.from(`${sid}:${token}`).toString("base64")}`;

  it("sends an MM webhook with MediaUrl0 / MediaContentType0 served by the fake", async () => {
    const { sandbox, baseUrl } = await start();
    const result = await sandbox.customer.send({ from: CUSTOMER, to: SENDER, media: [{ contentType: "image/jpeg", bytes: jpeg }] });

    expect(result.messageSid).toMatch(/^MM[0-9a-f]{32}$/);
    const params = received[0]?.params ?? {};
    expect(params).toMatchObject({ MessageSid: result.messageSid, NumMedia: "1", MessageType: "image", Body: "", MediaContentType0: "image/jpeg" });
    expect(params.MediaUrl0).toMatch(new RegExp(`^${baseUrl}/2010-04-01/Accounts/${ACCOUNT}/Messages/${result.messageSid}/Media/ME[0-9a-f]{32}$`));
    expect(result.mediaUrls).toEqual([params.MediaUrl0]);
    expect(twilio.validateRequest(TOKEN, signatureOf(received[0]), inboundUrl, params)).toBe(true);
  });

  it("requires the account's Basic credentials for the MediaUrl, then redirects to the bytes", async () => {
    const { sandbox } = await start();
    const { mediaUrls: [url] } = await sandbox.customer.send({ from: CUSTOMER, to: SENDER, body: "foto", media: [{ contentType: "image/jpeg", bytes: jpeg }] });
    if (url === undefined) throw new Error("no media URL");

    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe('Basic realm="Twilio API"');
    expect(await anonymous.json()).toMatchObject({ code: 20003, status: 401 });
    expect((await fetch(url, { headers: { authorization: basic(ACCOUNT, "wrong") } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: basic(OTHER_ACCOUNT, OTHER_TOKEN) } })).status).toBe(401);

    const redirect = await fetch(url, { headers: { authorization: basic(ACCOUNT, TOKEN) }, redirect: "manual" });
    expect(redirect.status).toBe(307);
    const followed = await fetch(url, { headers: { authorization: basic(ACCOUNT, TOKEN) } });
    expect(followed.status).toBe(200);
    expect(followed.headers.get("content-type")).toBe("image/jpeg");
    expect(Buffer.from(await followed.arrayBuffer())).toEqual(jpeg);
  });

  it("serves media without credentials when media auth is off, and 20404 for an unknown media SID", async () => {
    const { sandbox, baseUrl } = await start({ mediaAuth: false });
    const { mediaUrls: [url] } = await sandbox.customer.send({ from: CUSTOMER, to: SENDER, media: [{ contentType: "application/pdf" }] });
    if (url === undefined) throw new Error("no media URL");

    const res = await fetch(url);
    expect([res.status, res.headers.get("content-type")]).toEqual([200, "application/pdf"]);
    expect(received[0]?.params.MessageType).toBe("document");
    const unknown = await fetch(`${baseUrl}/2010-04-01/Accounts/${ACCOUNT}/Messages/MM00000000000000000000000000000000/Media/ME00000000000000000000000000000000`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 20404 });
  });
});

describe("status callbacks", () => {
  it("posts queued, sent and delivered, in order, to the send's StatusCallback, each signed", async () => {
    const { sandbox, client } = await start();
    await sandbox.customer.send({ from: CUSTOMER, to: SENDER, body: "oi" });
    received.length = 0;
    const message = await client.messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "seu pedido saiu", statusCallback: statusUrl });
    await sandbox.settled();

    expect(statusesOf(received)).toEqual([["queued", undefined], ["sent", undefined], ["delivered", undefined]]);
    for (const hit of received) expect(twilio.validateRequest(TOKEN, signatureOf(hit), statusUrl, hit.params)).toBe(true);
    expect(received[1]?.params).toEqual({
      SmsSid: message.sid, SmsStatus: "sent", MessageStatus: "sent", ChannelToAddress: "+551198765XXXX", To: wa(CUSTOMER),
      ChannelPrefix: "whatsapp", MessageSid: message.sid, AccountSid: ACCOUNT, StructuredMessage: "false", From: wa(SENDER),
      ApiVersion: "2010-04-01", ChannelInstallSid: expect.stringMatching(/^XE[0-9a-f]{32}$/),
    });
    expect(received[2]?.params).toMatchObject({ EventType: "DELIVERED", MessageStatus: "delivered" });
    const tampered = { ...received[2]?.params, MessageStatus: "read" };
    expect(twilio.validateRequest(TOKEN, signatureOf(received[2]), statusUrl, tampered)).toBe(false);
  });

  it("uses the default status callback when a send gives none, and posts nothing when status callbacks are off", async () => {
    const withDefault = await start({ defaultStatusCallback: `${receiverUrl}/twilio/status-default`, enforceSessionWindow: false });
    await withDefault.client.messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "x" });
    await withDefault.sandbox.settled();
    expect(received.map((h) => [h.path, h.params.MessageStatus])).toEqual([
      ["/twilio/status-default", "queued"], ["/twilio/status-default", "sent"], ["/twilio/status-default", "delivered"],
    ]);

    received.length = 0;
    const quiet = await start({ statusCallbacks: false, enforceSessionWindow: false });
    const message = await quiet.client.messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "x", statusCallback: statusUrl });
    await quiet.sandbox.settled();
    expect(received).toHaveLength(0);
    expect(quiet.sandbox.store.get(message.sid)?.status).toBe("queued");
  });

  it("reports a scripted failure through the callback with its ErrorCode", async () => {
    const { sandbox, client, baseUrl } = await start({ enforceSessionWindow: false });
    await request(baseUrl).post("/_sandbox/twilio/faults").send({ kind: "status_callback", code: 30008, status: "failed", to: CUSTOMER }).expect(201);
    const message = await client.messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "x", statusCallback: statusUrl });
    await sandbox.settled();

    expect(message.status).toBe("queued");
    expect(statusesOf(received)).toEqual([["queued", undefined], ["failed", "30008"]]);
    expect(twilio.validateRequest(TOKEN, signatureOf(received[1]), statusUrl, received[1]?.params ?? {})).toBe(true);
    expect(await client.messages(message.sid).fetch()).toMatchObject({ status: "failed", errorCode: 30008 });
  });
});

describe("the 24-hour customer service window", () => {
  it("accepts a free-form send to a contact who never wrote, then reports it undelivered with 63016", async () => {
    const { sandbox, client } = await start();
    const message = await client.messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "promo!", statusCallback: statusUrl });
    await sandbox.settled();

    expect(message.status).toBe("queued");
    expect(statusesOf(received)).toEqual([["queued", undefined], ["sent", undefined], ["undelivered", "63016"]]);
    expect(received[2]?.params).toMatchObject({ EventType: "UNDELIVERED", ErrorCode: "63016", MessageSid: message.sid });
    expect(twilio.validateRequest(TOKEN, signatureOf(received[2]), statusUrl, received[2]?.params ?? {})).toBe(true);
    expect(await client.messages(message.sid).fetch()).toMatchObject({ status: "undelivered", errorCode: 63016 });
  });

  it("opens when the customer writes to that sender, closes after 24 h, and never blocks templates", async () => {
    let now = Date.parse("2030-01-01T12:00:00Z");
    const { sandbox, client } = await start({ now: () => now });
    const send = async (params: { body?: string; contentSid?: string; from?: string }) => {
      received.length = 0;
      const { from = SENDER, ...rest } = params;
      await client.messages.create({ from: wa(from), to: wa(CUSTOMER), statusCallback: statusUrl, ...rest });
      await sandbox.settled();
      return statusesOf(received).at(-1);
    };

    await sandbox.customer.send({ from: CUSTOMER, to: SENDER, body: "oi" });
    expect(await send({ body: "olá, em que posso ajudar?" })).toEqual(["delivered", undefined]);
    expect(await send({ body: "from the other sender", from: SERVICE_SENDER })).toEqual(["undelivered", "63016"]);
    now += 24 * 60 * 60 * 1_000 - 1_000;
    expect(await send({ body: "still inside" })).toEqual(["delivered", undefined]);
    now += 2_000;
    expect(await send({ body: "too late" })).toEqual(["undelivered", "63016"]);
    expect(await send({ contentSid: TEMPLATE })).toEqual(["delivered", undefined]);
  });

  it("can be switched off", async () => {
    const { sandbox, client } = await start({ enforceSessionWindow: false });
    await client.messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "x", statusCallback: statusUrl });
    await sandbox.settled();
    expect(statusesOf(received).at(-1)).toEqual(["delivered", undefined]);
  });
});
