// The http step runner against a real local HTTPS server (a self-signed certificate made with
// openssl for api.shop.test, trusted through the runner's `ca`), reached through an injected lookup
// that maps api.shop.test to 127.0.0.1; the tenant's allowlist and secrets live in a real Postgres.
// The address checks run with the default predicate against injected DNS answers.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import type { LookupAddress } from "node:dns";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { createPostgresPool } from "@fleet/service-kit";
import { createTestDatabase, memoryLogger, type TestDatabase } from "@fleet/testing";
import { createHttpCallRunner, type HostLookup, type HttpCall, type HttpCallRunnerDeps } from "../src/flows/runtime/http-call.js";
import { isPublicAddress } from "../src/flows/runtime/public-address.js";
import { createTenantHttpSettingsRepository, createTenantSecretBox, type TenantHttpSettingsRepository } from "../src/repositories/tenant-http-settings.repository.js";

const HOST = "api.shop.test";
const CRM_TOKEN = `crm-${randomBytes(16).toString("hex")}`;
const LITERAL_HEADER_VALUE = `literal-${randomBytes(8).toString("hex")}`;

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let certDir: string;
let cert: string;
let server: Server;
let port: number;
let database: TestDatabase;
let pool: pg.Pool;
let settings: TenantHttpSettingsRepository;
let tenantId: string;
const seen: SeenRequest[] = [];
/** Whether the server saw the client close the endless answer of /endless. */
const endless = { closed: false };

/** The test server: each path is one behaviour of a remote API. */
function handle(request: SeenRequest, respond: ServerResponse): void {
  const path = request.url.split("?")[0];
  switch (path) {
    case "/leads": {
      const received: unknown = request.body === "" ? null : JSON.parse(request.body);
      respond.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ data: { id: "lead-1", received } }));
      return;
    }
    case "/error":
      respond.writeHead(500, { "content-type": "application/json" }).end('{"error":"boom"}');
      return;
    case "/moved":
      respond.writeHead(302, { location: `https://${HOST}:${port}/leads?redirected=1` }).end();
      return;
    case "/slow":
      // Never answers: the client's deadline must end the call.
      return;
    case "/big":
      respond.writeHead(200, { "content-type": "application/json", "content-length": String(300 * 1024) }).end(`"${"x".repeat(300 * 1024 - 2)}"`);
      return;
    case "/endless": {
      respond.writeHead(200, { "content-type": "application/json" });
      respond.on("close", () => (endless.closed = true));
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = setInterval(() => (respond.destroyed ? clearInterval(pump) : respond.write(chunk)), 5);
      return;
    }
    case "/text":
      respond.writeHead(200, { "content-type": "text/html" }).end("<html>hola</html>");
      return;
    case "/empty":
      respond.writeHead(204).end();
      return;
    default:
      respond.writeHead(404).end();
  }
}

beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), "http-call-test-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", `/CN=${HOST}`, "-addext", `subjectAltName=DNS:${HOST},DNS:*.shop.test`,
    "-keyout", join(certDir, "key.pem"), "-out", join(certDir, "cert.pem"),
  ], { stdio: "ignore" });
  cert = readFileSync(join(certDir, "cert.pem"), "utf8");
  server = createServer({ key: readFileSync(join(certDir, "key.pem")), cert }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const seenRequest = { method: request.method ?? "", url: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks).toString("utf8") };
      seen.push(seenRequest);
      handle(seenRequest, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the test server has no port");
  port = address.port;

  database = await createTestDatabase();
  const { logger } = memoryLogger("bot-orchestrator", "error");
  pool = createPostgresPool({ url: database.url, schema: "orchestrator", logger });
  settings = createTenantHttpSettingsRepository(pool, createTenantSecretBox(randomBytes(32).toString("hex")), logger);
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await pool?.end();
  await database?.drop();
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

beforeEach(async () => {
  seen.length = 0;
  tenantId = randomUUID();
  await settings.setAllowedHosts(tenantId, [HOST, "*.partner.example"]);
  await settings.putSecret(tenantId, "CRM_TOKEN", CRM_TOKEN);
});

/** A lookup that answers `answers` for every name and records what it was asked. */
function recordingLookup(answers: LookupAddress[] = [{ address: "127.0.0.1", family: 4 }]): { lookup: HostLookup; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    lookup: async (hostname) => {
      asked.push(hostname);
      return answers;
    },
  };
}

/** A runner that reaches the local server: api.shop.test → 127.0.0.1, which only these tests allow. */
function localRunner(overrides: Partial<HttpCallRunnerDeps> = {}) {
  const { lookup, asked } = recordingLookup();
  const { logger, lines } = memoryLogger("bot-orchestrator", "debug");
  const run = createHttpCallRunner({
    settings,
    logger,
    lookup,
    isAllowedAddress: (address) => address === "127.0.0.1",
    ca: cert,
    ...overrides,
  });
  return { run, asked, lines };
}

function call(path: string, extra: Partial<HttpCall> = {}): HttpCall {
  return { kind: "http", step: "crm", method: "GET", url: `https://${HOST}:${port}${path}`, headers: [], timeoutMs: 3000, ...extra };
}

describe("http step runner: a call that goes through", () => {
  it("POSTs JSON with the tenant secret in its header, an Idempotency-Key, and returns the parsed answer and status", async () => {
    const { run, asked } = localRunner();

    const result = await run(
      tenantId,
      call("/leads", {
        method: "POST",
        headers: [
          { name: "Authorization", secret: "CRM_TOKEN", prefix: "Bearer " },
          { name: "X-Shop", value: LITERAL_HEADER_VALUE },
        ],
        body: { phone: "5215512345678", interest: ["vestidos"] },
      }),
      "conv-42:step-crm:1",
    );

    expect(result).toEqual({ ok: true, status: 201, value: { data: { id: "lead-1", received: { phone: "5215512345678", interest: ["vestidos"] } } } });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe("POST");
    expect(seen[0]?.headers).toMatchObject({
      authorization: `Bearer ${CRM_TOKEN}`,
      "x-shop": LITERAL_HEADER_VALUE,
      "idempotency-key": "conv-42:step-crm:1",
      "content-type": "application/json",
      accept: "application/json",
      "user-agent": expect.stringContaining("fleet"),
      host: `${HOST}:${port}`,
    });
    // One resolution, the one that was vetted: nothing resolved the name again to connect.
    expect(asked).toEqual([HOST]);
  });

  it("sends a GET without Idempotency-Key and without a body", async () => {
    const { run } = localRunner();

    const result = await run(tenantId, call("/leads?q=1", { body: { ignored: true } }), "key-1");

    expect(result).toMatchObject({ ok: true, status: 201 });
    expect(seen[0]?.method).toBe("GET");
    expect(seen[0]?.headers).not.toHaveProperty("idempotency-key");
    expect(seen[0]?.body).toBe("");
  });

  it("logs host, status, duration and code, and never a header value, a secret or the path", async () => {
    const { run, lines } = localRunner();

    await run(tenantId, call("/leads?email=ana@example.com", { method: "PUT", headers: [{ name: "Authorization", secret: "CRM_TOKEN" }, { name: "X-Shop", value: LITERAL_HEADER_VALUE }] }), "key-2");
    await run(tenantId, call("/error", { headers: [{ name: "Authorization", secret: "CRM_TOKEN" }] }), "key-3");

    expect(lines).toEqual([
      expect.objectContaining({ message: "http step call", host: HOST, status: 201, code: "ok", durationMs: expect.any(Number), step: "crm", tenantId }),
      expect.objectContaining({ message: "http step call failed", host: HOST, status: 500, code: "http_status" }),
    ]);
    const text = JSON.stringify(lines);
    expect(text).not.toContain(CRM_TOKEN);
    expect(text).not.toContain(LITERAL_HEADER_VALUE);
    expect(text).not.toContain("ana@example.com");
    expect(text).not.toContain("/leads");
  });

  it("answers null for a 2xx body that is not JSON, and for an empty one", async () => {
    const { run } = localRunner();

    expect(await run(tenantId, call("/text"), "k")).toEqual({ ok: true, value: null, status: 200 });
    expect(await run(tenantId, call("/empty"), "k")).toEqual({ ok: true, value: null, status: 204 });
  });

  it("allows a subdomain of a *. entry", async () => {
    await settings.setAllowedHosts(tenantId, ["*.shop.test"]);
    const { run } = localRunner();

    expect(await run(tenantId, call("/leads"), "k")).toMatchObject({ ok: true, status: 201 });
  });
});

describe("http step runner: refusals before the network", () => {
  it.each([
    ["a host not on the allowlist", "https://evil.example.com/leads"],
    ["the apex of a *. entry", "https://partner.example/leads"],
    ["an IP literal", "https://127.0.0.1/leads"],
    ["an IPv6 literal", "https://[::1]/leads"],
  ])("refuses %s with host_not_allowed, without a DNS lookup or a connection", async (_what, url) => {
    const { run, asked } = localRunner();

    const result = await run(tenantId, { ...call("/leads"), url }, "k");

    expect(result).toMatchObject({ ok: false, code: "host_not_allowed" });
    expect(asked).toEqual([]);
    expect(seen).toEqual([]);
  });

  it("refuses plain http and URLs with credentials with url_invalid", async () => {
    const { run, asked } = localRunner();

    expect(await run(tenantId, { ...call("/leads"), url: `http://${HOST}:${port}/leads` }, "k")).toMatchObject({ ok: false, code: "url_invalid" });
    expect(await run(tenantId, { ...call("/leads"), url: `https://user:pw@${HOST}:${port}/leads` }, "k")).toMatchObject({ ok: false, code: "url_invalid" });
    expect(asked).toEqual([]);
  });

  it("fails with secret_missing, naming the secret, when the tenant has no secret of that name, and calls nothing", async () => {
    const { run, asked } = localRunner();

    const result = await run(tenantId, call("/leads", { method: "POST", headers: [{ name: "Authorization", secret: "ERP_TOKEN" }] }), "k");

    expect(result).toEqual({ ok: false, code: "secret_missing", message: expect.stringContaining("ERP_TOKEN") });
    expect(asked).toEqual([]);
    expect(seen).toEqual([]);
  });

  it("refuses a header value with a line break (a rendered template injecting a header) with header_invalid, and calls nothing", async () => {
    const { run } = localRunner();

    const result = await run(tenantId, call("/leads", { headers: [{ name: "X-Shop", value: "a\r\nX-Admin: yes" }] }), "k");

    expect(result).toMatchObject({ ok: false, code: "header_invalid" });
    expect(JSON.stringify(result)).not.toContain("X-Admin");
    expect(seen).toEqual([]);
  });
});

describe("http step runner: addresses", () => {
  it("refuses a host that resolves to 127.0.0.1 under the default address rule, without connecting", async () => {
    const { lookup, asked } = recordingLookup([{ address: "127.0.0.1", family: 4 }]);
    const { logger } = memoryLogger("bot-orchestrator");
    const run = createHttpCallRunner({ settings, logger, lookup, ca: cert });

    const result = await run(tenantId, call("/leads"), "k");

    expect(result).toMatchObject({ ok: false, code: "address_not_allowed" });
    expect(asked).toEqual([HOST]);
    expect(seen).toEqual([]);
  });

  it("refuses a host whose DNS answers one public and one private address", async () => {
    const { lookup } = recordingLookup([
      { address: "93.184.215.14", family: 4 },
      { address: "10.0.0.5", family: 4 },
    ]);
    const { logger } = memoryLogger("bot-orchestrator");
    const run = createHttpCallRunner({ settings, logger, lookup });

    expect(await run(tenantId, call("/leads"), "k")).toMatchObject({ ok: false, code: "address_not_allowed" });
  });

  it("fails with network when the name does not resolve, and with timeout when DNS does not answer in time", async () => {
    const { logger } = memoryLogger("bot-orchestrator");
    const missing = createHttpCallRunner({ settings, logger, lookup: () => Promise.reject(Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" })) });
    const silent = createHttpCallRunner({ settings, logger, lookup: () => new Promise<LookupAddress[]>(() => undefined) });

    expect(await missing(tenantId, call("/leads"), "k")).toMatchObject({ ok: false, code: "network" });
    expect(await silent(tenantId, call("/leads", { timeoutMs: 200 }), "k")).toMatchObject({ ok: false, code: "timeout" });
  });

  it.each([
    "127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.127.255.254", "0.0.0.0",
    "224.0.0.251", "255.255.255.255", "::1", "::", "fc00::1", "fd12:3456:789a::1", "fe80::1", "ff02::1",
    "::ffff:10.0.0.1", "::ffff:127.0.0.1", "::ffff:a9fe:a9fe", "64:ff9b::a00:1", "2002:a00:1::1",
  ])("the default address rule refuses %s", (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(["8.8.8.8", "93.184.215.14", "100.128.0.1", "172.32.0.1", "2606:4700:4700::1111", "2a03:2880:f10c:83:face:b00c::25de", "::ffff:8.8.8.8", "64:ff9b::808:808"])(
    "the default address rule allows the public address %s",
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );
});

describe("http step runner: answers that fail the step", () => {
  it("fails with http_status and the status on a 500", async () => {
    const { run } = localRunner();

    expect(await run(tenantId, call("/error"), "k")).toEqual({ ok: false, code: "http_status", status: 500, message: expect.stringContaining("500") });
  });

  it("does not follow a redirect: a 302 is http_status and its target is never requested", async () => {
    const { run } = localRunner();

    const result = await run(tenantId, call("/moved", { method: "POST", body: {} }), "k");

    expect(result).toMatchObject({ ok: false, code: "http_status", status: 302 });
    expect(seen.map((request) => request.url)).toEqual(["/moved"]);
  });

  it("fails with timeout when the host does not answer before the step's deadline", async () => {
    const { run } = localRunner();
    const started = Date.now();

    const result = await run(tenantId, call("/slow", { timeoutMs: 300 }), "k");

    expect(result).toMatchObject({ ok: false, code: "timeout" });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("fails with response_too_large when the declared length is over the cap", async () => {
    const { run } = localRunner();

    expect(await run(tenantId, call("/big"), "k")).toMatchObject({ ok: false, code: "response_too_large", status: 200 });
  });

  it("stops reading an answer that grows past the cap and closes the connection", async () => {
    const { run } = localRunner({ maxResponseBytes: 64 * 1024 });
    endless.closed = false;

    const result = await run(tenantId, call("/endless", { timeoutMs: 5000 }), "k");

    expect(result).toMatchObject({ ok: false, code: "response_too_large" });
    for (let waited = 0; !endless.closed && waited < 2000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(endless.closed).toBe(true);
  });

  it("refuses a server whose certificate is not trusted (network, TLS)", async () => {
    const { logger } = memoryLogger("bot-orchestrator");
    const { lookup } = recordingLookup();
    const run = createHttpCallRunner({ settings, logger, lookup, isAllowedAddress: (address) => address === "127.0.0.1" });

    const result = await run(tenantId, call("/leads", { method: "POST", headers: [{ name: "Authorization", secret: "CRM_TOKEN" }] }), "k");

    expect(result).toMatchObject({ ok: false, code: "network", message: expect.stringContaining("certificate") });
    expect(seen).toEqual([]);
  });
});
