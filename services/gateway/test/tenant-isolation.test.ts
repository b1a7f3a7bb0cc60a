// Tenant isolation, walked over the whole API: every operation of the OpenAPI
// document, called by another tenant's owner with the first tenant's ids,
// answers 404 (or, for lists and the caller's own data, only the caller's
// tenant), never the first tenant's data, never a 5xx. A path that names
// something inside the caller's own tenant (a secret's name) is walked with the
// first tenant's name too: it must reach only the caller's own.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { AppError } from "@fleet/service-kit";
import { ConnectionState, ProviderKind } from "@fleet/contracts/adapter";
import request from "supertest";
import { startAnalyticsWorker, type AnalyticsWorkerHarness } from "./analytics-worker.harness.js";
import { startFakeAdapter, type FakeAdapter } from "./fake-adapter.js";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";
import { startOrchestrator, type OrchestratorHarness } from "./orchestrator.harness.js";

let adapter: FakeAdapter;
let orchestrator: OrchestratorHarness;
let analyticsWorker: AnalyticsWorkerHarness;
let gateway: GatewayHarness;
let victim: SeededUser;
let victimSeller: SeededUser;
let intruder: SeededUser;
let victimBotId: string;
let victimFlowId: string;
let victimSellerRecordId: string;
let victimAssignmentId: string;
let victimProductId: string;
let victimVariantId: string;
let victimCustomerId: string;
let victimOrderId: string;
const VICTIM_CONTACT = "5215512345678";
const VICTIM_SECRET = "VICTIM_TOKEN";
const VICTIM_SECRET_VALUE = "victim-secret-value";
const VICTIM_HOST = "api.victim.example";

/** A flow document of the victim's (valid, so only the tenant check can stop its activation). */
const victimFlow = {
  schemaVersion: 1,
  id: "victim-flow",
  name: "Victim flow",
  start: "hola",
  triggers: [{ type: "keyword", keywords: ["hola"] }],
  steps: { hola: { kind: "message", text: "Victim greeting", next: "fin" }, fin: { kind: "end" } },
};

/** A valid body per operation, so the call gets past validation to the lookup. New operations must be added here. */
const BODIES: Record<string, object | string | undefined> = {
  getFleetHealth: undefined,
  register: { tenantName: "Otra", tenantSlug: `otra-${Date.now()}`, email: "dueno@otra.test", password: "violet-harbor-quantum-7" },
  login: { email: "nobody@nowhere.test", password: "wrong-password-123" },
  refreshSession: {},
  logout: {},
  getMe: undefined,
  listUsers: undefined,
  createUser: { email: "nuevo@otra.test", role: "agent", password: "violet-harbor-quantum-7" },
  getUser: undefined,
  updateUser: { displayName: "Hacked" },
  removeUser: undefined,
  listBots: undefined,
  createBot: { displayName: "Intruder bot", providers: [{ kind: "meta", settings: { phone_number_id: "999000111" }, secrets: { access_token: "EAAGx" } }] },
  getBot: undefined,
  updateBot: { displayName: "Hacked", providers: [{ kind: "meta", settings: { phone_number_id: "999000112" } }] },
  deleteBot: undefined,
  getBotConnection: undefined,
  getBotConnectionQrPng: undefined,
  requestBotPairingCode: { phoneNumber: "5215512345678" },
  getContactMedia: undefined,
  sendBotMessage: { to: "5215512345678", text: "hola" },
  listFlows: undefined,
  installDefaultFlows: { language: "en" },
  createFlow: { botId: null, kind: "main", definition: { schemaVersion: 1, id: "intruder-flow", name: "Intruder flow", start: "fin", triggers: [], steps: { fin: { kind: "end" } } } },
  getFlow: undefined,
  saveFlowDraft: { definition: { ...victimFlow, name: "Hacked" } },
  validateFlow: {},
  activateFlowVersion: undefined,
  simulateFlow: { inputs: [{ text: "hola" }] },
  getConversation: undefined,
  resetConversation: undefined,
  resumeConversation: undefined,
  pauseConversation: { minutes: 5 },
  getHttpSettings: undefined,
  setHttpAllowedHosts: { hosts: ["api.intruder.example"] },
  putHttpSecret: { value: "intruder-value" },
  deleteHttpSecret: undefined,
  listCustomers: undefined,
  createCustomer: { name: "Intruder customer", whatsappId: "5215500000123" },
  getCustomer: undefined,
  updateCustomer: { name: "Hacked" },
  listCustomerOrders: undefined,
  listOrders: undefined,
  createOrder: { whatsappId: "5215500000123", lines: [{ productId: "00000000-0000-4000-8000-000000000001", quantity: 1 }] },
  getOrder: undefined,
  changeOrderStatus: { status: "cancelled" },
  recordOrderPayment: { amountMinor: 100, method: "cash" },
  getSettings: undefined,
  getAnalyticsMetrics: undefined,
  getAnalyticsTimeseries: undefined,
  listAnalyticsEvents: undefined,
  updateSettings: { language: "en" },
  listSellers: undefined,
  createSeller: { name: "Intruder seller", phone: "5215550000009" },
  getSeller: undefined,
  updateSeller: { name: "Hacked", status: "offline" },
  getSellerSchedule: undefined,
  putSellerSchedule: { weekly: null, daysOff: ["2030-01-01"] },
  listSellerAssignments: undefined,
  assignSeller: { customerContact: VICTIM_CONTACT, reason: "intruder" },
  releaseSellerAssignment: undefined,
  searchProducts: undefined,
  listProducts: undefined,
  createProduct: { sku: "INTRUDER-1", name: "Intruder ring", priceMinor: 100 },
  importProducts: "sku,name,price\nINTRUDER-CSV-1,Intruder import,10\n",
  exportProducts: undefined,
  getProduct: undefined,
  updateProduct: { name: "Hacked" },
  deleteProduct: undefined,
  listProductVariants: undefined,
  createProductVariant: { sku: "INTRUDER-V1", size: "7" },
  updateProductVariant: { size: "Hacked" },
  deleteProductVariant: undefined,
  adjustProductStock: { delta: -1, reason: "theft" },
};

/**
 * Operations scoped by the actor alone, whose path parameter is a name inside the caller's own
 * tenant rather than an id of another tenant's resource: like /api/auth/me they act on the caller's
 * own data, so any answer but a 5xx is fine; what they must not do is show or change the victim's.
 */
const ACTOR_SCOPED = new Set(["putHttpSecret", "deleteHttpSecret"]);

interface Operation {
  method: string;
  path: string;
  operationId: string;
}

function operations(): Operation[] {
  const paths = (gateway.openApi as { paths: Record<string, Record<string, { operationId: string }>> }).paths;
  return Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method, path, operationId: op.operationId })));
}

beforeAll(async () => {
  adapter = await startFakeAdapter();
  // As the real adapter does: a bot of another tenant is NOT_FOUND for connections and sends too.
  const ownBot = (tenantId: string, botId: string) => adapter.botsOf(tenantId).some((bot) => bot.id === botId);
  adapter.onGetConnection = async ({ tenantId, botId }) => {
    if (!ownBot(tenantId, botId)) throw new AppError("not_found", "BOT_NOT_FOUND", "Bot not found");
    return { state: ConnectionState.AWAITING_PAIRING, provider: ProviderKind.BAILEYS, qr: "2@victim-qr", pairingCode: "VICT-1234" };
  };
  adapter.onSendMessage = async ({ tenantId, botId }) => {
    if (!ownBot(tenantId, botId)) throw new AppError("not_found", "BOT_NOT_FOUND", "Bot not found");
    return { providerMessageId: "wamid.victim", provider: ProviderKind.META, replayed: false };
  };
  orchestrator = await startOrchestrator();
  analyticsWorker = await startAnalyticsWorker({ stored: true });
  gateway = await startGateway({ adapterAddress: adapter.address, orchestratorAddress: orchestrator.address, analyticsAddress: analyticsWorker.address });
  victim = await gateway.createUser({ tenant: "victima", email: "duena@victima.test", role: "owner" });
  victimSeller = await gateway.createUser({ tenant: "victima", email: "vendedor@victima.test", role: "agent" });
  intruder = await gateway.createUser({ tenant: "intrusa", email: "duena@intrusa.test", role: "owner" });
  victimBotId = adapter.addBot(victim.tenantId, { displayName: "Victim bot", providers: [{ kind: ProviderKind.META, settings: { phone_number_id: "555000111" }, secrets: { access_token: "EAAGsecret" } }] }).id;
  adapter.media.set(`${victimBotId}/1479537139650973`, { data: Buffer.from("victim-photo"), mimeType: "image/jpeg", filename: "" });
  const created = await request(gateway.app).post("/api/flows").set("authorization", `Bearer ${await tokenFor(gateway, victim)}`).send({ botId: victimBotId, definition: victimFlow });
  victimFlowId = String(created.body.flow.id);
  await request(gateway.app).put("/api/flows/http-settings/allowed-hosts").set("authorization", `Bearer ${await tokenFor(gateway, victim)}`).send({ hosts: [VICTIM_HOST] });
  await request(gateway.app).put(`/api/flows/http-settings/secrets/${VICTIM_SECRET}`).set("authorization", `Bearer ${await tokenFor(gateway, victim)}`).send({ value: VICTIM_SECRET_VALUE });
  // A seller of the victim's attending one of their customers.
  const sellerCreated = await request(gateway.app).post("/api/sellers").set("authorization", `Bearer ${await tokenFor(gateway, victim)}`).send({ name: "Victim seller", phone: "5215577700077", status: "online" });
  victimSellerRecordId = String(sellerCreated.body.id);
  const assigned = await request(gateway.app).post("/api/sellers/assignments").set("authorization", `Bearer ${await tokenFor(gateway, victim)}`).send({ customerContact: "5215577700088", customerName: "Victim customer", sellerId: victimSellerRecordId });
  victimAssignmentId = String(assigned.body.assignment.id);
  const product = await request(gateway.app).post("/api/products").set("authorization", `Bearer ${await tokenFor(gateway, victim)}`).send({ sku: "VICTIM-RING", name: "Victim ring", priceMinor: 990_000, stock: 3 });
  victimProductId = String(product.body.id);
  const variant = await request(gateway.app).post(`/api/products/${victimProductId}/variants`).set("authorization", `Bearer ${await tokenFor(gateway, victim)}`).send({ sku: "VICTIM-RING-7", size: "7" });
  victimVariantId = String(variant.body.id);
  // A customer of the victim's with an order (on a product of its own, so the ring's stock stays 3).
  const victimAuth = { authorization: `Bearer ${await tokenFor(gateway, victim)}` };
  victimCustomerId = String((await request(gateway.app).post("/api/customers").set(victimAuth).send({ name: "Victim buyer", whatsappId: "5215577700099" })).body.id);
  const bracelet = await request(gateway.app).post("/api/products").set(victimAuth).send({ sku: "VICTIM-BRACELET", name: "Victim bracelet", priceMinor: 50_000, stock: 2 });
  victimOrderId = String((await request(gateway.app).post("/api/orders").set(victimAuth).send({ customerId: victimCustomerId, lines: [{ productId: bracelet.body.id, quantity: 1 }] })).body.id);
  // A contact of the victim's bot handed to a person: paused, with variables worth stealing.
  const now = Date.now();
  // The victim's stored events (the analytics worker's logs of record).
  analyticsWorker.store([{ v: 1, id: "victim-event-1", tenantId: victim.tenantId, type: "order.created", source: "gateway", occurredAt: new Date(now).toISOString(), botId: victimBotId, contact: VICTIM_CONTACT, attributes: { order_id: victimOrderId } }]);
  await orchestrator.seedConversation(victim.tenantId, victimBotId, VICTIM_CONTACT, {
    v: 1,
    id: "meta:wamid.victim-conversation",
    flow: { id: victimFlowId, slug: "victim-flow", version: 1 },
    step: "hola",
    vars: { note: "Victim variable" },
    retries: 0,
    timer: { id: "meta:wamid.victim-conversation:1", purpose: "handoff", dueAt: now + 3600_000, next: "fin" },
    pausedUntil: now + 3600_000,
    pending: [],
    lastError: null,
    seq: 1,
    startedAt: now,
    updatedAt: now,
  });
});

afterAll(async () => {
  await gateway?.close();
  await orchestrator?.stop();
  await analyticsWorker?.stop();
  await adapter?.stop();
});

describe("tenant isolation over every route of the document", () => {
  it("has a sample body for every operation (a new route must be walked too)", () => {
    expect(operations().map((op) => op.operationId).sort()).toEqual(Object.keys(BODIES).sort());
  });

  it("answers another tenant's ids with 404, never their data, never a 5xx", async () => {
    const token = await tokenFor(gateway, intruder);
    const secrets = [victim.id, victim.email, victimSeller.id, victimSeller.email, victimBotId, "Victim bot", "555000111", "victim-qr", "VICT-1234", "EAAGsecret", "victim-photo", victimFlowId, "Victim flow", "Victim greeting", "Victim variable", VICTIM_HOST, VICTIM_SECRET_VALUE, victimSellerRecordId, "Victim seller", "5215577700077", victimAssignmentId, "5215577700088", "Victim customer", victimProductId, "Victim ring", "VICTIM-RING", victimCustomerId, victimOrderId, "Victim buyer", "5215577700099", "VICTIM-BRACELET"];
    const walked: string[] = [];
    for (const op of operations()) {
      const ids: Record<string, string> = { userId: victimSeller.id, botId: victimBotId, provider: "meta", mediaId: "1479537139650973", flowId: victimFlowId, version: "1", contact: VICTIM_CONTACT, name: VICTIM_SECRET, productId: victimProductId, variantId: victimVariantId, sellerId: victimSellerRecordId, assignmentId: victimAssignmentId, customerId: victimCustomerId, orderId: victimOrderId };
      const path = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => ids[name] ?? "00000000-0000-4000-8000-000000000000");
      const call = request(gateway.app)[op.method as "get"](path).set("authorization", `Bearer ${token}`).set("idempotency-key", "isolation-0001");
      const body = BODIES[op.operationId];
      // A string is a CSV file (the catalogue import).
      const response = body === undefined ? await call : typeof body === "string" ? await call.set("content-type", "text/csv").send(body) : await call.send(body);
      const text = Buffer.isBuffer(response.body) ? response.body.toString("latin1") : JSON.stringify(response.body ?? "") + (response.text ?? "");
      expect({ op: op.operationId, status: response.status < 500 }).toEqual({ op: op.operationId, status: true });
      for (const secret of secrets) expect({ op: op.operationId, leaked: text.includes(secret) ? secret : null }).toEqual({ op: op.operationId, leaked: null });
      if (op.path.includes("{") && !ACTOR_SCOPED.has(op.operationId)) expect({ op: op.operationId, status: response.status }).toEqual({ op: op.operationId, status: 404 });
      walked.push(op.operationId);
    }
    expect(walked.length).toBe(Object.keys(BODIES).length);
    // And nothing of the victim's changed.
    expect(adapter.botsOf(victim.tenantId).map((bot) => bot.displayName)).toEqual(["Victim bot"]);
    const seller = await request(gateway.app).get(`/api/users/${victimSeller.id}`).set("authorization", `Bearer ${await tokenFor(gateway, victim)}`);
    expect(seller.body).toMatchObject({ displayName: "", disabled: false });
    const flow = await request(gateway.app).get(`/api/flows/${victimFlowId}?version=1`).set("authorization", `Bearer ${await tokenFor(gateway, victim)}`);
    expect(flow.body.flow).toMatchObject({ name: "Victim flow", revision: 1, activeVersion: null });
    expect(flow.body.version.definition).toEqual(victimFlow);
    const conversation = await request(gateway.app).get(`/api/bots/${victimBotId}/conversations/${VICTIM_CONTACT}`).set("authorization", `Bearer ${await tokenFor(gateway, victim)}`);
    expect(conversation.body).toMatchObject({ variables: { note: "Victim variable" }, pausedUntil: expect.any(String) });
    const ring = await request(gateway.app).get(`/api/products/${victimProductId}`).set("authorization", `Bearer ${await tokenFor(gateway, victim)}`);
    expect(ring.body).toMatchObject({ name: "Victim ring", stock: 3, active: true, variants: [{ size: "7", active: true }] });
    expect(await orchestrator.inboundEntries(victimBotId, VICTIM_CONTACT)).toEqual([]);
    const order = await request(gateway.app).get(`/api/orders/${victimOrderId}`).set("authorization", `Bearer ${await tokenFor(gateway, victim)}`);
    expect(order.body).toMatchObject({ status: "pending", paidMinor: 0, customer: { name: "Victim buyer" } });
    const buyer = await request(gateway.app).get(`/api/customers/${victimCustomerId}`).set("authorization", `Bearer ${await tokenFor(gateway, victim)}`);
    expect(buyer.body).toMatchObject({ name: "Victim buyer" });
    const settings = await request(gateway.app).get("/api/flows/http-settings").set("authorization", `Bearer ${await tokenFor(gateway, victim)}`);
    expect(settings.body).toEqual({ allowedHosts: [VICTIM_HOST], secretNames: [VICTIM_SECRET] });
    expect(await orchestrator.httpSettings.resolveSecrets(victim.tenantId, [VICTIM_SECRET])).toEqual({ [VICTIM_SECRET]: VICTIM_SECRET_VALUE });
  });
});

describe("bots through the API", () => {
  it("lets an owner create, read, rename and delete a bot, never showing secret values", async () => {
    const token = await tokenFor(gateway, intruder);
    const auth = { authorization: `Bearer ${token}` };
    const created = await request(gateway.app).post("/api/bots").set(auth).send({ displayName: "Tienda", providers: [{ kind: "meta", settings: { phone_number_id: "777000111" }, secrets: { access_token: "EAAGtop-secret" } }] });
    expect(created.status).toBe(201);
    expect(created.body.providers[0]).toEqual({ kind: "meta", settings: { phone_number_id: "777000111" }, secretNames: ["access_token"] });
    expect(JSON.stringify(created.body)).not.toContain("top-secret");
    const botId = String(created.body.id);
    expect((await request(gateway.app).get("/api/bots").set(auth)).body.bots.map((b: { id: string }) => b.id)).toContain(botId);
    const renamed = await request(gateway.app).put(`/api/bots/${botId}`).set(auth).send({ displayName: "Tienda Centro", providers: [{ kind: "meta", settings: { phone_number_id: "777000111" } }] });
    expect(renamed.status).toBe(200);
    expect(renamed.body.displayName).toBe("Tienda Centro");
    expect(adapter.botsOf(intruder.tenantId).find((bot) => bot.id === botId)?.providers[0]?.secrets).toEqual({ access_token: "EAAGtop-secret" });
    expect((await request(gateway.app).delete(`/api/bots/${botId}`).set(auth)).status).toBe(204);
    expect((await request(gateway.app).get(`/api/bots/${botId}`).set(auth)).status).toBe(404);
  });

  it("renders the QR code of a bot waiting to be linked as a PNG, for managers only", async () => {
    const png = await request(gateway.app).get(`/api/bots/${victimBotId}/connection/qr.png`).set("authorization", `Bearer ${await tokenFor(gateway, victim)}`).buffer(true);
    expect(png.status).toBe(200);
    expect(png.headers["content-type"]).toBe("image/png");
    expect((png.body as Buffer).subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    const bySeller = await request(gateway.app).get(`/api/bots/${victimBotId}/connection/qr.png`).set("authorization", `Bearer ${await tokenFor(gateway, victimSeller)}`);
    expect(bySeller.status).toBe(403);
  });

  it("serves a contact's media to the bot's tenant: images inline, anything else as a download; an unknown reference is 404 and a malformed one 400", async () => {
    const auth = { authorization: `Bearer ${await tokenFor(gateway, victimSeller)}` };
    const photo = await request(gateway.app).get(`/api/bots/${victimBotId}/media/meta/1479537139650973`).set(auth).buffer(true);
    expect(photo.status).toBe(200);
    expect(photo.headers["content-type"]).toBe("image/jpeg");
    expect(photo.headers["content-disposition"]).toBe('inline; filename="media"');
    expect(photo.headers["x-content-type-options"]).toBe("nosniff");
    expect((photo.body as Buffer).toString()).toBe("victim-photo");
    expect(adapter.mediaRequests.at(-1)?.request).toMatchObject({ tenantId: victim.tenantId, botId: victimBotId, provider: ProviderKind.META, providerMediaId: "1479537139650973" });

    adapter.media.set(`${victimBotId}/wamid-page`, { data: Buffer.from("<script>alert(1)</script>"), mimeType: "text/html", filename: "../../etc/passwd\r\nX: y" });
    const page = await request(gateway.app).get(`/api/bots/${victimBotId}/media/official/wamid-page`).set(auth).buffer(true);
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.headers["content-disposition"]).toBe('attachment; filename=".._.._etc_passwd__X_ y"');
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");

    expect((await request(gateway.app).get(`/api/bots/${victimBotId}/media/meta/999`).set(auth)).status).toBe(404);
    const malformed = await request(gateway.app).get(`/api/bots/${victimBotId}/media/meta/a%2Fb`).set(auth);
    expect(malformed.status).toBe(400);
    expect((await request(gateway.app).get(`/api/bots/${victimBotId}/media/fax/123`).set(auth)).status).toBe(400);
  });

  it("forbids a seller to create or delete bots", async () => {
    const auth = { authorization: `Bearer ${await tokenFor(gateway, victimSeller)}` };
    expect((await request(gateway.app).post("/api/bots").set(auth).send(BODIES.createBot ?? {})).status).toBe(403);
    expect((await request(gateway.app).delete(`/api/bots/${victimBotId}`).set(auth)).status).toBe(403);
  });
});
