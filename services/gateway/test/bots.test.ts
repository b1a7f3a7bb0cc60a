// The bots facade over a fake adapter on the real gRPC wire: what the
// dashboard sees, what the adapter receives (always the token's tenant), and
// how adapter errors and an absent adapter come back.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import request from "supertest";
import { ConnectionState, ProviderKind } from "@fleet/contracts/adapter";
import { AppError } from "@fleet/service-kit";
import { freePort } from "@fleet/testing";
import { startFakeAdapter, type FakeAdapter } from "./fake-adapter.js";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";

let adapter: FakeAdapter;
let gateway: GatewayHarness;
let agent: SeededUser;
let agentToken: string;
const botId = randomUUID();

beforeAll(async () => {
  adapter = await startFakeAdapter();
  gateway = await startGateway({ adapterAddress: adapter.address });
  agent = await gateway.createUser({ tenant: "acme", email: "agent@acme.test", role: "agent" });
  agentToken = await tokenFor(gateway, agent);
});

beforeEach(() => adapter.reset());

afterAll(async () => {
  await gateway?.close();
  await adapter?.stop();
});

const getConnection = (id: string = botId, token = agentToken) => request(gateway.app).get(`/api/bots/${id}/connection`).set("authorization", `Bearer ${token}`);

function sendMessage(body: object, { key = "order-42:retry", id = botId, token = agentToken }: { key?: string | null; id?: string; token?: string } = {}) {
  const call = request(gateway.app).post(`/api/bots/${id}/messages`).set("authorization", `Bearer ${token}`);
  return (key === null ? call : call.set("idempotency-key", key)).send(body);
}

describe("GET /api/bots/:botId/connection", () => {
  it("returns the adapter's state and provider, asking for the caller's tenant and bot", async () => {
    const response = await getConnection();
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ state: "connected", provider: "meta" });
    expect(adapter.getConnections.map((c) => ({ tenantId: c.request.tenantId, botId: c.request.botId }))).toEqual([{ tenantId: agent.tenantId, botId }]);
  });

  it("passes the QR code and pairing code of a bot waiting to be linked", async () => {
    adapter.onGetConnection = async () => ({ state: ConnectionState.AWAITING_PAIRING, provider: ProviderKind.BAILEYS, qr: "2@abc,def", pairingCode: "ABCD-1234" });
    const response = await getConnection();
    expect(response.body).toEqual({ state: "awaiting_pairing", provider: "baileys", qr: "2@abc,def", pairingCode: "ABCD-1234" });
  });

  it("passes the reason of a misconfigured bot", async () => {
    adapter.onGetConnection = async () => ({ state: ConnectionState.MISCONFIGURED, provider: ProviderKind.UNSPECIFIED, detail: "no provider configured" });
    const response = await getConnection();
    expect(response.body).toEqual({ state: "misconfigured", provider: null, detail: "no provider configured" });
  });

  it("turns the adapter's NOT_FOUND into a 404 with the adapter's code", async () => {
    adapter.onGetConnection = () => Promise.reject(new AppError("not_found", "BOT_NOT_FOUND", "Bot not found"));
    const response = await getConnection();
    expect(response.status).toBe(404);
    expect(response.body.error).toEqual({ code: "BOT_NOT_FOUND", message: "Bot not found", requestId: expect.any(String) });
  });

  it("rejects a bot id that is not a UUID with 400, without calling the adapter", async () => {
    const response = await getConnection("not-a-uuid");
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: "VALIDATION_FAILED", details: [{ path: "botId", message: expect.any(String) }] });
    expect(adapter.getConnections).toHaveLength(0);
  });

  it("reports a state the adapter did not name as a 500, logged with the request, tenant and bot", async () => {
    adapter.onGetConnection = async () => ({ state: ConnectionState.UNSPECIFIED, provider: ProviderKind.META });
    const response = await getConnection().set("x-request-id", "req-bad-state");
    expect(response.status).toBe(500);
    expect(response.body.error).toMatchObject({ code: "ADAPTER_INVALID_RESPONSE", requestId: "req-bad-state" });
    expect(gateway.logs).toContainEqual(expect.objectContaining({ level: "error", requestId: "req-bad-state", tenantId: agent.tenantId, botId }));
  });

  it("carries the HTTP request id to the adapter", async () => {
    const response = await getConnection().set("x-request-id", "req-trace-123");
    expect(response.headers["x-request-id"]).toBe("req-trace-123");
    expect(adapter.getConnections[0]?.requestId).toBe("req-trace-123");
  });
});

describe("POST /api/bots/:botId/messages", () => {
  it("sends a text through the adapter and answers 202 with the provider's message id", async () => {
    adapter.onSendMessage = async () => ({ providerMessageId: "wamid.HBgL123", provider: ProviderKind.META, replayed: false });
    const response = await sendMessage({ to: "5215512345678", text: "¡Hola! Tu pedido está listo." }).set("x-request-id", "req-send-1");
    expect(response.status).toBe(202);
    expect(adapter.sends[0]?.requestId).toBe("req-send-1");
    expect(response.body).toEqual({ providerMessageId: "wamid.HBgL123", provider: "meta", replayed: false });

    expect(adapter.sends).toHaveLength(1);
    const sent = adapter.sends[0]?.request;
    expect(sent).toMatchObject({
      tenantId: agent.tenantId,
      botId,
      recipient: "5215512345678",
      idempotencyKey: `dashboard:${agent.id}:order-42:retry`,
    });
    expect(sent?.content?.kind).toEqual({ case: "text", value: expect.objectContaining({ body: "¡Hola! Tu pedido está listo." }) });
  });

  it("records the manual message as a message.sent event of the conversation, once per key, for every dashboard and the KPIs", async () => {
    adapter.onSendMessage = async () => ({ providerMessageId: "wamid.manual", provider: ProviderKind.META, replayed: false });
    expect((await sendMessage({ to: "5215599887766", text: "Le escribe Ana de la tienda" }, { key: "manual-event-1" })).status).toBe(202);
    adapter.onSendMessage = async () => ({ providerMessageId: "wamid.manual", provider: ProviderKind.META, replayed: true });
    expect((await sendMessage({ to: "5215599887766", text: "Le escribe Ana de la tienda" }, { key: "manual-event-1" })).status).toBe(202);
    const events = (await gateway.testRedis.redis.xrange("events", "-", "+"))
      .map(([, fields]) => JSON.parse(fields[1] ?? "{}") as { id: string; type: string; tenantId: string; botId: string; contact: string; attributes: Record<string, unknown> })
      .filter((event) => event.id === `dashboard:${agent.id}:manual-event-1`);
    expect(events[0]).toMatchObject({ type: "message.sent", tenantId: agent.tenantId, botId, contact: "5215599887766", attributes: { provider: "meta", text: "Le escribe Ana de la tienda", by: agent.id, manual: true } });
    // A replayed key appends the same id again; every reader counts an id once.
    expect(new Set(events.map((event) => event.id)).size).toBe(1);
  });

  it("sends for the token's tenant whatever tenant the body or query names", async () => {
    const other = await gateway.createUser({ tenant: "rival-shop", email: "owner@rival.test", role: "owner" });
    const response = await request(gateway.app)
      .post(`/api/bots/${botId}/messages?tenantId=${other.tenantId}`)
      .set("authorization", `Bearer ${agentToken}`)
      .set("idempotency-key", "scoping-check-1")
      .send({ to: "5215512345678", text: "hi", tenantId: other.tenantId, tenant_id: other.tenantId, userId: other.id });
    expect(response.status).toBe(202);
    expect(adapter.sends[0]?.request.tenantId).toBe(agent.tenantId);
    expect(adapter.sends[0]?.request.idempotencyKey).toBe(`dashboard:${agent.id}:scoping-check-1`);
  });

  it("reports a replay when the adapter has already seen the key", async () => {
    adapter.onSendMessage = async () => ({ providerMessageId: "wamid.first", provider: ProviderKind.META, replayed: true });
    const response = await sendMessage({ to: "5215512345678", text: "again" });
    expect(response.status).toBe(202);
    expect(response.body.replayed).toBe(true);
  });

  it("requires an Idempotency-Key header (400 IDEMPOTENCY_KEY_REQUIRED) and sends nothing without one", async () => {
    const response = await sendMessage({ to: "5215512345678", text: "hola" }, { key: null });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("IDEMPOTENCY_KEY_REQUIRED");
    expect(adapter.sends).toHaveLength(0);
  });

  it("rejects an Idempotency-Key that is too short or has other characters", async () => {
    for (const key of ["short", "has spaces in it", "x".repeat(129)]) {
      const response = await sendMessage({ to: "5215512345678", text: "hola" }, { key });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("INVALID_IDEMPOTENCY_KEY");
    }
    expect(adapter.sends).toHaveLength(0);
  });

  it("validates the recipient and text (400 with details) before calling the adapter", async () => {
    for (const body of [{ to: "+5215512345678", text: "hola" }, { to: "123456", text: "hola" }, { to: "5215512345678", text: "" }, { to: "5215512345678", text: "x".repeat(4097) }, { to: "5215512345678" }]) {
      const response = await sendMessage(body);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("VALIDATION_FAILED");
      expect(Array.isArray(response.body.error.details)).toBe(true);
    }
    expect((await sendMessage({ to: "5215512345678", text: "x".repeat(4096) })).status).toBe(202);
    expect(adapter.sends).toHaveLength(1);
  });

  it("rejects a bot id that is not a UUID with 400", async () => {
    const response = await sendMessage({ to: "5215512345678", text: "hola" }, { id: "42" });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("passes the adapter's own error code, status and details through", async () => {
    adapter.onSendMessage = () => Promise.reject(new AppError("failed_precondition", "BOT_NOT_CONNECTED", "The bot is not connected", { details: { state: "disconnected" } }));
    const response = await sendMessage({ to: "5215512345678", text: "hola" });
    expect(response.status).toBe(412);
    expect(response.body.error).toMatchObject({ code: "BOT_NOT_CONNECTED", message: "The bot is not connected", details: { state: "disconnected" } });
  });
});

describe("with the adapter down", () => {
  let lonely: GatewayHarness;
  let token: string;

  beforeAll(async () => {
    lonely = await startGateway({ adapterAddress: `127.0.0.1:${await freePort()}` });
    token = await tokenFor(lonely, await lonely.createUser({ tenant: "acme", email: "agent@acme.test", role: "agent" }));
  });

  afterAll(async () => {
    await lonely?.close();
  });

  it("answers 503 (unavailable) for a connection query and a send", async () => {
    const connection = await request(lonely.app).get(`/api/bots/${botId}/connection`).set("authorization", `Bearer ${token}`);
    expect(connection.status).toBe(503);
    expect(connection.body.error).toMatchObject({ code: "GRPC_UNAVAILABLE", requestId: expect.any(String) });

    const send = await request(lonely.app)
      .post(`/api/bots/${botId}/messages`)
      .set("authorization", `Bearer ${token}`)
      .set("idempotency-key", "while-down-1")
      .send({ to: "5215512345678", text: "hola" });
    expect(send.status).toBe(503);
    expect(JSON.stringify(send.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
  });
});
