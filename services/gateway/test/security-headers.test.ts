// Security headers and CORS over HTTP: a JSON API that allows nothing to run,
// a docs page that runs only its own files, and cross-origin access for the
// configured dashboard origins only.
import { describe, expect, it } from "@jest/globals";
import request from "supertest";
import { dashboardCors } from "../src/http/cors.middleware.js";
import { openApiRoutes } from "../src/http/openapi.js";
import { securityHeaders } from "../src/http/security-headers.middleware.js";
import { tinyApp } from "./tiny-app.harness.js";

const DASHBOARD = "https://app.example.com";

function app(origins: string[] = [DASHBOARD]) {
  return tinyApp((app) => {
    app.use(dashboardCors({ origins }));
    app.use(securityHeaders({ docsPath: "/api/docs" }));
    app.get("/api/ping", (_req, res) => {
      res.json({ ok: true });
    });
    app.use("/api", openApiRoutes(() => ({ openapi: "3.1.0", info: { title: "test", version: "0" }, paths: {} })));
  }).app;
}

/** CSP header → directive name → its sources. */
function csp(header: unknown): Record<string, string[]> {
  const directives: Record<string, string[]> = {};
  for (const part of String(header).split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives[name] = sources;
  }
  return directives;
}

describe("securityHeaders", () => {
  it("gives JSON answers a CSP that allows nothing, plus nosniff, no framing, no referrer and HSTS", async () => {
    const response = await request(app()).get("/api/ping");
    expect(csp(response.headers["content-security-policy"])).toEqual({
      "default-src": ["'none'"],
      "frame-ancestors": ["'none'"],
      "base-uri": ["'none'"],
      "form-action": ["'none'"],
    });
    expect(response.headers).toMatchObject({
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "referrer-policy": "no-referrer",
      "strict-transport-security": "max-age=31536000; includeSubDomains",
      "cross-origin-resource-policy": "same-origin",
    });
    expect(response.headers["x-powered-by"]).toBeUndefined();
  });

  it("also protects error answers", async () => {
    const response = await request(app()).get("/api/nothing-here");
    expect(response.status).toBe(404);
    expect(csp(response.headers["content-security-policy"])["default-src"]).toEqual(["'none'"]);
  });

  it("lets the docs page run its own scripts and styles only, and the page needs nothing more", async () => {
    const response = await request(app()).get("/api/docs/");
    expect(response.status).toBe(200);
    const policy = csp(response.headers["content-security-policy"]);
    expect(policy["script-src"]).toEqual(["'self'"]);
    expect(policy["connect-src"]).toEqual(["'self'"]);
    expect(policy["frame-ancestors"]).toEqual(["'none'"]);
    expect(policy["object-src"]).toEqual(["'none'"]);
    // Every script of the page is a file from this origin: no inline script the policy would block.
    const scripts = [...response.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="\.\/[\w.-]+\.js"/);
      expect(body?.trim()).toBe("");
    }
  });

  it("serves the docs page's files, loaded on the first request, and the document", async () => {
    const served = app();
    const [page, style, document] = await Promise.all([request(served).get("/api/docs/"), request(served).get("/api/docs/swagger-ui.css"), request(served).get("/api/openapi.json")]);
    expect(page.status).toBe(200);
    expect(page.text).toContain("swagger-ui");
    expect(style.status).toBe(200);
    expect(style.headers["content-type"]).toMatch(/^text\/css/);
    expect(document.body).toEqual({ openapi: "3.1.0", info: { title: "test", version: "0" }, paths: {} });
  });

  it("gives a path that only begins like the docs path the API policy", async () => {
    const response = await request(app()).get("/api/docsx");
    expect(csp(response.headers["content-security-policy"])["default-src"]).toEqual(["'none'"]);
  });
});

describe("dashboardCors", () => {
  it("answers a preflight from a configured origin with that origin, credentials and the allowed headers", async () => {
    const response = await request(app())
      .options("/api/ping")
      .set("origin", DASHBOARD)
      .set("access-control-request-method", "POST")
      .set("access-control-request-headers", "authorization, content-type, idempotency-key");
    expect(response.status).toBe(204);
    expect(response.headers["access-control-allow-origin"]).toBe(DASHBOARD);
    expect(response.headers["access-control-allow-credentials"]).toBe("true");
    expect(String(response.headers["access-control-allow-headers"]).split(",")).toEqual(expect.arrayContaining(["authorization", "content-type", "idempotency-key"]));
    expect(String(response.headers["access-control-allow-methods"])).toContain("PATCH");
    expect(response.headers.vary).toContain("Origin");
  });

  it("lets the dashboard read the request id and the rate-limit headers", async () => {
    const response = await request(app()).get("/api/ping").set("origin", DASHBOARD);
    expect(response.headers["access-control-allow-origin"]).toBe(DASHBOARD);
    expect(String(response.headers["access-control-expose-headers"]).split(",")).toEqual(
      expect.arrayContaining(["x-request-id", "retry-after", "ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"]),
    );
  });

  it("gives any other origin no CORS grant, while still varying on Origin for caches", async () => {
    for (const origin of ["https://evil.example", "https://app.example.com.evil.example", "http://app.example.com", "null"]) {
      const response = await request(app()).get("/api/ping").set("origin", origin);
      expect(response.headers["access-control-allow-origin"]).toBeUndefined();
      expect(response.headers.vary).toContain("Origin");
    }
  });

  it("adds no CORS headers at all when no origins are configured", async () => {
    const response = await request(app([])).get("/api/ping").set("origin", DASHBOARD);
    expect(response.status).toBe(200);
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
    expect(response.headers["access-control-allow-credentials"]).toBeUndefined();
  });
});
