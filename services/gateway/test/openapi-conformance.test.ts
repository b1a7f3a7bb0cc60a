// The checker the harness puts in front of the app must itself catch answers
// the document does not describe, or every test leaning on it proves nothing.
import { describe, expect, it } from "@jest/globals";
import express from "express";
import request from "supertest";
import { z } from "zod";
import { buildOpenApiDocument } from "../src/http/openapi.js";
import { publicRoute } from "../src/http/routes.js";
import { checkedAgainstDocument } from "./openapi-conformance.js";

const route = publicRoute({
  method: "get",
  path: "/things/:thingId",
  operationId: "getThing",
  summary: "A thing",
  tags: ["things"],
  params: z.object({ thingId: z.string() }),
  responses: { 200: { description: "The thing", schema: z.object({ id: z.string(), count: z.number().int() }) } },
  handle: async () => ({ status: 200, body: {} }),
});

function appAnswering(status: number, body: unknown) {
  const inner = express();
  inner.get("/api/things/:thingId", (_req, res) => {
    res.status(status).json(body);
  });
  return checkedAgainstDocument(inner, buildOpenApiDocument([route], "test"));
}

describe("OpenAPI conformance checker", () => {
  it("accepts an answer the document describes", async () => {
    const { app, violations } = appAnswering(200, { id: "a", count: 2 });
    await request(app).get("/api/things/a");
    expect(violations).toEqual([]);
  });

  it("catches a body that does not match the documented schema", async () => {
    const { app, violations } = appAnswering(200, { id: "a", count: "two" });
    await request(app).get("/api/things/a");
    expect(violations).toHaveLength(1);
    expect(violations[0]).toContain("GET /api/things/a 200");
  });

  it("catches a status the document does not list for the route", async () => {
    const { app, violations } = appAnswering(418, { error: { code: "TEAPOT", message: "no" } });
    await request(app).get("/api/things/a");
    expect(violations).toEqual(["GET /api/things/a answered 418, which the document does not list"]);
  });

  it("catches an error answer without the uniform error body", async () => {
    const { app, violations } = appAnswering(400, { message: "bad" });
    await request(app).get("/api/things/a");
    expect(violations).toHaveLength(1);
  });
});
