// Request bodies over HTTP: what reaches a handler, and the stable 4xx answers
// (413, 415, 400) with the fleet's error body for everything else — never 500.
import { request as httpRequest } from "node:http";
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import request from "supertest";
import { jsonBody } from "../src/http/json-body.middleware.js";
import { tinyApp } from "./tiny-app.harness.js";

const { app } = tinyApp((app) => {
  app.use("/api", jsonBody({ limit: 1024 }));
  app.all("/api/echo", (req, res) => {
    res.json({ body: (req.body as unknown) ?? null });
  });
});

function expectError(response: request.Response, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^application\/json/);
  expect(response.body).toEqual({ error: { code, message: expect.any(String), requestId: response.headers["x-request-id"] } });
}

describe("jsonBody", () => {
  it("hands a JSON object body to the handler", async () => {
    const response = await request(app).post("/api/echo").send({ name: "Ana", items: [1, 2] });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ body: { name: "Ana", items: [1, 2] } });
  });

  it("accepts +json types such as application/merge-patch+json", async () => {
    const response = await request(app).patch("/api/echo").set("content-type", "application/merge-patch+json").send(JSON.stringify({ name: null }));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ body: { name: null } });
  });

  it("lets requests without a body through, whatever their content type", async () => {
    expect((await request(app).get("/api/echo")).body).toEqual({ body: null });
    expect((await request(app).post("/api/echo")).body).toEqual({ body: null });
    expect((await request(app).delete("/api/echo").set("content-type", "text/plain")).status).toBe(200);
  });

  it("answers 413 PAYLOAD_TOO_LARGE for a body over the limit", async () => {
    const response = await request(app).post("/api/echo").send({ text: "x".repeat(2000) });
    expectError(response, 413, "PAYLOAD_TOO_LARGE");
  });

  it("answers 413 for an oversized chunked body with no Content-Length", async () => {
    const server = app.listen(0, "127.0.0.1");
    try {
      await new Promise((resolve) => server.once("listening", resolve));
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port, method: "POST", path: "/api/echo", headers: { "content-type": "application/json" } }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        // Written in pieces without a length: node sends it chunked.
        for (let i = 0; i < 10; i++) req.write(i === 0 ? '{"text":"' : "y".repeat(500));
        req.end('"}');
      });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
    } finally {
      server.close();
    }
  });

  it("answers 415 UNSUPPORTED_MEDIA_TYPE for a form, plain text or an undeclared body", async () => {
    expectError(await request(app).post("/api/echo").type("form").send("name=Ana"), 415, "UNSUPPORTED_MEDIA_TYPE");
    expectError(await request(app).post("/api/echo").set("content-type", "text/plain").send('{"name":"Ana"}'), 415, "UNSUPPORTED_MEDIA_TYPE");
    expectError(await request(app).post("/api/echo").set("content-type", "").send(Buffer.from('{"name":"Ana"}')), 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers 415 for JSON in a charset other than UTF-8", async () => {
    const response = await request(app).post("/api/echo").set("content-type", "application/json; charset=latin1").send('{"name":"Ana"}');
    expectError(response, 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers 415 for a Content-Encoding it cannot decode", async () => {
    const response = await request(app).post("/api/echo").set("content-type", "application/json").set("content-encoding", "snappy").send('{"name":"Ana"}');
    expectError(response, 415, "UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers 400 MALFORMED_JSON for broken JSON and for a bare string or number", async () => {
    for (const text of ["{nope", '{"a":1', '"just a string"', "42", "null"]) {
      expectError(await request(app).post("/api/echo").set("content-type", "application/json").send(text), 400, "MALFORMED_JSON");
    }
  });

  it("never answers 500, whatever bytes a JSON body holds", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 300 }), async (text) => {
        const response = await request(app).post("/api/echo").set("content-type", "application/json").send(text);
        expect([200, 400]).toContain(response.status);
      }),
      { numRuns: 60 },
    );
  });
});
