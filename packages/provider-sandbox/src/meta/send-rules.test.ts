// Component tests of the send rules beyond the body's shape: approved templates (132001 unknown
// name or language, 132000 wrong parameter count) and the 24-hour customer service window
// (accepted, then failed by status webhook with 131047), driven over HTTP with a real receiver.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from "@jest/globals";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import request from "supertest";
import { createMetaSandbox, type MetaSandboxOptions } from "./cloud-api.routes.js";
import type { WebhookPayload, WebhookStatus } from "./customer.js";
import { silentLogger } from "../logger.js";

const TOKEN = "sandbox-token";
const NUMBER = "106540352242922";
const CUSTOMER = "5511987654321";

const received: WebhookPayload[] = [];
let receiver: Server;
let callbackUrl: string;

beforeAll(async () => {
  const app = express();
  app.post("/webhook", express.json(), (req, res) => {
    received.push(req.body);
    res.sendStatus(200);
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
  return createMetaSandbox({ accessTokens: TOKEN, phoneNumberIds: [NUMBER], appSecret: "app-secret", logger: silentLogger, ...overrides });
}

const send = (app: express.Express, body: object) =>
  request(app).post(`/v23.0/${NUMBER}/messages`).set("authorization", `Bearer ${TOKEN}`).send(body);

const template = (name: string, code: string, components?: unknown[]) => ({
  messaging_product: "whatsapp", recipient_type: "individual", to: CUSTOMER, type: "template",
  template: { name, language: { code }, ...(components === undefined ? {} : { components }) },
});
const text = (body = "hello") => ({ messaging_product: "whatsapp", to: CUSTOMER, type: "text", text: { body } });
const bodyParams = (...texts: string[]) => ({ type: "body", parameters: texts.map((t) => ({ type: "text", text: t })) });

const statuses = (): WebhookStatus[] => received.flatMap((p) => p.entry.flatMap((e) => e.changes.flatMap((c) => c.value.statuses ?? [])));

describe("templates", () => {
  const ORDER_READY = { name: "order_ready", language: "pt_BR", bodyParams: 2 };

  it("accepts the default hello_world/en_US and the configured templates with the right parameters", async () => {
    const { app, templates } = sandbox({ templates: [ORDER_READY] });
    expect(templates.list().map((t) => `${t.name}/${t.language}`)).toEqual(["hello_world/en_US", "order_ready/pt_BR"]);

    expect((await send(app, template("hello_world", "en_US"))).status).toBe(200);
    const ok = await send(app, template("order_ready", "pt_BR", [
      { type: "header", parameters: [{ type: "image", image: { link: "https://example.com/pizza.jpg" } }] },
      bodyParams("Ana", "#1042"),
      { type: "button", sub_type: "quick_reply", index: "0", parameters: [{ type: "payload", payload: "TRACK_1042" }] },
    ]));
    expect(ok.status).toBe(200);
    expect(ok.body.messages[0].id).toMatch(/^wamid\./);
  });

  it("rejects an unknown name, or a known one in another language, with 404 / 132001", async () => {
    const { app, store } = sandbox({ templates: [ORDER_READY] });
    for (const [name, code] of [["order_shipped", "pt_BR"], ["order_ready", "en_US"]] as const) {
      const res = await send(app, template(name, code, [bodyParams("Ana", "#1")]));
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        error: {
          message: "(#132001) Template name does not exist in the translation",
          type: "OAuthException", code: 132001,
          error_data: { messaging_product: "whatsapp", details: `template name (${name}) does not exist in ${code}` },
          fbtrace_id: expect.any(String),
        },
      });
    }
    expect(store.sent()).toEqual([]);
  });

  it("rejects a body with the wrong number of parameters with 400 / 132000", async () => {
    const { app } = sandbox({ templates: [ORDER_READY] });
    const tooFew = await send(app, template("order_ready", "pt_BR", [bodyParams("Ana")]));
    expect(tooFew.status).toBe(400);
    expect(tooFew.body.error).toMatchObject({
      message: "(#132000) Number of parameters does not match the expected number of params",
      code: 132000,
      error_data: { details: "body: number of localizable_params (1) does not match the expected number of params (2)" },
    });
    const missing = await send(app, template("order_ready", "pt_BR"));
    expect(missing.body.error.error_data.details).toBe("body: number of localizable_params (0) does not match the expected number of params (2)");
    const extra = await send(app, template("hello_world", "en_US", [bodyParams("surprise")]));
    expect(extra.body.error.code).toBe(132000);
  });

  it("validates the components: a button needs sub_type and index, a parameter a known type", async () => {
    const { app } = sandbox({ templates: [ORDER_READY] });
    const noSubType = await send(app, template("order_ready", "pt_BR", [bodyParams("a", "b"), { type: "button", index: 0, parameters: [] }]));
    expect(noSubType.body.error).toMatchObject({ code: 131008, error_data: { details: expect.stringContaining("template['components'][1]['sub_type']") } });
    const badParam = await send(app, template("order_ready", "pt_BR", [{ type: "body", parameters: [{ type: "emoji", emoji: "🍕" }] }]));
    expect(badParam.body.error).toMatchObject({ code: 100, error_data: { details: expect.stringContaining("template['components'][0]['parameters'][0]['type']") } });
    const noLanguage = await send(app, { ...template("order_ready", "pt_BR"), template: { name: "order_ready" } });
    expect(noLanguage.body.error).toMatchObject({ code: 131008, error_data: { details: "The parameter template['language'] is required." } });
  });
});

describe("24-hour customer service window", () => {
  const WINDOW_ERROR = {
    code: 131047, title: "Re-engagement message", message: "Re-engagement message",
    error_data: { details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number." },
  };

  it("accepts a free-form message to a customer who never wrote, then reports it failed with 131047", async () => {
    const { app, store, settled } = sandbox({ callbackUrl, statusCallbacks: true, enforceServiceWindow: true });
    const res = await send(app, text());
    await settled();

    expect(res.status).toBe(200);
    const wamid: string = res.body.messages[0].id;
    expect(wamid).toMatch(/^wamid\./);
    expect(statuses()).toEqual([{ id: wamid, status: "failed", timestamp: expect.stringMatching(/^\d+$/), recipient_id: CUSTOMER, errors: [WINDOW_ERROR] }]);
    expect(store.sent()).toMatchObject([{ wamid, failedCode: 131047 }]);
  });

  it("lets templates through outside the window", async () => {
    const { app, settled } = sandbox({ callbackUrl, statusCallbacks: true, enforceServiceWindow: true });
    const res = await send(app, template("hello_world", "en_US"));
    await settled();
    expect(statuses().map((s) => [s.id, s.status])).toEqual([[res.body.messages[0].id, "sent"], [res.body.messages[0].id, "delivered"]]);
  });

  it("opens the window when the customer writes, for 24 hours", async () => {
    let now = Date.parse("2030-01-01T12:00:00Z");
    const { app, settled } = sandbox({ callbackUrl, statusCallbacks: true, enforceServiceWindow: true, now: () => now });
    const inbound = await request(app).post("/_sandbox/customer/messages").send({ phone_number_id: NUMBER, from: `+${CUSTOMER}`, text: "oi" });
    expect(inbound.status).toBe(200);
    received.length = 0;

    now += 23 * 60 * 60_000;
    await send(app, text("still open"));
    await settled();
    expect(statuses().map((s) => s.status)).toEqual(["sent", "delivered"]);

    received.length = 0;
    now += 60 * 60_000;
    await send(app, text("too late"));
    await settled();
    expect(statuses()).toMatchObject([{ status: "failed", errors: [{ code: 131047 }] }]);
  });

  it("is not enforced by default", async () => {
    const { app, store, settled } = sandbox({ callbackUrl, statusCallbacks: true });
    await send(app, text());
    await settled();
    expect(statuses().map((s) => s.status)).toEqual(["sent", "delivered"]);
    expect(store.sent()[0]).not.toHaveProperty("failedCode");
  });
});
