// Component tests of the fake Twilio Messages API, driven by the real twilio SDK (v6) pointed at
// the fake through the client's base URL, plus its /_sandbox/twilio control endpoints.
import { describe, it, expect, beforeAll, afterEach } from "@jest/globals";
import { once } from "node:events";
import type { Server } from "node:http";
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
const UNKNOWN_ACCOUNT = "AC00000000000000000000000000000000";
const SERVICE = "MG0123456789abcdef0123456789abcdef";
const SENDER = "+15550001111";
const SENDER_B = "+15550001112";
const OTHER_SENDER = "+15550009999";
const CUSTOMER = "+5511987654321";
const TEMPLATE = "HX0123456789abcdef0123456789abcdef";

interface Running {
  sandbox: TwilioSandbox;
  baseUrl: string;
  client(accountSid?: string, authToken?: string): twilio.Twilio;
}

const servers: Server[] = [];

beforeAll(() => {
  // Region/edge rewrite the API host name; the fake is reached through the base URL only.
  delete process.env.TWILIO_REGION;
  delete process.env.TWILIO_EDGE;
});

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function start(overrides: Partial<TwilioSandboxOptions> = {}): Promise<Running> {
  const sandbox = createTwilioSandbox({
    accounts: { [ACCOUNT]: TOKEN, [OTHER_ACCOUNT]: OTHER_TOKEN },
    numbers: { [ACCOUNT]: [SENDER, SENDER_B], [OTHER_ACCOUNT]: [OTHER_SENDER] },
    messagingServices: { [SERVICE]: [SENDER_B] },
    enforceSessionWindow: false,
    logger: silentLogger,
    ...overrides,
  });
  const server = sandbox.app.listen(0, "127.0.0.1");
  servers.push(server);
  await once(server, "listening");
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    sandbox,
    baseUrl,
    client(accountSid = ACCOUNT, authToken = TOKEN) {
      const client = twilio(accountSid, authToken);
      client.api.baseUrl = baseUrl;
      return client;
    },
  };
}

const wa = (e164: string) => `whatsapp:${e164}`;
const RFC_2822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/;

/** The RestException the SDK throws, with the fields an adapter acts on. */
async function restError(promise: Promise<unknown>): Promise<{ status: unknown; code: unknown; moreInfo: unknown; message: unknown; isRestException: boolean }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof twilio.RestException)) throw error;
    return { status: error.status, code: error.code, moreInfo: error.moreInfo, message: error.message, isRestException: true };
  }
  throw new Error("the send was accepted");
}

describe("POST /2010-04-01/Accounts/{AccountSid}/Messages.json through the twilio SDK", () => {
  it("creates a WhatsApp text message and answers 201 with Twilio's Message resource", async () => {
    const { client, sandbox } = await start();
    const message = await client().messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "Olá! Seu pedido saiu 🚚" });

    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message).toMatchObject({
      accountSid: ACCOUNT, apiVersion: "2010-04-01", body: "Olá! Seu pedido saiu 🚚", direction: "outbound-api",
      from: wa(SENDER), to: wa(CUSTOMER), status: "queued", numMedia: "0", numSegments: "1",
      errorCode: null, errorMessage: null, price: null, priceUnit: "USD", messagingServiceSid: null, dateSent: null,
      uri: `/2010-04-01/Accounts/${ACCOUNT}/Messages/${message.sid}.json`,
      subresourceUris: { media: `/2010-04-01/Accounts/${ACCOUNT}/Messages/${message.sid}/Media.json` },
    });
    expect(message.dateCreated).toBeInstanceOf(Date);
    expect(Number.isNaN(message.dateCreated.getTime())).toBe(false);

    expect(sandbox.store.sent()).toMatchObject([{
      accountSid: ACCOUNT, sid: message.sid, from: wa(SENDER), to: wa(CUSTOMER), kind: "text",
      params: { To: wa(CUSTOMER), From: wa(SENDER), Body: "Olá! Seu pedido saiu 🚚" },
    }]);
  });

  it("answers exactly the JSON fields Twilio returns, dates in RFC 2822", async () => {
    const { baseUrl } = await start();
    const res = await request(baseUrl).post(`/2010-04-01/Accounts/${ACCOUNT}/Messages.json`)
      .auth(ACCOUNT, TOKEN).type("form").send({ To: wa(CUSTOMER), From: wa(SENDER), Body: "hi" });

    expect(res.status).toBe(201);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(Object.keys(res.body)).toEqual([
      "account_sid", "api_version", "body", "date_created", "date_sent", "date_updated", "direction", "error_code",
      "error_message", "from", "num_media", "num_segments", "price", "price_unit", "messaging_service_sid", "sid",
      "status", "subresource_uris", "to", "uri",
    ]);
    expect(res.body.date_created).toMatch(RFC_2822);
    expect(res.body.date_updated).toMatch(RFC_2822);
    expect(res.body.date_sent).toBeNull();
  });

  it("sends media (repeated MediaUrl) as an MM message and a Content template with its variables", async () => {
    const { client, sandbox } = await start();
    const media = await client().messages.create({
      from: wa(SENDER), to: wa(CUSTOMER), body: "menu", mediaUrl: ["https://cdn.example.com/menu.jpg", "https://cdn.example.com/menu-2.jpg"],
    });
    const template = await client().messages.create({
      from: wa(SENDER), to: wa(CUSTOMER), contentSid: TEMPLATE, contentVariables: JSON.stringify({ 1: "Ana", 2: "#1234" }),
    });

    expect(media.sid).toMatch(/^MM[0-9a-f]{32}$/);
    expect(media.numMedia).toBe("2");
    expect(template.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(sandbox.store.sent()).toMatchObject([
      { sid: media.sid, kind: "media", mediaUrls: ["https://cdn.example.com/menu.jpg", "https://cdn.example.com/menu-2.jpg"], params: { MediaUrl: ["https://cdn.example.com/menu.jpg", "https://cdn.example.com/menu-2.jpg"] } },
      { sid: template.sid, kind: "template", contentSid: TEMPLATE, contentVariables: { 1: "Ana", 2: "#1234" } },
    ]);
  });

  it("sends through a Messaging Service: 'accepted', from null until a sender is picked", async () => {
    const { client, sandbox } = await start();
    const message = await client().messages.create({ messagingServiceSid: SERVICE, to: wa(CUSTOMER), body: "hi" });

    expect(message).toMatchObject({ status: "accepted", from: null, messagingServiceSid: SERVICE, numSegments: "0" });
    expect(sandbox.store.get(message.sid)).toMatchObject({ from: wa(SENDER_B), messagingServiceSid: SERVICE });
  });

  it("lets the SDK fetch a sent message, whose status moves on to delivered", async () => {
    const { client, sandbox } = await start();
    const sent = await client().messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "hi" });
    await sandbox.settled();

    const fetched = await client().messages(sent.sid).fetch();
    expect(fetched).toMatchObject({ sid: sent.sid, status: "delivered", errorCode: null });
    expect(fetched.dateSent).toBeInstanceOf(Date);
    const missing = await restError(client().messages("SM00000000000000000000000000000000").fetch());
    expect(missing).toMatchObject({ status: 404, code: 20404 });
  });
});

describe("errors surface as the SDK's RestException with Twilio's code and status", () => {
  const cases: Array<[string, (r: Running) => Promise<unknown>, number, number]> = [
    ["a wrong auth token", (r) => r.client(ACCOUNT, "wrong").messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "x" }), 401, 20003],
    ["an unknown account", (r) => r.client(UNKNOWN_ACCOUNT, "whatever").messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "x" }), 401, 20003],
    ["valid credentials on another account's path", (r) => r.client().api.v2010.accounts(OTHER_ACCOUNT).messages.create({ from: wa(OTHER_SENDER), to: wa(CUSTOMER), body: "x" }), 401, 20003],
    ["a path account the sandbox does not know", (r) => r.client().api.v2010.accounts(UNKNOWN_ACCOUNT).messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "x" }), 404, 20404],
    ["an invalid To", (r) => r.client().messages.create({ from: wa(SENDER), to: "whatsapp:+12", body: "x" }), 400, 21211],
    ["a From that is not a hosted WhatsApp sender", (r) => r.client().messages.create({ from: wa("+15557770000"), to: wa(CUSTOMER), body: "x" }), 400, 63007],
    ["another account's sender as From", (r) => r.client().messages.create({ from: wa(OTHER_SENDER), to: wa(CUSTOMER), body: "x" }), 400, 63007],
    ["no Body, MediaUrl or ContentSid", (r) => r.client().messages.create({ from: wa(SENDER), to: wa(CUSTOMER) }), 400, 21602],
    ["a Body over 1600 characters", (r) => r.client().messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "x".repeat(1601) }), 400, 21617],
    ["more than 10 MediaUrl", (r) => r.client().messages.create({ from: wa(SENDER), to: wa(CUSTOMER), mediaUrl: Array.from({ length: 11 }, (_, i) => `https://cdn.example.com/${i}.jpg`) }), 400, 21623],
    ["ContentVariables that are not a JSON object", (r) => r.client().messages.create({ from: wa(SENDER), to: wa(CUSTOMER), contentSid: TEMPLATE, contentVariables: "{1: Ana" }), 400, 21656],
    ["a malformed ContentSid", (r) => r.client().messages.create({ from: wa(SENDER), to: wa(CUSTOMER), contentSid: "HX123" }), 400, 21655],
    ["a plain-number To from a WhatsApp sender", (r) => r.client().messages.create({ from: wa(SENDER), to: CUSTOMER, body: "x" }), 400, 21910],
  ];

  it.each(cases)("rejects %s", async (_name, send, status, code) => {
    const running = await start();
    const error = await restError(send(running));

    expect(error).toMatchObject({ isRestException: true, status, code, moreInfo: `https://www.twilio.com/docs/errors/${code}` });
    expect(typeof error.message).toBe("string");
    expect(running.sandbox.store.sent()).toHaveLength(0);
    expect(running.sandbox.store.rejected()).toMatchObject([{ httpStatus: status, code }]);
  });

  it("accepts a Body of exactly 1600 characters", async () => {
    const { client } = await start();
    await expect(client().messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "x".repeat(1600) })).resolves.toMatchObject({ status: "queued" });
  });

  it("answers 401 with a Basic challenge and Twilio's error body", async () => {
    const { baseUrl } = await start();
    const res = await request(baseUrl).post(`/2010-04-01/Accounts/${ACCOUNT}/Messages.json`).type("form").send({ To: wa(CUSTOMER), From: wa(SENDER), Body: "x" });
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe('Basic realm="Twilio API"');
    expect(res.body).toEqual({ code: 20003, message: "Authenticate", more_info: "https://www.twilio.com/docs/errors/20003", status: 401 });
  });

  it("answers 20404 for API paths it does not serve and lets other paths fall through", async () => {
    const { sandbox } = await start();
    const parent = express();
    parent.use(sandbox.app);
    parent.get("/_sandbox/health", (_req, res) => {
      res.json({ status: "meta" });
    });

    const unknown = await request(parent).get(`/2010-04-01/Accounts/${ACCOUNT}/Calls.json`).auth(ACCOUNT, TOKEN);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 20404, status: 404, more_info: "https://www.twilio.com/docs/errors/20404" });
    expect((await request(parent).get("/_sandbox/health")).body).toEqual({ status: "meta" });
    expect((await request(parent).get("/_sandbox/twilio/health")).body).toMatchObject({ status: "ok" });
  });
});

describe("per-sender throughput", () => {
  it("answers 429 / 20429 past the per-second rate for one sender while another sender is unaffected", async () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const { client } = await start({ ratePerSecond: 2, now: () => now });
    const send = (from: string) => client().messages.create({ from: wa(from), to: wa(CUSTOMER), body: "x" });
    await send(SENDER);
    await send(SENDER);

    expect(await restError(send(SENDER))).toMatchObject({ status: 429, code: 20429, message: "Too Many Requests" });
    await expect(send(SENDER_B)).resolves.toMatchObject({ status: "queued" });
    now += 1_001;
    await expect(send(SENDER)).resolves.toMatchObject({ status: "queued" });
  });

  it("can be changed at run time through PUT /_sandbox/twilio/rate-limit", async () => {
    const { client, baseUrl } = await start({ ratePerSecond: 1, now: () => 0 });
    expect((await request(baseUrl).put("/_sandbox/twilio/rate-limit").send({ per_second: 3 })).body).toEqual({ per_second: 3 });
    const outcomes: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(await client().messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "x" }).then(() => 201, (e: { status: number }) => e.status));
    }
    expect(outcomes).toEqual([201, 201, 201, 429]);
  });
});

describe("fault injection", () => {
  it("answers the next N sends of one sender with the injected code and status, then recovers", async () => {
    const { client, baseUrl, sandbox } = await start();
    const created = await request(baseUrl).post("/_sandbox/twilio/faults").send({ from: SENDER, code: 20500, count: 2 });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ kind: "error", from: SENDER, code: 20500, httpStatus: 500, remaining: 2 });

    const send = (from: string) => client().messages.create({ from: wa(from), to: wa(CUSTOMER), body: "x" });
    await expect(send(SENDER_B)).resolves.toMatchObject({ status: "queued" });
    expect(await restError(send(SENDER))).toMatchObject({ status: 500, code: 20500 });
    expect(await restError(send(SENDER))).toMatchObject({ status: 500, code: 20500 });
    await expect(send(SENDER)).resolves.toMatchObject({ status: "queued" });
    expect(sandbox.faults.list()).toEqual([]);
  });

  it("honours an explicit HTTP status and message, and scopes a fault to one contact", async () => {
    const { client, sandbox } = await start();
    sandbox.faults.add({ to: "+55 11 98765-4321", code: 20503, httpStatus: 503, message: "Service Unavailable" });
    sandbox.faults.add({ code: 20429 });

    expect(await restError(client().messages.create({ from: wa(SENDER), to: wa("+15550002222"), body: "x" }))).toMatchObject({ status: 429, code: 20429 });
    expect(await restError(client().messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "x" })))
      .toMatchObject({ status: 503, code: 20503, message: "Service Unavailable" });
  });

  it("drop_connection: records the send as accepted, then closes the connection without an answer", async () => {
    const { client, baseUrl, sandbox } = await start();
    await request(baseUrl).post("/_sandbox/twilio/faults").send({ kind: "drop_connection", to: CUSTOMER }).expect(201);

    await expect(client().messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "maybe" })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(sandbox.store.sent()).toMatchObject([{ to: wa(CUSTOMER), body: "maybe", status: expect.any(String) }]);
    await expect(client().messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "again" })).resolves.toMatchObject({ status: "queued" });
  });

  it("lists and clears faults, and rejects malformed ones with a sandbox error", async () => {
    const { baseUrl, client } = await start();
    await request(baseUrl).post("/_sandbox/twilio/faults").send({ code: 20500, count: 5 }).expect(201);
    expect((await request(baseUrl).get("/_sandbox/twilio/faults")).body).toMatchObject([{ kind: "error", code: 20500, remaining: 5 }]);
    await request(baseUrl).delete("/_sandbox/twilio/faults").expect(204);
    await expect(client().messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "x" })).resolves.toMatchObject({ status: "queued" });

    const bad = await request(baseUrl).post("/_sandbox/twilio/faults").send({ kind: "explode" });
    expect([bad.status, bad.body.error.code]).toEqual([400, "INVALID_REQUEST"]);
    const noCode = await request(baseUrl).post("/_sandbox/twilio/faults").send({ count: 1 });
    expect(noCode.body.error.message).toContain("code");
  });
});

describe("latency", () => {
  it("delays the answer set through PUT /_sandbox/twilio/latency while recording the send at once", async () => {
    const { client, baseUrl, sandbox } = await start();
    expect((await request(baseUrl).put("/_sandbox/twilio/latency").send({ ms: 300 })).body).toEqual({ ms: 300 });

    const started = Date.now();
    const pending = client().messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "slow" });
    await sandbox.store.waitFor((s) => s.body === "slow", 1_000);
    await pending;
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    sandbox.setResponseDelay(0);
    const quick = Date.now();
    await client().messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "fast" });
    expect(Date.now() - quick).toBeLessThan(290);
  });
});

describe("recorded messages", () => {
  it("lists accepted and rejected requests with their parameters, filtered, and clears them", async () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const { client, baseUrl } = await start({ now: () => now });
    await client().messages.create({ from: wa(SENDER), to: wa(CUSTOMER), body: "early" });
    now += 60_000;
    await client().messages.create({ from: wa(SENDER_B), to: wa("+15550002222"), body: "late" });
    await restError(client().messages.create({ from: wa(SENDER), to: "whatsapp:+1", body: "bad" }));

    const byTo = await request(baseUrl).get("/_sandbox/twilio/messages").query({ to: "+55 (11) 98765-4321" });
    expect(byTo.body).toMatchObject([{ outcome: "accepted", body: "early", params: { Body: "early", To: wa(CUSTOMER) } }]);
    const recent = await request(baseUrl).get("/_sandbox/twilio/messages").query({ since: "2030-01-01T00:00:30Z", outcome: "accepted" });
    expect(recent.body.map((r: { body: string }) => r.body)).toEqual(["late"]);
    const rejected = await request(baseUrl).get("/_sandbox/twilio/messages").query({ outcome: "rejected" });
    expect(rejected.body).toMatchObject([{ outcome: "rejected", code: 21211, httpStatus: 400, to: "whatsapp:+1", params: { Body: "bad" } }]);
    expect((await request(baseUrl).get("/_sandbox/twilio/messages").query({ from: SENDER_B })).body).toHaveLength(1);

    await request(baseUrl).delete("/_sandbox/twilio/messages").expect(204);
    expect((await request(baseUrl).get("/_sandbox/twilio/messages")).body).toEqual([]);
    const badSince = await request(baseUrl).get("/_sandbox/twilio/messages").query({ since: "yesterday" });
    expect([badSince.status, badSince.body.error.code]).toEqual([400, "INVALID_REQUEST"]);
  });

  it("refuses options that do not describe Twilio accounts", () => {
    expect(() => createTwilioSandbox({ accounts: { AC1: "t" }, numbers: [SENDER] })).toThrow(/AC followed by 32 hex/);
    expect(() => createTwilioSandbox({ accounts: { [ACCOUNT]: TOKEN }, numbers: ["15550001111"] })).toThrow(/E\.164/);
    expect(() => createTwilioSandbox({ accounts: { [ACCOUNT]: TOKEN, [OTHER_ACCOUNT]: OTHER_TOKEN }, numbers: [SENDER] })).toThrow(/accountSid → numbers/);
  });
});
