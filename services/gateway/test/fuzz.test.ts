// Bad input on every route of the OpenAPI document: malformed and boundary
// bodies, path params, query strings and headers, sent as a signed-in owner so
// they get past authentication. Every answer is a 4xx with the error body
// (or a success when the input happens to be valid), never a 5xx.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import request from "supertest";
import { startAnalyticsWorker, type AnalyticsWorkerHarness } from "./analytics-worker.harness.js";
import { startFakeAdapter, type FakeAdapter } from "./fake-adapter.js";
import { startGateway, tokenFor, type GatewayHarness } from "./gateway.harness.js";
import { startOrchestrator, type OrchestratorHarness } from "./orchestrator.harness.js";

let adapter: FakeAdapter;
let orchestrator: OrchestratorHarness;
let analyticsWorker: AnalyticsWorkerHarness;
let gateway: GatewayHarness;
let token: string;

interface Operation {
  method: string;
  path: string;
}

function operations(): Operation[] {
  const paths = (gateway.openApi as { paths: Record<string, Record<string, unknown>> }).paths;
  return Object.entries(paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method, path })));
}

const nastyStrings = ["", " ", "../../etc/passwd", "%00", "\u0000", "'; DROP TABLE users; --", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "a".repeat(5000), "00000000-0000-0000-0000-000000000000", "-1", "1e309", "null", "{}", "[]"];

function pathWith(template: string, value: string): string {
  return template.replace(/\{[^}]+\}/g, encodeURIComponent(value));
}

async function send(op: Operation, path: string, options: { body?: unknown; raw?: string; contentType?: string; headers?: Record<string, string> } = {}) {
  const test = request(gateway.app)[op.method as "get" | "post" | "put" | "patch" | "delete"](path).set("authorization", `Bearer ${token}`).set("idempotency-key", "fuzz-key-0001");
  for (const [name, value] of Object.entries(options.headers ?? {})) test.set(name, value);
  if (options.raw !== undefined) return test.set("content-type", options.contentType ?? "application/json").send(options.raw);
  if (options.body !== undefined) return test.send(options.body as object);
  return test;
}

function expectClean(response: { status: number; body: unknown }, what: string): void {
  if (response.status >= 500) throw new Error(`${what} → ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
  // 431: Node's HTTP parser refuses a request line and headers over 16 KB before the app sees them.
  if (response.status === 431) return;
  if (response.status >= 400) expect({ what, status: response.status, body: response.body }).toMatchObject({ what, status: response.status, body: { error: { code: expect.any(String), message: expect.any(String) } } });
}

beforeAll(async () => {
  adapter = await startFakeAdapter();
  orchestrator = await startOrchestrator();
  // With its event log (mingo): without one the event list honestly answers 503, which is not bad input's fault.
  analyticsWorker = await startAnalyticsWorker({ stored: true });
  gateway = await startGateway({ adapterAddress: adapter.address, orchestratorAddress: orchestrator.address, analyticsAddress: analyticsWorker.address });
  const owner = await gateway.createUser({ tenant: "fuzz-shop", email: "owner@fuzz.test", role: "owner" });
  token = await tokenFor(gateway, owner);
});

afterAll(async () => {
  await gateway?.close();
  await orchestrator?.stop();
  await analyticsWorker?.stop();
  await adapter?.stop();
});

describe("bad input on every route", () => {
  it("covers every operation of the document", () => {
    expect(operations().length).toBeGreaterThanOrEqual(10);
  });

  it("answers arbitrary JSON bodies with a 4xx and the error body, never a 5xx", async () => {
    for (const op of operations()) {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (body) => {
          expectClean(await send(op, pathWith(op.path, "00000000-0000-4000-8000-000000000000"), { raw: JSON.stringify(body) }), `${op.method} ${op.path} body ${JSON.stringify(body).slice(0, 80)}`);
        }),
        { numRuns: 15, seed: 42 },
      );
    }
  }, 120_000);

  it("answers arbitrary CSV files to the catalogue import with a report or a 4xx, never a 5xx", async () => {
    const csvCell = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("sku", "name", "price", '"', '""', "\n", "1234.50", "-1", "=1+1", "|", "\uFEFF"));
    const csvFile = fc.array(fc.array(csvCell, { maxLength: 6 }).map((cells) => cells.join(",")), { maxLength: 6 }).map((lines) => lines.join("\n"));
    for (const dryRun of ["true", "false"]) {
      await fc.assert(
        fc.asyncProperty(fc.oneof(csvFile, csvFile.map((rest) => `sku,name,price\n${rest}`)), async (csv) => {
          const op = { method: "post", path: "/api/products/import" };
          expectClean(await send(op, `${op.path}?dryRun=${dryRun}`, { raw: csv, contentType: "text/csv" }), `import ${JSON.stringify(csv).slice(0, 80)}`);
        }),
        { numRuns: 60, seed: 42 },
      );
    }
  }, 60_000);

  it("answers malformed JSON, wrong content types and oversized bodies with 400, 415 and 413", async () => {
    for (const op of operations().filter((o) => o.method !== "get" && o.method !== "delete")) {
      const path = pathWith(op.path, "00000000-0000-4000-8000-000000000000");
      const malformed = await send(op, path, { raw: '{"email": "a@b.c",' });
      expect([400]).toContain(malformed.status);
      expectClean(malformed, `${op.method} ${op.path} malformed`);
      const form = await send(op, path, { raw: "email=a@b.c", contentType: "application/x-www-form-urlencoded" });
      expect(form.status).toBe(415);
      const huge = await send(op, path, { raw: JSON.stringify({ text: "x".repeat(200_000) }) });
      expect(huge.status).toBe(413);
    }
  }, 60_000);

  it("answers strange path params and query strings with a 4xx, never a 5xx", async () => {
    for (const op of operations().filter((o) => o.path.includes("{"))) {
      for (const value of nastyStrings) {
        expectClean(await send(op, pathWith(op.path, value)), `${op.method} ${op.path} param ${JSON.stringify(value.slice(0, 40))}`);
      }
    }
    for (const op of operations().filter((o) => o.method === "get")) {
      for (const value of nastyStrings) expectClean(await send(op, `${pathWith(op.path, value)}?limit=${encodeURIComponent(value)}&page[x]=1&q=${encodeURIComponent(value)}`), `${op.method} ${op.path} query`);
    }
  }, 60_000);

  it("answers garbage in the authorization and idempotency headers with a 4xx", async () => {
    for (const op of operations()) {
      for (const value of ["Bearer", "Bearer " + "a".repeat(8000), "Basic Zm9vOmJhcg==", "Bearer e30.e30.", "Bearer ../..", "bearer \t x"]) {
        const test = request(gateway.app)[op.method as "get"](pathWith(op.path, "00000000-0000-4000-8000-000000000000")).set("authorization", value).set("idempotency-key", "é".repeat(10));
        expectClean(await test, `${op.method} ${op.path} authorization ${value.slice(0, 20)}`);
      }
    }
  }, 60_000);
});
