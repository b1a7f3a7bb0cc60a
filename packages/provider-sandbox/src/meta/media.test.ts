// Component tests of the fake's media endpoints, driven over HTTP the way an adapter uses them:
// upload, send by id, GET /{media-id}, download through the signed link (with and without the
// token, after expiry) and delete.
import { describe, it, expect } from "@jest/globals";
import { createHash } from "node:crypto";
import request from "supertest";
import type { Express } from "express";
import { createMetaSandbox, type MetaSandboxOptions } from "./cloud-api.routes.js";
import { silentLogger } from "../logger.js";

const TOKEN = "sandbox-token";
const OTHER_TOKEN = "other-token";
const NUMBER_A = "106540352242922";
const NUMBER_B = "106540352242923";
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");

function sandbox(overrides: Partial<MetaSandboxOptions> = {}) {
  return createMetaSandbox({
    accessTokens: { [NUMBER_A]: TOKEN, [NUMBER_B]: OTHER_TOKEN }, appSecret: "app-secret", logger: silentLogger, ...overrides,
  });
}

function upload(app: Express, file: { bytes: Buffer; contentType: string; filename?: string }, opts: { number?: string; token?: string | null; fields?: Record<string, string> } = {}) {
  const req = request(app).post(`/v23.0/${opts.number ?? NUMBER_A}/media`);
  const authed = opts.token === null ? req : req.set("authorization", `Bearer ${opts.token ?? TOKEN}`);
  const withFields = Object.entries(opts.fields ?? { messaging_product: "whatsapp", type: file.contentType })
    .reduce((r, [k, v]) => r.field(k, v), authed);
  return withFields.attach("file", file.bytes, { filename: file.filename ?? "file.bin", contentType: file.contentType });
}

async function uploadPng(app: Express, number = NUMBER_A, token = TOKEN): Promise<string> {
  const res = await upload(app, { bytes: PNG, contentType: "image/png", filename: "menu.png" }, { number, token });
  expect(res.status).toBe(200);
  return res.body.id;
}

function send(app: Express, body: object, number = NUMBER_A, token = TOKEN) {
  return request(app).post(`/v23.0/${number}/messages`).set("authorization", `Bearer ${token}`).send(body);
}

const image = (id: string) => ({ messaging_product: "whatsapp", to: "15550001", type: "image", image: { id, caption: "menu" } });

/** Path and query of a download link, to request it from the same app under supertest. */
const pathOf = (url: string) => {
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
};

describe("POST /{version}/{phone_number_id}/media", () => {
  it("stores the file and answers its id", async () => {
    const { app, media } = sandbox();
    const res = await upload(app, { bytes: PNG, contentType: "image/png", filename: "menu.png" });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: expect.stringMatching(/^[1-9]\d{15}$/) });
    expect(media.get(res.body.id)).toMatchObject({ phoneNumberId: NUMBER_A, mimeType: "image/png", fileSize: PNG.length, filename: "menu.png" });
  });

  it("takes the type field only when the file part has a generic content type", async () => {
    const { app, media } = sandbox();
    const res = await upload(app, { bytes: Buffer.from("%PDF-1.4"), contentType: "application/octet-stream" }, { fields: { messaging_product: "whatsapp", type: "application/pdf" } });
    expect(res.status).toBe(200);
    expect(media.get(res.body.id)?.mimeType).toBe("application/pdf");
  });

  it("rejects a file type WhatsApp does not support with (#100) listing the accepted types", async () => {
    const { app, media } = sandbox();
    const res = await upload(app, { bytes: Buffer.from("GIF89a"), contentType: "image/gif" });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: {
        message: expect.stringMatching(/^\(#100\) Param file must be a file with one of the following types: .*image\/jpeg, image\/png.*Received file of type 'image\/gif'\.$/),
        type: "OAuthException", code: 100, fbtrace_id: expect.any(String),
      },
    });
    expect(media.list()).toEqual([]);
  });

  it("enforces the size cap of the kind: a sticker over 500 KB is refused, a 500 KB one accepted", async () => {
    const { app } = sandbox();
    const tooBig = await upload(app, { bytes: Buffer.alloc(500 * 1024 + 1), contentType: "image/webp" });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error).toMatchObject({ code: 100, message: expect.stringContaining("at most 512000 bytes for sticker") });
    expect((await upload(app, { bytes: Buffer.alloc(500 * 1024), contentType: "image/webp" })).status).toBe(200);
  });

  it("requires messaging_product and a file", async () => {
    const { app } = sandbox();
    const noProduct = await upload(app, { bytes: PNG, contentType: "image/png" }, { fields: { type: "image/png" } });
    expect(noProduct.body.error).toMatchObject({ code: 100, message: "(#100) The parameter messaging_product is required." });
    const noFile = await request(app).post(`/v23.0/${NUMBER_A}/media`).set("authorization", `Bearer ${TOKEN}`).field("messaging_product", "whatsapp");
    expect([noFile.status, noFile.body.error.message]).toEqual([400, "(#100) The parameter file is required."]);
  });

  it("checks the token and the number before reading the file", async () => {
    const { app, media } = sandbox();
    const noToken = await upload(app, { bytes: PNG, contentType: "image/png" }, { token: null });
    expect([noToken.status, noToken.body.error.code]).toEqual([401, 190]);
    const foreign = await upload(app, { bytes: PNG, contentType: "image/png" }, { number: NUMBER_B, token: TOKEN });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error).toMatchObject({ code: 100, error_subcode: 33, message: expect.stringMatching(/^Unsupported post request\. Object with ID '106540352242923'/) });
    expect(media.list()).toEqual([]);
  });

  it("does not take over the messages route of the same number", async () => {
    const { app } = sandbox();
    await uploadPng(app);
    const res = await send(app, { messaging_product: "whatsapp", to: "15550001", type: "text", text: { body: "hi" } });
    expect(res.body.messages[0].id).toMatch(/^wamid\./);
  });
});

describe("sending media by id", () => {
  it("accepts an id this number uploaded", async () => {
    const { app, store } = sandbox();
    const id = await uploadPng(app);
    const res = await send(app, image(id));
    expect(res.status).toBe(200);
    expect(store.sent()).toMatchObject([{ type: "image", body: image(id) }]);
  });

  it("rejects an unknown id, or another number's, with Graph's (#100) naming the parameter", async () => {
    const { app, store } = sandbox();
    const othersId = await uploadPng(app, NUMBER_B, OTHER_TOKEN);
    for (const id of ["1234567890123456", othersId]) {
      const res = await send(app, image(id));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: {
          message: "(#100) Param image['id'] is not a valid whatsapp business account media attachment ID",
          type: "OAuthException", code: 100, fbtrace_id: expect.any(String),
        },
      });
    }
    expect(store.sent()).toEqual([]);
    expect(store.rejected().map((r) => r.code)).toEqual([100, 100]);
  });

  it("still sends media by link", async () => {
    const { app } = sandbox();
    const res = await send(app, { messaging_product: "whatsapp", to: "15550001", type: "document", document: { link: "https://example.com/menu.pdf", filename: "menu.pdf" } });
    expect(res.status).toBe(200);
  });

  it("checks ids in template parameters too", async () => {
    const { app } = sandbox({ templates: [{ name: "menu_of_the_day", language: "es", bodyParams: 0 }] });
    const template = (id: string) => ({
      messaging_product: "whatsapp", to: "15550001", type: "template",
      template: { name: "menu_of_the_day", language: { code: "es" }, components: [{ type: "header", parameters: [{ type: "image", image: { id } }] }] },
    });
    const bad = await send(app, template("999"));
    expect(bad.body.error.message).toBe("(#100) Param template['components'][0]['parameters'][0]['image']['id'] is not a valid whatsapp business account media attachment ID");
    expect((await send(app, template(await uploadPng(app)))).status).toBe(200);
  });
});

describe("GET /{version}/{media-id} and the download link", () => {
  it("describes the media with a download link on the sandbox itself", async () => {
    const { app } = sandbox({ publicBaseUrl: "http://sandbox.test:4010/" });
    const id = await uploadPng(app);
    const res = await request(app).get(`/v23.0/${id}`).set("authorization", `Bearer ${TOKEN}`);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      url: expect.stringMatching(new RegExp(`^http://sandbox\\.test:4010/whatsapp_business/attachments/\\?mid=${id}&ext=\\d{10}&hash=[\\w-]+$`)),
      mime_type: "image/png",
      sha256: createHash("sha256").update(PNG).digest("hex"),
      file_size: PNG.length,
      id,
      messaging_product: "whatsapp",
    });
  });

  it("downloads the bytes with the bearer token, and refuses without it", async () => {
    const { app } = sandbox();
    const id = await uploadPng(app);
    const { url } = (await request(app).get(`/v23.0/${id}`).set("authorization", `Bearer ${TOKEN}`)).body;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/whatsapp_business\/attachments\/\?mid=/);

    const ok = await request(app).get(pathOf(url)).set("authorization", `Bearer ${TOKEN}`).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => done(null, Buffer.concat(chunks)));
    });
    expect(ok.status).toBe(200);
    expect(ok.headers["content-type"]).toBe("image/png");
    expect(Buffer.compare(ok.body, PNG)).toBe(0);

    expect((await request(app).get(pathOf(url))).status).toBe(401);
    expect((await request(app).get(pathOf(url)).set("authorization", "Bearer nope")).status).toBe(401);
    expect((await request(app).get(pathOf(url)).set("authorization", `Bearer ${OTHER_TOKEN}`)).status).toBe(401);
  });

  it("refuses a link after about five minutes, or one whose signature was altered", async () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const { app } = sandbox({ now: () => now });
    const id = await uploadPng(app);
    const { url } = (await request(app).get(`/v23.0/${id}`).set("authorization", `Bearer ${TOKEN}`)).body;

    expect((await request(app).get(`${pathOf(url)}x`).set("authorization", `Bearer ${TOKEN}`)).status).toBe(404);
    now += 4 * 60_000;
    expect((await request(app).get(pathOf(url)).set("authorization", `Bearer ${TOKEN}`)).status).toBe(200);
    now += 61_000;
    const expired = await request(app).get(pathOf(url)).set("authorization", `Bearer ${TOKEN}`);
    expect([expired.status, expired.text]).toEqual([404, "URL signature expired"]);
  });

  it("answers Graph's 'Unsupported get request' for an unknown id or another number's media, and 190 without a token", async () => {
    const { app } = sandbox();
    const othersId = await uploadPng(app, NUMBER_B, OTHER_TOKEN);
    for (const id of ["1234567890123456", othersId]) {
      const res = await request(app).get(`/v23.0/${id}`).set("authorization", `Bearer ${TOKEN}`);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: {
          message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
          type: "GraphMethodException", code: 100, error_subcode: 33, fbtrace_id: expect.any(String),
        },
      });
    }
    const noToken = await request(app).get(`/v23.0/${othersId}`);
    expect([noToken.status, noToken.body.error.code]).toEqual([401, 190]);
  });

  it("checks an optional phone_number_id against the number that owns the media", async () => {
    const { app } = sandbox({ accessTokens: TOKEN, phoneNumberIds: [NUMBER_A, NUMBER_B] });
    const id = await uploadPng(app);
    expect((await request(app).get(`/v23.0/${id}`).query({ phone_number_id: NUMBER_A }).set("authorization", `Bearer ${TOKEN}`)).status).toBe(200);
    const wrong = await request(app).get(`/v23.0/${id}`).query({ phone_number_id: NUMBER_B }).set("authorization", `Bearer ${TOKEN}`);
    expect(wrong.body.error).toMatchObject({ code: 100, message: "(#100) Param phone_number_id is not a valid whatsapp business phone number id ID" });
  });
});

describe("DELETE /{version}/{media-id}", () => {
  it("deletes the media: it can no longer be described, downloaded or sent", async () => {
    const { app } = sandbox();
    const id = await uploadPng(app);
    const { url } = (await request(app).get(`/v23.0/${id}`).set("authorization", `Bearer ${TOKEN}`)).body;

    const res = await request(app).delete(`/v23.0/${id}`).set("authorization", `Bearer ${TOKEN}`);
    expect([res.status, res.body]).toEqual([200, { success: true }]);

    expect((await request(app).get(`/v23.0/${id}`).set("authorization", `Bearer ${TOKEN}`)).body.error).toMatchObject({ code: 100, error_subcode: 33 });
    expect((await request(app).get(pathOf(url)).set("authorization", `Bearer ${TOKEN}`)).status).toBe(404);
    expect((await send(app, image(id))).status).toBe(400);
    const again = await request(app).delete(`/v23.0/${id}`).set("authorization", `Bearer ${TOKEN}`);
    expect(again.body.error).toMatchObject({ code: 100, error_subcode: 33, message: expect.stringMatching(/^Unsupported delete request\./) });
  });

  it("answers a malformed id like Graph", async () => {
    const { app } = sandbox();
    const res = await request(app).delete("/v23.0/123_123").set("authorization", `Bearer ${TOKEN}`);
    expect([res.status, res.body.error.message, res.body.error.code]).toEqual([400, "(#100) Invalid post_id parameter", 100]);
  });
});
