// GET /api/analytics/events over HTTP, through the analytics worker's real AnalyticsService over
// gRPC: without the worker's storage (no MongoDB here) and with the worker unreachable the answer is
// 503 ANALYTICS_STORAGE_UNAVAILABLE with the reason; with storage (mingo standing in for MongoDB)
// the shop's events come newest first, filtered, in cursor pages, and never another shop's; bad
// filters are 400 with a stable code, before the worker is asked.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import type { AnalyticsEvent } from "@fleet/contracts";
import { startAnalyticsWorker, type AnalyticsWorkerHarness } from "./analytics-worker.harness.js";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";

const T0 = Date.parse("2026-11-29T18:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();

function event(tenantId: string, id: string, overrides: Partial<AnalyticsEvent> = {}): AnalyticsEvent {
  return { v: 1, id, tenantId, type: "message.received", source: "whatsapp-adapter", occurredAt: at(0), botId: "bot-1", contact: "5215500000001", attributes: { provider: "meta" }, ...overrides };
}

const get = async (h: GatewayHarness, user: SeededUser, path: string) => request(h.app).get(`/api${path}`).set("authorization", `Bearer ${await tokenFor(h, user)}`);

describe("the event list without the worker's storage", () => {
  let worker: AnalyticsWorkerHarness;
  let withWorker: GatewayHarness;
  let withoutWorker: GatewayHarness;
  let viewer: SeededUser;
  let stranded: SeededUser;

  beforeAll(async () => {
    worker = await startAnalyticsWorker();
    withWorker = await startGateway({ analyticsAddress: worker.address });
    withoutWorker = await startGateway();
    viewer = await withWorker.createUser({ tenant: "sin-mongo", email: "ve@sin-mongo.test", role: "viewer" });
    stranded = await withoutWorker.createUser({ tenant: "sin-worker", email: "ve@sin-worker.test", role: "viewer" });
  });

  afterAll(async () => {
    await withWorker?.close();
    await withoutWorker?.close();
    await worker?.stop();
  });

  it("answers 503 ANALYTICS_STORAGE_UNAVAILABLE (storage_disabled) when the worker runs without MongoDB", async () => {
    const answer = await get(withWorker, viewer, "/analytics/events");
    expect(answer.status).toBe(503);
    expect(answer.body.error).toMatchObject({ code: "ANALYTICS_STORAGE_UNAVAILABLE", details: { reason: "storage_disabled" }, requestId: expect.any(String) });
  });

  it("answers 503 ANALYTICS_STORAGE_UNAVAILABLE (worker_unreachable) when the worker cannot be reached, naming no address", async () => {
    const answer = await get(withoutWorker, stranded, "/analytics/events?type=order.created");
    expect(answer.status).toBe(503);
    expect(answer.body.error).toMatchObject({ code: "ANALYTICS_STORAGE_UNAVAILABLE", details: { reason: "worker_unreachable" } });
    expect(JSON.stringify(answer.body)).not.toContain("127.0.0.1");
  });

  it("refuses bad filters with 400 and a stable code before asking the worker", async () => {
    for (const [path, code] of [
      ["/analytics/events?type=message.nope", "VALIDATION_FAILED"],
      ["/analytics/events?limit=0", "VALIDATION_FAILED"],
      ["/analytics/events?limit=101", "VALIDATION_FAILED"],
      ["/analytics/events?from=yesterday", "INVALID_RANGE"],
      ["/analytics/events?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "INVALID_RANGE"],
      ["/analytics/events?cursor=not-a-cursor", "INVALID_CURSOR"],
      [`/analytics/events?cursor=${Buffer.from(JSON.stringify(["yesterday", "id"])).toString("base64url")}`, "INVALID_CURSOR"],
      [`/analytics/events?contact=${"9".repeat(65)}`, "VALIDATION_FAILED"],
    ] as const) {
      const answer = await get(withWorker, viewer, path);
      expect({ path, status: answer.status, code: answer.body.error?.code }).toEqual({ path, status: 400, code });
    }
  });
});

describe("the event list with the worker's storage", () => {
  let worker: AnalyticsWorkerHarness;
  let h: GatewayHarness;
  let shop: SeededUser;
  let other: SeededUser;

  beforeAll(async () => {
    worker = await startAnalyticsWorker({ stored: true });
    h = await startGateway({ analyticsAddress: worker.address });
    shop = await h.createUser({ tenant: "eventos", email: "agente@eventos.test", role: "agent" });
    other = await h.createUser({ tenant: "otros-eventos", email: "duena@otros.test", role: "owner" });
    worker.store([
      event(shop.tenantId, "e-1", { occurredAt: at(-3000) }),
      event(shop.tenantId, "e-2", { type: "message.sent", occurredAt: at(-2000), source: "bot-orchestrator", attributes: { response_ms: 420 } }),
      event(shop.tenantId, "e-3", { type: "order.created", occurredAt: at(-1000), contact: undefined, attributes: { total_minor: 45000, currency: "MXN" } }),
      event(shop.tenantId, "e-4", { occurredAt: at(-1000), botId: "bot-2", contact: "5215500000002" }),
      event(shop.tenantId, "e-5", { occurredAt: at(0) }),
      event(other.tenantId, "x-1", { occurredAt: at(0), attributes: { note: "other shop" } }),
    ]);
  });

  afterAll(async () => {
    await h?.close();
    await worker?.stop();
  });

  it("pages through the shop's events newest first, the same millisecond by id, until nextCursor is null", async () => {
    const seen: string[] = [];
    let path = "/analytics/events?limit=2";
    for (let page = 0; page < 5; page++) {
      const answer = await get(h, shop, path);
      expect(answer.status).toBe(200);
      seen.push(...answer.body.items.map((item: { id: string }) => item.id));
      if (answer.body.nextCursor === null) break;
      path = `/analytics/events?limit=2&cursor=${answer.body.nextCursor}`;
    }
    expect(seen).toEqual(["e-5", "e-4", "e-3", "e-2", "e-1"]);
    const first = await get(h, shop, "/analytics/events?type=order.created");
    expect(first.body).toEqual({
      items: [{ id: "e-3", type: "order.created", source: "whatsapp-adapter", occurredAt: at(-1000), botId: "bot-1", contact: null, attributes: { total_minor: 45000, currency: "MXN" } }],
      nextCursor: null,
    });
  });

  it("filters by type, bot, contact and time range", async () => {
    const ids = async (query: string) => (await get(h, shop, `/analytics/events?${query}`)).body.items.map((item: { id: string }) => item.id);
    expect(await ids("type=message.received")).toEqual(["e-5", "e-4", "e-1"]);
    expect(await ids("botId=bot-2")).toEqual(["e-4"]);
    expect(await ids("contact=5215500000001")).toEqual(["e-5", "e-2", "e-1"]);
    expect(await ids(`from=${at(-2000)}&to=${at(0)}`)).toEqual(["e-4", "e-3", "e-2"]);
  });

  it("shows another shop only its own events, even with this shop's cursor", async () => {
    const theirs = await get(h, other, "/analytics/events");
    expect(theirs.body.items.map((item: { id: string }) => item.id)).toEqual(["x-1"]);
    const page = await get(h, shop, "/analytics/events?limit=1");
    const withCursor = await get(h, other, `/analytics/events?cursor=${page.body.nextCursor}`);
    expect([withCursor.status, withCursor.body.items]).toEqual([200, []]);
    expect(JSON.stringify((await get(h, shop, "/analytics/events")).body)).not.toContain("other shop");
  });
});
