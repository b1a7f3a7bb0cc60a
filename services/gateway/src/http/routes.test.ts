import { describe, expect, it } from "@jest/globals";
import express, { Router } from "express";
import request from "supertest";
import { z } from "zod";
import { createLogger, errorMiddleware } from "@fleet/service-kit";
import { JsonText } from "./json-text.js";
import { mountRoutes, publicRoute, type Route } from "./routes.js";

/** A public route that answers which declaration served the request. */
const answering = (path: string, name: string, method: Route["method"] = "get"): Route =>
  publicRoute({ method, path, operationId: name, summary: name, tags: [], responses: { 200: { description: name } }, handle: async () => ({ status: 200, body: { served: name } }) });

const noAuthentication = () => Promise.reject(new Error("no authenticated routes here"));

/** The routes under /api, served by mountRoutes or (the reference) by one plain express router. */
function appOf(routes: Route[], serving: "mounted" | "one router" = "mounted") {
  const app = express();
  const router = Router();
  for (const route of routes) router[route.method](route.path, route.handler(noAuthentication));
  app.use("/api", serving === "mounted" ? mountRoutes(routes, noAuthentication) : router);
  app.use((_req, res) => res.status(404).json({ served: "nothing" }));
  app.use(errorMiddleware(createLogger({ service: "test", level: "error" })));
  return app;
}

describe("mounted routes", () => {
  const app = appOf([
    answering("/products/search", "search"),
    answering("/products/:productId", "product"),
    answering("/products", "list"),
    answering("/products", "create", "post"),
    answering("/bots/:botId", "bot"),
  ]);
  const served = async (method: "get" | "post", path: string) => ((await request(app)[method](path)).body as { served: string }).served;

  it("serves each request with the route that matches it, as one router would", async () => {
    expect(await served("get", "/api/products/search")).toBe("search");
    expect(await served("get", "/api/products/p-1")).toBe("product");
    expect(await served("get", "/api/products")).toBe("list");
    expect(await served("post", "/api/products")).toBe("create");
    expect(await served("get", "/api/bots/b-1")).toBe("bot");
  });

  it("matches paths as express does: any letter case, a trailing slash", async () => {
    expect(await served("get", "/api/PRODUCTS/Search")).toBe("search");
    expect(await served("get", "/api/Bots/b-1/")).toBe("bot");
  });

  it("reads escaped letters as the letters they stand for (RFC 3986 normalisation), and answers 400 to escapes that decode to nothing", async () => {
    expect(await served("get", "/api/%70roducts")).toBe("list");
    expect(await served("get", "/api/bots/b%2D1")).toBe("bot");
    for (const path of ["/api/products/%E0%A4%A", "/api/%E0%A4%A", "/api/bots/%"]) {
      const bad = await request(app).get(path);
      expect({ path, status: bad.status, code: (bad.body as { error?: { code: string } }).error?.code }).toEqual({ path, status: 400, code: "MALFORMED_REQUEST" });
    }
  });

  it("prefers a fixed segment to a parameter wherever each was declared", async () => {
    const app = appOf([answering("/products/:productId", "product"), answering("/products/search", "search")]);
    expect(((await request(app).get("/api/products/search")).body as { served: string }).served).toBe("search");
    expect(((await request(app).get("/api/products/p-1")).body as { served: string }).served).toBe("product");
  });

  it("hands the matched template and the decoded parameters to the handler", async () => {
    const app = express();
    const echo = publicRoute({ method: "get", path: "/bots/:botId", operationId: "echo", summary: "echo", tags: [], responses: { 200: { description: "echo" } }, handle: async ({ req }) => ({ status: 200, body: { params: req.params, route: (req.route as { path: string }).path } }) });
    app.use("/api", mountRoutes([echo], noAuthentication));
    expect((await request(app).get("/api/bots/caf%C3%A9")).body).toEqual({ params: { botId: "café" }, route: "/bots/:botId" });
    expect((await request(app).head("/api/bots/b-1")).status).toBe(200);
  });

  it("leaves paths no route matches to what follows (the 404)", async () => {
    expect(await served("get", "/api/orders")).toBe("nothing");
    expect(await served("get", "/api/bots")).toBe("nothing");
    expect(await served("get", "/api/")).toBe("nothing");
    expect(await served("post", "/api/bots/b-1")).toBe("nothing");
  });

  it("answers paths without escapes as one express router with the same routes answers them", async () => {
    const routes = [answering("/products/search", "search"), answering("/products/:productId", "product"), answering("/products", "list"), answering("/bots/:botId", "bot")];
    const reference = appOf(routes, "one router");
    const mounted = appOf(routes);
    for (const path of ["/api/products", "/api/Products/", "/api/products/search", "/api/products/x/y", "/api/bots/b-1", "/api/BOTS/b-1/", "/api/orders/o-1", "/api/", "/api", "/api//bots/b-1", "/api/bots.json"]) {
      const [expected, actual] = await Promise.all([request(reference).get(path), request(mounted).get(path)]);
      expect({ path, status: actual.status, body: actual.body as unknown }).toEqual({ path, status: expected.status, body: expected.body as unknown });
    }
  });
});

describe("replies", () => {
  it("sends JSON serialised ahead of time exactly as a value serialised on the spot", async () => {
    const value = { items: [{ name: "Anillo de oro", priceMinor: 1200, tags: ["ñandú", "💍"] }], nextCursor: null };
    const replying = (body: unknown) => appOf([publicRoute({ method: "get", path: "/page", operationId: "page", summary: "page", tags: [], query: z.object({}), responses: { 200: { description: "page" } }, handle: async () => ({ status: 200, body }) })]);
    const ahead = await request(replying(JsonText.of(value))).get("/api/page");
    const onTheSpot = await request(replying(value)).get("/api/page");
    expect(ahead.status).toBe(200);
    expect(ahead.headers["content-type"]).toBe(onTheSpot.headers["content-type"]);
    expect(ahead.headers["content-length"]).toBe(onTheSpot.headers["content-length"]);
    expect(ahead.text).toBe(onTheSpot.text);
    expect(ahead.body).toEqual(value);
  });
});
