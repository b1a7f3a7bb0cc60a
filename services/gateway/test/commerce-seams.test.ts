// Where the commerce modules meet, through the real HTTP app and the CommerceService over gRPC on
// real Postgres and Redis: a customer's current seller (UpsertCustomer's seller_id, the REST
// customer), orders taking that seller when they name none, AssignSeller creating customers with
// the customers module's upsert, the settings cache (tax rate, business hours, other replicas)
// and the accent-insensitive, indexed customer search.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";
import { seedProduct } from "./orders.fixtures.js";
import { startCommerce, type CommerceHarness } from "./sellers.harness.js";

let h: CommerceHarness;
let sequence = 0;

beforeAll(async () => {
  h = await startCommerce();
});

afterAll(async () => {
  await h?.close();
});

/** A fresh tenant with an owner, so one test's sellers and customers never meet another's. */
async function newShop(): Promise<{ owner: SeededUser; tenantId: string }> {
  sequence++;
  const owner = await h.base.createUser({ tenant: `costuras-${sequence}`, email: `duena${sequence}@costuras.test`, role: "owner" });
  return { owner, tenantId: owner.tenantId };
}

async function addSeller(owner: SeededUser, name: string): Promise<string> {
  const response = await (await h.as(owner)).post("/api/sellers", { name, phone: "5215550000000", status: "online" });
  expect(response.status).toBe(201);
  return String(response.body.id);
}

describe("the customer's current seller", () => {
  it("answers UpsertCustomer with the seller of the open assignment, and an empty seller_id once released", async () => {
    const { owner, tenantId } = await newShop();
    const sellerId = await addSeller(owner, "Ana");
    const before = await h.grpc.upsertCustomer({ tenantId, whatsappId: "5215510000001", name: "Lupita" });
    expect(before.customer?.sellerId).toBe("");
    const assigned = await h.grpc.assignSeller({ tenantId, customerContact: "5215510000001", reason: "adviser" });
    expect(assigned.seller?.id).toBe(sellerId);
    const during = await h.grpc.upsertCustomer({ tenantId, whatsappId: "5215510000001", name: "" });
    expect(during.customer).toMatchObject({ id: before.customer?.id, sellerId });
    expect((await h.grpc.releaseSeller({ tenantId, customerContact: "5215510000001" })).released).toBe(true);
    expect((await h.grpc.upsertCustomer({ tenantId, whatsappId: "5215510000001", name: "" })).customer?.sellerId).toBe("");
  });

  it("shows the current seller's id and name on REST customers (one, list, create, change), null when there is none", async () => {
    const { owner, tenantId } = await newShop();
    const sellerId = await addSeller(owner, "Beto");
    const api = await h.as(owner);
    const created = await api.post("/api/customers", { name: "Carmen", whatsappId: "5215510000002" });
    expect(created.status).toBe(201);
    expect(created.body.seller).toBeNull();
    await h.grpc.assignSeller({ tenantId, customerContact: "5215510000002", reason: "adviser" });
    const one = await api.get(`/api/customers/${created.body.id}`);
    expect(one.body.seller).toEqual({ id: sellerId, name: "Beto" });
    const listed = await api.get("/api/customers");
    expect(listed.body.items).toEqual([expect.objectContaining({ id: created.body.id, seller: { id: sellerId, name: "Beto" } })]);
    const changed = await api.patch(`/api/customers/${created.body.id}`, { notes: "prefiere plata" });
    expect(changed.body.seller).toEqual({ id: sellerId, name: "Beto" });
    await (await h.as(owner)).patch(`/api/sellers/${sellerId}`, { name: "Beto R." });
    expect((await api.get(`/api/customers/${created.body.id}`)).body.seller).toEqual({ id: sellerId, name: "Beto R." });
  });

  it("describes the customer's seller in the OpenAPI document", async () => {
    const document = (await request(h.app).get("/api/openapi.json")).body;
    const customer = document.components.schemas.Customer;
    expect(customer.required).toContain("seller");
    expect(JSON.stringify(customer.properties.seller)).toContain("CustomerSeller");
  });
});

describe("orders and the customer's seller", () => {
  it("gives an order that names no seller to the customer's current seller, over REST and gRPC", async () => {
    const { owner, tenantId } = await newShop();
    const sellerId = await addSeller(owner, "Carla");
    const ring = await seedProduct(h.base.pool, tenantId, { sku: "ANILLO-S1", priceMinor: 1000, stock: 10 });
    await h.grpc.assignSeller({ tenantId, customerContact: "5215510000003", customerName: "Dora", reason: "catalogue interest" });
    const api = await h.as(owner);

    const byRest = await api.post("/api/orders", { whatsappId: "5215510000003", lines: [{ productId: ring, quantity: 1 }] }).set("idempotency-key", "seams-rest-1");
    expect(byRest.status).toBe(201);
    expect(byRest.body.sellerId).toBe(sellerId);

    const byGrpc = await h.grpc.createOrder({ tenantId, customerContact: "5215510000003", customerName: "", lines: [{ productId: ring, quantity: 1 }], idempotencyKey: "seams-grpc-1" });
    expect(byGrpc.order?.sellerId).toBe(sellerId);
  });

  it("keeps an explicit seller, and null for no seller; a customer without a seller gives none", async () => {
    const { owner, tenantId } = await newShop();
    const attending = await addSeller(owner, "Diego");
    const ring = await seedProduct(h.base.pool, tenantId, { sku: "ANILLO-S2", priceMinor: 1000, stock: 10 });
    expect((await h.grpc.assignSeller({ tenantId, customerContact: "5215510000004", reason: "adviser" })).seller?.id).toBe(attending);
    const other = await addSeller(owner, "Elena");
    const api = await h.as(owner);
    const order = (sellerId: string | null | undefined, key: string, whatsappId = "5215510000004") =>
      api.post("/api/orders", { whatsappId, lines: [{ productId: ring, quantity: 1 }], ...(sellerId === undefined ? {} : { sellerId }) }).set("idempotency-key", key);

    expect(await order(undefined, "seams-2a")).toMatchObject({ status: 201, body: { sellerId: attending } });
    expect(await order(other, "seams-2b")).toMatchObject({ status: 201, body: { sellerId: other } });
    expect(await order(null, "seams-2c")).toMatchObject({ status: 201, body: { sellerId: null } });
    expect(await order(undefined, "seams-2d", "5215510000005")).toMatchObject({ status: 201, body: { sellerId: null } });
  });
});

describe("AssignSeller and the customers module", () => {
  it("creates the contact's customer as UpsertCustomer does (phone from the WhatsApp id, first contact), which UpsertCustomer then finds", async () => {
    const { owner, tenantId } = await newShop();
    await addSeller(owner, "Fer");
    const assigned = await h.grpc.assignSeller({ tenantId, customerContact: "5215510000006@s.whatsapp.net", customerName: "Gabriela", reason: "adviser" });
    const customers = await (await h.as(owner)).get("/api/customers");
    expect(customers.body.items).toEqual([
      expect.objectContaining({ whatsappId: "5215510000006@s.whatsapp.net", name: "Gabriela", phone: "5215510000006", firstContactAt: expect.any(String), lastContactAt: expect.any(String) }),
    ]);
    const upserted = await h.grpc.upsertCustomer({ tenantId, whatsappId: "5215510000006@s.whatsapp.net", name: "" });
    expect(upserted).toMatchObject({ created: false, customer: { id: customers.body.items[0].id, name: "Gabriela", sellerId: assigned.seller?.id } });
  });

  it("gives one customer one assignment when a new contact is assigned 12 times at once", async () => {
    const { owner, tenantId } = await newShop();
    await addSeller(owner, "Hugo");
    await addSeller(owner, "Inés");
    const results = await Promise.all(Array.from({ length: 12 }, () => h.grpc.assignSeller({ tenantId, customerContact: "5215510000007", customerName: "Jazmín", reason: "adviser" })));
    expect(new Set(results.map((result) => result.assignmentId)).size).toBe(1);
    expect(results.filter((result) => !result.existing)).toHaveLength(1);
    const { rows } = await h.base.pool.query<{ customers: number; open: number }>(
      "SELECT (SELECT count(*)::int FROM customers WHERE tenant_id = $1) AS customers, (SELECT count(*)::int FROM seller_assignments WHERE tenant_id = $1 AND released_at IS NULL) AS open",
      [tenantId],
    );
    expect(rows[0]).toEqual({ customers: 1, open: 1 });
  });

  it("answers an unknown tenant with NOT_FOUND TENANT_NOT_FOUND and creates nothing", async () => {
    const unknown = "6f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
    await expect(h.grpc.assignSeller({ tenantId: unknown, customerContact: "5215510000008", reason: "adviser" })).rejects.toMatchObject({ kind: "not_found", code: "TENANT_NOT_FOUND" });
    const { rows } = await h.base.pool.query("SELECT 1 FROM customers WHERE whatsapp_id = '5215510000008'");
    expect(rows).toEqual([]);
  });
});

describe("cached settings", () => {
  it("prices the next order with a tax rate changed through PATCH /api/settings", async () => {
    const { owner, tenantId } = await newShop();
    const ring = await seedProduct(h.base.pool, tenantId, { sku: "ANILLO-IVA", priceMinor: 10_000, stock: 10 });
    const api = await h.as(owner);
    const untaxed = await api.post("/api/orders", { whatsappId: "5215510000009", lines: [{ productId: ring, quantity: 1 }] }).set("idempotency-key", "seams-tax-1");
    expect(untaxed.body).toMatchObject({ taxRateBps: 0, totalMinor: 10_000 });
    expect((await api.patch("/api/settings", { taxRateBps: 1600 })).status).toBe(200);
    const taxed = await h.grpc.createOrder({ tenantId, customerContact: "5215510000009", customerName: "", lines: [{ productId: ring, quantity: 1 }], idempotencyKey: "seams-tax-2" });
    expect(taxed.order?.tax?.amountMinor).toBe(1600n);
    expect(taxed.order?.total?.amountMinor).toBe(11_600n);
  });

  it("answers GetBusinessHours with hours changed through PATCH /api/settings at once", async () => {
    const { owner, tenantId } = await newShop();
    expect((await h.grpc.getBusinessHours({ tenantId })).timeZone).toBe("America/Mexico_City");
    const sundays = [{ weekday: 7, ranges: [{ open: "11:00", close: "15:00" }] }];
    expect((await (await h.as(owner)).patch("/api/settings", { timeZone: "Europe/Madrid", businessHours: sundays })).status).toBe(200);
    const hours = await h.grpc.getBusinessHours({ tenantId });
    expect(hours).toMatchObject({ timeZone: "Europe/Madrid", days: sundays });
  });

  it("reads the settings from its cache: a document edited straight in the database shows only once a change through the API invalidates it", async () => {
    const { owner, tenantId } = await newShop();
    const api = await h.as(owner);
    expect((await api.get("/api/settings")).body.currency).toBe("MXN");
    await h.base.pool.query(`UPDATE tenants SET settings = settings || '{"currency": "USD"}'::jsonb WHERE id = $1`, [tenantId]);
    expect((await api.get("/api/settings")).body.currency).toBe("MXN");
    expect((await api.patch("/api/settings", { language: "en" })).body).toMatchObject({ currency: "USD", language: "en" });
    expect((await api.get("/api/settings")).body).toMatchObject({ currency: "USD", language: "en" });
  });
});

describe("settings cached by two replicas", () => {
  let gateway: GatewayHarness;
  let owner: SeededUser;

  beforeAll(async () => {
    gateway = await startGateway({ replicas: true });
    owner = await gateway.createUser({ tenant: "dos-ajustes", email: "duena@dos-ajustes.test", role: "owner" });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it("shows settings changed through one replica on the other at once, though it had them cached", async () => {
    const replicaB = gateway.replica();
    const auth = { authorization: `Bearer ${await tokenFor(gateway, owner)}` };
    const taxRate = async () => (await request(replicaB.app).get("/api/settings").set(auth)).body.taxRateBps;
    expect(await taxRate()).toBe(0);
    expect((await request(gateway.app).patch("/api/settings").set(auth).send({ taxRateBps: 800 })).status).toBe(200);
    const deadline = Date.now() + 500;
    while ((await taxRate()) !== 800) {
      if (Date.now() > deadline) throw new Error("the other replica still answers the old tax rate");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(replicaB.violations).toEqual([]);
  });
});

describe("customer search", () => {
  it("ignores accents and case in names, finds phones and WhatsApp ids, and takes % and _ literally", async () => {
    const { owner } = await newShop();
    const api = await h.as(owner);
    for (const body of [
      { name: "María Peña", phone: "+525511110000" },
      { name: "MARIO ÁLVAREZ", whatsappId: "5215522220000" },
      { name: "Ana 50% Ruiz" },
      { name: "Ana 500 Ruiz" },
    ]) {
      expect((await api.post("/api/customers", body)).status).toBe(201);
    }
    const names = async (q: string) => ((await api.get(`/api/customers?q=${encodeURIComponent(q)}`)).body.items as { name: string }[]).map((customer) => customer.name).sort();
    expect(await names("maria")).toEqual(["María Peña"]);
    expect(await names("PENA")).toEqual(["María Peña"]);
    expect(await names("peña")).toEqual(["María Peña"]);
    expect(await names("álvarez")).toEqual(["MARIO ÁLVAREZ"]);
    expect(await names("mari")).toEqual(["MARIO ÁLVAREZ", "María Peña"]);
    expect(await names("5511110")).toEqual(["María Peña"]);
    expect(await names("55222")).toEqual(["MARIO ÁLVAREZ"]);
    expect(await names("50%")).toEqual(["Ana 50% Ruiz"]);
    expect(await names("a_5")).toEqual([]);
  });

  it("has a trigram index that serves the search's predicate (LIKE on the folded text)", async () => {
    const client = await h.base.pool.connect();
    try {
      await client.query("BEGIN");
      // On a test's few rows the planner rightly prefers other plans; this asks whether it could use the index at all.
      await client.query("SET LOCAL enable_seqscan = off");
      const { rows } = await client.query<{ "QUERY PLAN": string }>("EXPLAIN SELECT id FROM customers WHERE search_text LIKE catalogue_fold($1)", ["%María%"]);
      expect(rows.map((row) => row["QUERY PLAN"]).join("\n")).toContain("Bitmap Index Scan on customers_search_text_trgm_idx");
      await client.query("ROLLBACK");
    } finally {
      client.release();
    }
  });
});
