// Component tests of the fake Graph send endpoint and its /_sandbox control endpoints, driven
// over HTTP the way an adapter or a test would use them.
import { describe, it, expect } from "@jest/globals";
import request from "supertest";
import type { Express } from "express";
import { createMetaSandbox, type MetaSandboxOptions } from "./cloud-api.routes.js";
import { silentLogger } from "../logger.js";

const TOKEN = "sandbox-token";
const NUMBER_A = "106540352242922";
const NUMBER_B = "106540352242923";

function sandbox(overrides: Partial<MetaSandboxOptions> = {}) {
  return createMetaSandbox({ accessTokens: TOKEN, phoneNumberIds: [NUMBER_A, NUMBER_B], appSecret: "app-secret", logger: silentLogger, ...overrides });
}

function textMessage(to: string, body = "hello") {
  return { messaging_product: "whatsapp", recipient_type: "individual", to, type: "text", text: { body } };
}

function send(app: Express, phoneNumberId: string, body: unknown, token: string | null = TOKEN) {
  const req = request(app).post(`/v23.0/${phoneNumberId}/messages`);
  return (token === null ? req : req.set("authorization", `Bearer ${token}`)).send(body as object);
}

const graphError = (code: number, extra: object = {}) => ({
  error: { message: expect.stringMatching(new RegExp(`^\\(#${code}\\) `)), type: "OAuthException", code, fbtrace_id: expect.any(String), ...extra },
});

describe("POST /{version}/{phone_number_id}/messages", () => {
  it("accepts a text message and answers with the Graph success shape", async () => {
    const { app, store } = sandbox();
    const res = await send(app, NUMBER_A, textMessage("+55 11 98765-4321"));

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      messaging_product: "whatsapp",
      contacts: [{ input: "+55 11 98765-4321", wa_id: "5511987654321" }],
      messages: [{ id: expect.stringMatching(/^wamid\.[A-Za-z0-9+/]+=*$/), message_status: "accepted" }],
    });
    const [sent] = store.sent();
    expect(sent).toMatchObject({
      phoneNumberId: NUMBER_A, to: "+55 11 98765-4321", waId: "5511987654321", type: "text",
      wamid: res.body.messages[0].id, body: textMessage("+55 11 98765-4321"),
    });
  });

  it("gives every accepted message its own wamid", async () => {
    const { app } = sandbox();
    const ids = await Promise.all([1, 2, 3].map(async () => (await send(app, NUMBER_A, textMessage("15550001"))).body.messages[0].id));
    expect(new Set(ids).size).toBe(3);
  });

  it("accepts any vNN.N version segment and rejects other paths like Graph", async () => {
    const { app } = sandbox();
    const res = await request(app).post(`/v19.0/${NUMBER_A}/messages`).set("authorization", `Bearer ${TOKEN}`).send(textMessage("15550001"));
    expect(res.status).toBe(200);
    const bad = await request(app).post(`/latest/${NUMBER_A}/messages`).set("authorization", `Bearer ${TOKEN}`).send(textMessage("15550001"));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 2500, type: "OAuthException" });
  });

  it("rejects a request without a bearer token with 401 and OAuthException 190", async () => {
    const { app, store } = sandbox();
    const res = await send(app, NUMBER_A, textMessage("15550001"), null);

    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: { message: "(#190) Invalid OAuth access token.", type: "OAuthException", code: 190, fbtrace_id: expect.stringMatching(/^\S{11}$/) },
    });
    expect(res.headers["www-authenticate"]).toContain("invalid_token");
    expect(store.sent()).toHaveLength(0);
    expect(store.rejected()).toMatchObject([{ phoneNumberId: NUMBER_A, to: "15550001", httpStatus: 401, code: 190 }]);
  });

  it("rejects a wrong token with 401", async () => {
    const { app } = sandbox();
    const res = await send(app, NUMBER_A, textMessage("15550001"), "not-the-token");
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe(190);
  });

  it("answers Graph's 'object does not exist' for an unknown number or another number's token", async () => {
    const { app } = sandbox({ accessTokens: { [NUMBER_A]: "token-a", [NUMBER_B]: "token-b" }, phoneNumberIds: undefined });
    const unknown = await send(app, "999999", textMessage("15550001"), "token-a");
    const foreign = await send(app, NUMBER_B, textMessage("15550001"), "token-a");

    for (const res of [unknown, foreign]) {
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: { message: expect.stringContaining("does not exist"), type: "GraphMethodException", code: 100, error_subcode: 33, fbtrace_id: expect.any(String) },
      });
    }
    expect((await send(app, NUMBER_B, textMessage("15550001"), "token-b")).status).toBe(200);
  });

  it("rejects a text body longer than 4096 characters with code 100 naming text['body']", async () => {
    const { app, store } = sandbox();
    const tooLong = await send(app, NUMBER_A, textMessage("15550001", "x".repeat(4097)));

    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toEqual(graphError(100, {
      error_data: { messaging_product: "whatsapp", details: expect.stringContaining("text['body']") },
    }));
    expect(store.rejected()[0]).toMatchObject({ code: 100, httpStatus: 400 });
    expect((await send(app, NUMBER_A, textMessage("15550001", "x".repeat(4096)))).status).toBe(200);
  });

  it("rejects a message without `to` with 131008 naming the parameter", async () => {
    const { app } = sandbox();
    const res = await send(app, NUMBER_A, { messaging_product: "whatsapp", type: "text", text: { body: "hi" } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(graphError(131008, { error_data: { messaging_product: "whatsapp", details: "The parameter to is required." } }));
  });

  it("rejects an interactive message with more than 3 reply buttons with code 100", async () => {
    const { app } = sandbox();
    const buttons = [1, 2, 3, 4].map((n) => ({ type: "reply", reply: { id: `b${n}`, title: `Option ${n}` } }));
    const res = await send(app, NUMBER_A, {
      messaging_product: "whatsapp", to: "15550001", type: "interactive",
      interactive: { type: "button", body: { text: "Pick one" }, action: { buttons } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(100);
    expect(res.body.error.error_data.details).toBe("Param interactive['action']['buttons'] must contain at most 3 elements.");
  });

  it("rejects an image with neither link nor id with 131008", async () => {
    const { app } = sandbox();
    const res = await send(app, NUMBER_A, { messaging_product: "whatsapp", to: "15550001", type: "image", image: { caption: "menu" } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 131008, error_data: { details: expect.stringContaining("image") } });
  });

  it("rejects a body that is not JSON with code 100", async () => {
    const { app } = sandbox();
    const res = await request(app).post(`/v23.0/${NUMBER_A}/messages`)
      .set("authorization", `Bearer ${TOKEN}`).set("content-type", "application/json").send("{not json");
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(100);
  });

  it("answers {success:true} to mark-as-read and records it apart from sends", async () => {
    const { app, store } = sandbox();
    const res = await send(app, NUMBER_A, { messaging_product: "whatsapp", status: "read", message_id: "wamid.ABC", typing_indicator: { type: "text" } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true });
    expect(store.sent()).toHaveLength(0);
    expect(store.list({ outcome: "read" })).toMatchObject([{ messageId: "wamid.ABC" }]);
  });
});

describe("throughput limit", () => {
  it("answers 429 / 130429 past the per-second rate for one number while another number is unaffected", async () => {
    let now = 1_700_000_000_000;
    const { app } = sandbox({ ratePerSecond: 2, now: () => now });
    expect((await send(app, NUMBER_A, textMessage("15550001"))).status).toBe(200);
    expect((await send(app, NUMBER_A, textMessage("15550002"))).status).toBe(200);

    const limited = await send(app, NUMBER_A, textMessage("15550003"));
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual(graphError(130429, { message: "(#130429) Rate limit hit", error_data: { messaging_product: "whatsapp", details: expect.any(String) } }));
    expect((await send(app, NUMBER_B, textMessage("15550003"))).status).toBe(200);

    now += 1_001;
    expect((await send(app, NUMBER_A, textMessage("15550003"))).status).toBe(200);
  });

  it("can be changed at run time through PUT /_sandbox/rate-limit", async () => {
    const { app } = sandbox({ ratePerSecond: 1, now: () => 0 });
    expect((await request(app).put("/_sandbox/rate-limit").send({ per_second: 3 })).body).toEqual({ per_second: 3 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await send(app, NUMBER_A, textMessage("15550001"))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe("fault injection", () => {
  it("fails the next N sends with the injected code, then recovers", async () => {
    const { app } = sandbox();
    const created = await request(app).post("/_sandbox/faults").send({ code: 131000, count: 2 });
    expect(created.status).toBe(201);

    const first = await send(app, NUMBER_A, textMessage("15550001"));
    const second = await send(app, NUMBER_B, textMessage("15550001"));
    const third = await send(app, NUMBER_A, textMessage("15550001"));
    expect([first.status, second.status, third.status]).toEqual([500, 500, 200]);
    expect(first.body).toEqual(graphError(131000, { message: "(#131000) Something went wrong" }));
  });

  it("scopes a fault to one number and honours the given HTTP status", async () => {
    const { app, faults } = sandbox();
    await request(app).post("/_sandbox/faults").send({ phone_number_id: NUMBER_B, code: 2, count: 1 });
    await request(app).post("/_sandbox/faults").send({ phone_number_id: NUMBER_B, code: 130429, httpStatus: 400 });

    expect((await send(app, NUMBER_A, textMessage("15550001"))).status).toBe(200);
    const down = await send(app, NUMBER_B, textMessage("15550001"));
    expect([down.status, down.body.error.code]).toEqual([503, 2]);
    const throttled = await send(app, NUMBER_B, textMessage("15550001"));
    expect([throttled.status, throttled.body.error.code]).toEqual([400, 130429]);
    expect(faults.list()).toEqual([]);
  });

  it("does not fail sends once faults are cleared", async () => {
    const { app } = sandbox();
    await request(app).post("/_sandbox/faults").send({ code: 131000, count: 5 });
    expect((await request(app).get("/_sandbox/faults")).body).toMatchObject([{ code: 131000, remaining: 5, httpStatus: 500 }]);
    await request(app).delete("/_sandbox/faults").expect(204);
    expect((await send(app, NUMBER_A, textMessage("15550001"))).status).toBe(200);
  });

  it("scopes a fault to one recipient (matched on digits): only sends to that contact fail, N times", async () => {
    const { app, faults } = sandbox();
    const created = await request(app).post("/_sandbox/faults").send({ to: "+52 1 55 1234 5678", code: 2, count: 2 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: "graph_error", to: "+52 1 55 1234 5678", code: 2, httpStatus: 503, remaining: 2 });

    const other = await send(app, NUMBER_A, textMessage("5215500000001"));
    const first = await send(app, NUMBER_A, textMessage("5215512345678"));
    const second = await send(app, NUMBER_B, textMessage("5215512345678"));
    const third = await send(app, NUMBER_A, textMessage("5215512345678"));

    expect(other.status).toBe(200);
    expect([first.status, first.body.error?.code, second.status, second.body.error?.code]).toEqual([503, 2, 503, 2]);
    expect(third.status).toBe(200);
    expect(faults.list()).toEqual([]);
  });

  it("combines a number and a recipient filter", async () => {
    const { app } = sandbox();
    await request(app).post("/_sandbox/faults").send({ phone_number_id: NUMBER_B, to: "15550001", code: 131000 });

    expect((await send(app, NUMBER_A, textMessage("15550001"))).status).toBe(200);
    expect((await send(app, NUMBER_B, textMessage("15550002"))).status).toBe(200);
    expect((await send(app, NUMBER_B, textMessage("15550001"))).status).toBe(500);
  });

  it("drop_connection: records the send as accepted, then closes the connection without an answer", async () => {
    const { app, store } = sandbox();
    const created = await request(app).post("/_sandbox/faults").send({ kind: "drop_connection", to: "15550001" });
    expect(created.body).toEqual({ kind: "drop_connection", to: "15550001", remaining: 1 });

    await expect(send(app, NUMBER_A, textMessage("15550001", "maybe"))).rejects.toThrow(/socket hang up|ECONNRESET/);

    expect(store.sent()).toMatchObject([{ phoneNumberId: NUMBER_A, to: "15550001", body: textMessage("15550001", "maybe") }]);
    expect((await send(app, NUMBER_A, textMessage("15550001"))).status).toBe(200);
  });

  it("missing_message_id: records the send and answers 200 without messages[0].id", async () => {
    const { app, store } = sandbox();
    await request(app).post("/_sandbox/faults").send({ kind: "missing_message_id", phone_number_id: NUMBER_A });

    const res = await send(app, NUMBER_A, textMessage("15550001"));

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ messaging_product: "whatsapp", contacts: [{ input: "15550001", wa_id: "15550001" }], messages: [{ message_status: "accepted" }] });
    expect(store.sent()).toHaveLength(1);
    const next = await send(app, NUMBER_A, textMessage("15550001"));
    expect(next.body.messages[0].id).toMatch(/^wamid\./);
  });

  it("rejects a fault of an unknown kind", async () => {
    const { app } = sandbox();
    const res = await request(app).post("/_sandbox/faults").send({ kind: "explode" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("INVALID_REQUEST");
  });

  it("rejects a fault request without a code", async () => {
    const { app } = sandbox();
    const res = await request(app).post("/_sandbox/faults").send({ count: 1 });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "INVALID_REQUEST", message: expect.stringContaining("code") });
  });
});

describe("recorded messages", () => {
  it("lists sends filtered by recipient, number and time, and clears them", async () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const { app } = sandbox({ now: () => now });
    await send(app, NUMBER_A, textMessage("+1 555 0001", "early"));
    now += 60_000;
    await send(app, NUMBER_A, textMessage("15550001", "late"));
    await send(app, NUMBER_B, textMessage("15550002", "other"));

    const byTo = await request(app).get("/_sandbox/messages").query({ to: "15550001" });
    expect(byTo.body.map((r: { body: { text: { body: string } } }) => r.body.text.body)).toEqual(["early", "late"]);
    const recent = await request(app).get("/_sandbox/messages").query({ phone_number_id: NUMBER_A, since: "2030-01-01T00:00:30Z" });
    expect(recent.body).toMatchObject([{ outcome: "accepted", to: "15550001", phoneNumberId: NUMBER_A }]);

    await request(app).delete("/_sandbox/messages").expect(204);
    expect((await request(app).get("/_sandbox/messages")).body).toEqual([]);
  });

  it("keeps only the newest records beyond its capacity", async () => {
    const { app, store } = sandbox({ storeCapacity: 3 });
    for (let i = 1; i <= 5; i++) await send(app, NUMBER_A, textMessage(`1555000${i}`));
    expect(store.sent().map((s) => s.to)).toEqual(["15550003", "15550004", "15550005"]);
  });

  it("waitFor resolves when a matching send arrives and rejects after its timeout", async () => {
    const { app, store } = sandbox();
    const waiting = store.waitFor((s) => s.waId === "15550009", 2_000);
    await send(app, NUMBER_A, textMessage("15550001"));
    await send(app, NUMBER_A, textMessage("+1 555 0009", "found"));
    await expect(waiting).resolves.toMatchObject({ to: "+1 555 0009", body: { text: { body: "found" } } });
    await expect(store.waitFor((s) => s.waId === "15550001")).resolves.toMatchObject({ waId: "15550001" });
    await expect(store.waitFor((s) => s.waId === "0", 50)).rejects.toThrow("no matching send within 50 ms");
  });
});
