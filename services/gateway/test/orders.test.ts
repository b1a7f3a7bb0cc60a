// Orders through the HTTP API on real Postgres and Redis: stock reserved all-or-nothing and never
// oversold under concurrency, restored once on cancellation, the status lifecycle with its history,
// payments and balance, totals with the shop's tax rate, roles, stable error codes and tenants.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { AnalyticsEventSchema, decodeStreamEntry, STREAMS, type AnalyticsEvent } from "@fleet/contracts";
import request from "supertest";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";
import { seedProduct, seedVariant, setTaxRate, stockOf } from "./orders.fixtures.js";

let gateway: GatewayHarness;
let owner: SeededUser;
let agent: SeededUser;
let viewer: SeededUser;
let otherOwner: SeededUser;
let customerId: string;

async function as(user: SeededUser) {
  const token = await tokenFor(gateway, user);
  return {
    get: (path: string) => request(gateway.app).get(path).set("authorization", `Bearer ${token}`),
    post: (path: string, body: object, headers: Record<string, string> = {}) => request(gateway.app).post(path).set("authorization", `Bearer ${token}`).set(headers).send(body),
  };
}

async function events(type: AnalyticsEvent["type"]): Promise<AnalyticsEvent[]> {
  const entries = await gateway.testRedis.redis.xrange(STREAMS.events, "-", "+");
  return entries.flatMap(([, fields]) => {
    const parsed = decodeStreamEntry(AnalyticsEventSchema, fields);
    return parsed.success && parsed.data.type === type ? [parsed.data] : [];
  });
}

beforeAll(async () => {
  gateway = await startGateway();
  owner = await gateway.createUser({ tenant: "joyeria", email: "duena@joyeria.test", role: "owner" });
  agent = await gateway.createUser({ tenant: "joyeria", email: "vendedor@joyeria.test", role: "agent" });
  viewer = await gateway.createUser({ tenant: "joyeria", email: "mira@joyeria.test", role: "viewer" });
  otherOwner = await gateway.createUser({ tenant: "otra-joyeria", email: "duena@otra.test", role: "owner" });
  const created = await (await as(agent)).post("/api/customers", { name: "Lucía Pérez", whatsappId: "5215512345678" });
  customerId = String(created.body.id);
});

afterAll(async () => {
  await gateway?.close();
});

describe("stock under concurrency", () => {
  it("sells exactly 10 of 50 simultaneous orders for a product with stock 10; the other 40 get 409 OUT_OF_STOCK; cancelling one restores 1", async () => {
    const productId = await seedProduct(gateway.pool, owner.tenantId, { sku: "ANILLO-ORO-10", name: "Anillo de oro", priceMinor: 150_000, stock: 10 });
    const api = await as(agent);
    const responses = await Promise.all(Array.from({ length: 50 }, () => api.post("/api/orders", { customerId, lines: [{ productId, quantity: 1 }] })));
    const created = responses.filter((response) => response.status === 201);
    const refused = responses.filter((response) => response.status === 409);
    expect(created).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const response of refused) {
      expect(response.body.error.code).toBe("OUT_OF_STOCK");
      expect(response.body.error.details.lines).toEqual([{ productId, variantId: null, sku: "ANILLO-ORO-10", requested: 1, available: 0 }]);
    }
    expect(await stockOf(gateway.pool, "products", productId)).toBe(0);
    const numbers = created.map((response) => Number(response.body.number));
    expect(new Set(numbers).size).toBe(10);
    const { rows } = await gateway.pool.query<{ sold: string }>("SELECT sum(quantity) AS sold FROM order_lines WHERE product_id = $1", [productId]);
    expect(Number(rows[0]?.sold)).toBe(10);

    const orderId = String(created[0]?.body.id);
    const cancelled = await api.post(`/api/orders/${orderId}/status`, { status: "cancelled", note: "cliente se arrepintió" });
    expect(cancelled.status).toBe(200);
    expect(await stockOf(gateway.pool, "products", productId)).toBe(1);
    // Cancelling again is an invalid transition, and restores nothing more.
    const again = await api.post(`/api/orders/${orderId}/status`, { status: "cancelled" });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: "INVALID_TRANSITION", details: { allowed: [] } });
    expect(await stockOf(gateway.pool, "products", productId)).toBe(1);
  });

  it("restores stock exactly once when the same order is cancelled by concurrent requests", async () => {
    const productId = await seedProduct(gateway.pool, owner.tenantId, { sku: "CADENA-PLATA", priceMinor: 80_000, stock: 5 });
    const api = await as(agent);
    const order = await api.post("/api/orders", { customerId, lines: [{ productId, quantity: 3 }] });
    expect(await stockOf(gateway.pool, "products", productId)).toBe(2);
    const results = await Promise.all(Array.from({ length: 10 }, () => api.post(`/api/orders/${order.body.id}/status`, { status: "cancelled" })));
    expect(results.filter((response) => response.status === 200)).toHaveLength(1);
    expect(results.filter((response) => response.status === 409)).toHaveLength(9);
    expect(await stockOf(gateway.pool, "products", productId)).toBe(5);
  });
});

describe("taking an order", () => {
  it("reserves every line or none: one short line refuses the whole order and names that line", async () => {
    const ring = await seedProduct(gateway.pool, owner.tenantId, { sku: "ANILLO-A", priceMinor: 10_000, stock: 5 });
    const bracelet = await seedProduct(gateway.pool, owner.tenantId, { sku: "PULSERA-B", priceMinor: 20_000, stock: 1 });
    const earrings = await seedProduct(gateway.pool, owner.tenantId, { sku: "ARETES-C", priceMinor: 5_000, stock: 0 });
    const api = await as(agent);
    const refused = await api.post("/api/orders", { customerId, lines: [{ productId: ring, quantity: 2 }, { productId: bracelet, quantity: 2 }, { productId: earrings, quantity: 1 }] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("OUT_OF_STOCK");
    expect(refused.body.error.details.lines).toEqual(
      expect.arrayContaining([
        { productId: bracelet, variantId: null, sku: "PULSERA-B", requested: 2, available: 1 },
        { productId: earrings, variantId: null, sku: "ARETES-C", requested: 1, available: 0 },
      ]),
    );
    expect(refused.body.error.details.lines).toHaveLength(2);
    expect(await stockOf(gateway.pool, "products", ring)).toBe(5);
    expect(await stockOf(gateway.pool, "products", bracelet)).toBe(1);
  });

  it("sums two lines of the same product against its stock", async () => {
    const ring = await seedProduct(gateway.pool, owner.tenantId, { sku: "ANILLO-DOBLE", priceMinor: 10_000, stock: 3 });
    const api = await as(agent);
    const refused = await api.post("/api/orders", { customerId, lines: [{ productId: ring, quantity: 2 }, { productId: ring, quantity: 2 }] });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.lines).toEqual([{ productId: ring, variantId: null, sku: "ANILLO-DOBLE", requested: 4, available: 3 }]);
    const taken = await api.post("/api/orders", { customerId, lines: [{ productId: ring, quantity: 1 }, { productId: ring, quantity: 2 }] });
    expect(taken.status).toBe(201);
    expect(taken.body.lines).toHaveLength(2);
    expect(await stockOf(gateway.pool, "products", ring)).toBe(0);
  });

  it("reserves a variant's own stock at the variant's price (or the product's when it has none)", async () => {
    const ring = await seedProduct(gateway.pool, owner.tenantId, { sku: "ANILLO-TALLAS", name: "Anillo solitario", priceMinor: 300_000, stock: 100 });
    const size6 = await seedVariant(gateway.pool, owner.tenantId, ring, { sku: "ANILLO-TALLAS-6", size: "talla 6", priceMinor: 320_000, stock: 2 });
    const size7 = await seedVariant(gateway.pool, owner.tenantId, ring, { sku: "ANILLO-TALLAS-7", size: "talla 7", stock: 1 });
    const api = await as(agent);
    const order = await api.post("/api/orders", { customerId, lines: [{ productId: ring, variantId: size6, quantity: 2 }, { productId: ring, variantId: size7, quantity: 1 }] });
    expect(order.status).toBe(201);
    expect(order.body.lines).toEqual([
      { productId: ring, variantId: size6, sku: "ANILLO-TALLAS-6", name: "Anillo solitario talla 6", unitPriceMinor: 320_000, quantity: 2, lineTotalMinor: 640_000 },
      { productId: ring, variantId: size7, sku: "ANILLO-TALLAS-7", name: "Anillo solitario talla 7", unitPriceMinor: 300_000, quantity: 1, lineTotalMinor: 300_000 },
    ]);
    expect(await stockOf(gateway.pool, "product_variants", size6)).toBe(0);
    expect(await stockOf(gateway.pool, "product_variants", size7)).toBe(0);
    expect(await stockOf(gateway.pool, "products", ring)).toBe(100);
    const short = await api.post("/api/orders", { customerId, lines: [{ productId: ring, variantId: size7, quantity: 1 }] });
    expect(short.status).toBe(409);
    expect(short.body.error.details.lines).toEqual([{ productId: ring, variantId: size7, sku: "ANILLO-TALLAS-7", requested: 1, available: 0 }]);
    await api.post(`/api/orders/${order.body.id}/status`, { status: "cancelled" });
    expect(await stockOf(gateway.pool, "product_variants", size6)).toBe(2);
    expect(await stockOf(gateway.pool, "product_variants", size7)).toBe(1);
  });

  it("computes totals with the discount, the shop's tax rate and delivery, in minor units, and snapshots the customer", async () => {
    const ring = await seedProduct(gateway.pool, otherOwner.tenantId, { sku: "ANILLO-IVA", name: "Anillo con IVA", priceMinor: 10_005, stock: 10 });
    await setTaxRate(gateway.pool, otherOwner.tenantId, 1600);
    const api = await as(otherOwner);
    const order = await api.post("/api/orders", {
      whatsappId: "5213300000001",
      customerName: "Marta",
      lines: [{ productId: ring, quantity: 3 }],
      discountMinor: 15,
      deliveryMinor: 5_000,
      paymentMethod: "transfer",
      deliveryMethod: "delivery",
      deliveryAddress: "Av. Juárez 10, CDMX",
      notes: "envolver para regalo",
    });
    expect(order.status).toBe(201);
    // 30015 − 15 = 30000 taxable; 16 % = 4800; total 30000 + 4800 + 5000.
    expect(order.body).toMatchObject({
      status: "pending",
      source: "dashboard",
      currency: "MXN",
      subtotalMinor: 30_015,
      discountMinor: 15,
      taxRateBps: 1600,
      taxMinor: 4_800,
      deliveryMinor: 5_000,
      totalMinor: 39_800,
      paidMinor: 0,
      balanceMinor: 39_800,
      paymentMethod: "transfer",
      deliveryMethod: "delivery",
      deliveryAddress: "Av. Juárez 10, CDMX",
      notes: "envolver para regalo",
      customer: { name: "Marta", whatsappId: "5213300000001", phone: "5213300000001" },
      createdBy: otherOwner.id,
      number: 1001,
    });
    expect(order.body.statusHistory).toEqual([{ from: null, to: "pending", by: otherOwner.id, at: expect.any(String), note: "" }]);
    const second = await api.post("/api/orders", { whatsappId: "5213300000001", lines: [{ productId: ring, quantity: 1 }] });
    expect(second.body.number).toBe(1002);
    expect(second.body.customer.id).toBe(order.body.customer.id);
  });

  it("answers a retried request with the same Idempotency-Key with the first order, reserving once", async () => {
    const ring = await seedProduct(gateway.pool, owner.tenantId, { sku: "ANILLO-IDEM", priceMinor: 1_000, stock: 10 });
    const api = await as(agent);
    const headers = { "idempotency-key": "checkout-7f3a9c" };
    const attempts = await Promise.all(Array.from({ length: 5 }, () => api.post("/api/orders", { customerId, lines: [{ productId: ring, quantity: 2 }] }, headers)));
    expect(attempts.map((response) => response.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(attempts.map((response) => response.body.id)).size).toBe(1);
    expect(await stockOf(gateway.pool, "products", ring)).toBe(8);
  });

  it("emits order.created and stock.low when a reservation takes a product to its minimum", async () => {
    const ring = await seedProduct(gateway.pool, owner.tenantId, { sku: "ANILLO-BAJO", priceMinor: 1_000, stock: 5, stockMin: 2 });
    const order = await (await as(agent)).post("/api/orders", { customerId, lines: [{ productId: ring, quantity: 3 }] });
    expect(order.status).toBe(201);
    expect(await events("order.created")).toEqual(expect.arrayContaining([expect.objectContaining({ tenantId: owner.tenantId, contact: "5215512345678", attributes: expect.objectContaining({ orderId: order.body.id, totalMinor: 3_000 }) })]));
    const low = (await events("stock.low")).filter((event) => event.attributes.sku === "ANILLO-BAJO");
    expect(low).toHaveLength(1);
    expect(low[0]).toMatchObject({ tenantId: owner.tenantId, attributes: { stock: 2 } });
  });

  it("answers bad orders with stable 400 and 404 codes, never a 500", async () => {
    const ring = await seedProduct(gateway.pool, owner.tenantId, { sku: "ANILLO-VAL", priceMinor: 1_000, stock: 5 });
    const dollars = await seedProduct(gateway.pool, owner.tenantId, { sku: "ANILLO-USD", priceMinor: 1_000, stock: 5, currency: "USD" });
    const inactive = await seedProduct(gateway.pool, owner.tenantId, { sku: "ANILLO-OFF", priceMinor: 1_000, stock: 5, active: false });
    const api = await as(agent);
    const cases: Array<[object, number, string]> = [
      [{ customerId, lines: [] }, 400, "VALIDATION_FAILED"],
      [{ customerId, lines: [{ productId: ring, quantity: 0 }] }, 400, "VALIDATION_FAILED"],
      [{ lines: [{ productId: ring, quantity: 1 }] }, 400, "VALIDATION_FAILED"],
      [{ customerId, lines: [{ productId: ring, quantity: 1 }], discountMinor: 1_001 }, 400, "DISCOUNT_EXCEEDS_SUBTOTAL"],
      [{ customerId, lines: [{ productId: ring, quantity: 1 }, { productId: dollars, quantity: 1 }] }, 400, "MIXED_CURRENCIES"],
      [{ customerId: "00000000-0000-4000-8000-000000000000", lines: [{ productId: ring, quantity: 1 }] }, 404, "CUSTOMER_NOT_FOUND"],
      [{ customerId, lines: [{ productId: inactive, quantity: 1 }] }, 404, "PRODUCT_NOT_FOUND"],
      [{ customerId, lines: [{ productId: ring, quantity: 1 }], sellerId: "00000000-0000-4000-8000-000000000000" }, 404, "SELLER_NOT_FOUND"],
    ];
    for (const [body, status, code] of cases) {
      const response = await api.post("/api/orders", body);
      expect({ body, status: response.status, code: response.body.error?.code }).toEqual({ body, status, code });
    }
    expect((await api.post("/api/orders", { customerId, lines: [{ productId: ring, quantity: 1 }] }, { "idempotency-key": "bad key!" })).body.error.code).toBe("INVALID_IDEMPOTENCY_KEY");
    expect(await stockOf(gateway.pool, "products", ring)).toBe(5);
    expect(await stockOf(gateway.pool, "products", dollars)).toBe(5);
  });
});

describe("status lifecycle and payments", () => {
  it("walks an order to delivered, recording who and when, and answers an invalid move with 409 and the allowed ones", async () => {
    const ring = await seedProduct(gateway.pool, owner.tenantId, { sku: "ANILLO-VIAJE", priceMinor: 1_000, stock: 5 });
    const seller = await as(agent);
    const manager = await as(owner);
    const order = await seller.post("/api/orders", { customerId, lines: [{ productId: ring, quantity: 1 }] });
    const orderId = String(order.body.id);
    const skip = await seller.post(`/api/orders/${orderId}/status`, { status: "delivered" });
    expect(skip.status).toBe(409);
    expect(skip.body.error).toMatchObject({ code: "INVALID_TRANSITION", details: { from: "pending", to: "delivered", allowed: ["confirmed", "cancelled"] } });
    const steps: Array<["confirmed" | "in_process" | "packed" | "ready" | "on_the_way" | "delivered", SeededUser]> = [
      ["confirmed", owner],
      ["in_process", agent],
      ["packed", agent],
      ["ready", agent],
      ["on_the_way", agent],
      ["delivered", owner],
    ];
    for (const [status, user] of steps) {
      const moved = await (user === owner ? manager : seller).post(`/api/orders/${orderId}/status`, { status, note: `→ ${status}` });
      expect({ status, code: moved.status }).toEqual({ status, code: 200 });
    }
    const final = await seller.get(`/api/orders/${orderId}`);
    expect(final.body.status).toBe("delivered");
    expect(final.body.statusHistory.map((change: { from: string | null; to: string; by: string }) => [change.from, change.to, change.by])).toEqual([
      [null, "pending", agent.id],
      ["pending", "confirmed", owner.id],
      ["confirmed", "in_process", agent.id],
      ["in_process", "packed", agent.id],
      ["packed", "ready", agent.id],
      ["ready", "on_the_way", agent.id],
      ["on_the_way", "delivered", owner.id],
    ]);
    const times = final.body.statusHistory.map((change: { at: string }) => Date.parse(change.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(final.body.statusHistory[1].note).toBe("→ confirmed");
    expect((await events("order.status_changed")).filter((event) => event.attributes.orderId === orderId).map((event) => event.attributes.to)).toEqual(["confirmed", "in_process", "packed", "ready", "on_the_way", "delivered"]);
    const late = await seller.post(`/api/orders/${orderId}/status`, { status: "cancelled" });
    expect(late.body.error).toMatchObject({ code: "INVALID_TRANSITION", details: { allowed: [] } });
    expect(await stockOf(gateway.pool, "products", ring)).toBe(4);
  });

  it("records partial payments with a balance, and refuses overpayment and payments on a cancelled order", async () => {
    const ring = await seedProduct(gateway.pool, owner.tenantId, { sku: "ANILLO-PAGO", priceMinor: 10_000, stock: 5 });
    const api = await as(agent);
    const order = await api.post("/api/orders", { customerId, lines: [{ productId: ring, quantity: 1 }], deliveryMinor: 500 });
    const orderId = String(order.body.id);
    const first = await api.post(`/api/orders/${orderId}/payments`, { amountMinor: 4_000, method: "cash" });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ totalMinor: 10_500, paidMinor: 4_000, balanceMinor: 6_500 });
    const over = await api.post(`/api/orders/${orderId}/payments`, { amountMinor: 6_501, method: "transfer" });
    expect(over.status).toBe(409);
    expect(over.body.error).toMatchObject({ code: "PAYMENT_EXCEEDS_BALANCE", details: { balanceMinor: 6_500 } });
    const rest = await api.post(`/api/orders/${orderId}/payments`, { amountMinor: 6_500, method: "transfer", reference: "SPEI 123" });
    expect(rest.body).toMatchObject({ paidMinor: 10_500, balanceMinor: 0 });
    expect(rest.body.payments).toEqual([
      expect.objectContaining({ amountMinor: 4_000, method: "cash", recordedBy: agent.id }),
      expect.objectContaining({ amountMinor: 6_500, method: "transfer", reference: "SPEI 123" }),
    ]);
    expect((await api.post(`/api/orders/${orderId}/payments`, { amountMinor: 0, method: "cash" })).body.error.code).toBe("VALIDATION_FAILED");

    const other = await api.post("/api/orders", { customerId, lines: [{ productId: ring, quantity: 1 }] });
    await api.post(`/api/orders/${other.body.id}/status`, { status: "cancelled" });
    const onCancelled = await api.post(`/api/orders/${other.body.id}/payments`, { amountMinor: 100, method: "cash" });
    expect(onCancelled.status).toBe(409);
    expect(onCancelled.body.error.code).toBe("ORDER_CANCELLED");
  });

  it("keeps the balance consistent under concurrent payments", async () => {
    const ring = await seedProduct(gateway.pool, owner.tenantId, { sku: "ANILLO-CONC", priceMinor: 1_000, stock: 5 });
    const api = await as(agent);
    const order = await api.post("/api/orders", { customerId, lines: [{ productId: ring, quantity: 1 }] });
    const results = await Promise.all(Array.from({ length: 10 }, () => api.post(`/api/orders/${order.body.id}/payments`, { amountMinor: 300, method: "cash" })));
    expect(results.filter((response) => response.status === 201)).toHaveLength(3);
    const final = await api.get(`/api/orders/${order.body.id}`);
    expect(final.body).toMatchObject({ paidMinor: 900, balanceMinor: 100 });
  });
});

describe("lists", () => {
  it("lists orders newest first by default, page by page, with status, customer and date filters and ascending sort", async () => {
    const ring = await seedProduct(gateway.pool, owner.tenantId, { sku: "ANILLO-LISTA", priceMinor: 1_000, stock: 50 });
    const seller = await as(agent);
    const buyer = await seller.post("/api/customers", { name: "Comprador Lista", whatsappId: "5215599999999" });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(String((await seller.post("/api/orders", { customerId: buyer.body.id, lines: [{ productId: ring, quantity: 1 }] })).body.id));
    await seller.post(`/api/orders/${ids[0]}/status`, { status: "confirmed" });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/api/orders?customerId=${buyer.body.id}&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await seller.get(query);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((order: { id: string }) => order.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const ascending = await seller.get(`/api/orders?customerId=${buyer.body.id}&sort=createdAt&limit=100`);
    expect(ascending.body.items.map((order: { id: string }) => order.id)).toEqual(ids);
    const confirmed = await seller.get(`/api/orders?customerId=${buyer.body.id}&status=confirmed`);
    expect(confirmed.body.items.map((order: { id: string }) => order.id)).toEqual([ids[0]]);
    const future = await seller.get(`/api/orders?customerId=${buyer.body.id}&from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.body.items).toEqual([]);
    const ofCustomer = await seller.get(`/api/customers/${buyer.body.id}/orders?limit=3`);
    expect(ofCustomer.body.items.map((order: { id: string }) => order.id)).toEqual([...ids].reverse().slice(0, 3));
    expect(ofCustomer.body.nextCursor).toEqual(expect.any(String));
    expect((await seller.get("/api/orders?cursor=bm90LWEtY3Vyc29y")).body.error.code).toBe("INVALID_CURSOR");
    expect((await seller.get("/api/orders?status=lost")).status).toBe(400);
  });
});

describe("roles and tenants", () => {
  it("lets a viewer read orders but not take them, change them or record payments", async () => {
    const ring = await seedProduct(gateway.pool, owner.tenantId, { sku: "ANILLO-ROL", priceMinor: 1_000, stock: 5 });
    const order = await (await as(agent)).post("/api/orders", { customerId, lines: [{ productId: ring, quantity: 1 }] });
    const api = await as(viewer);
    expect((await api.get(`/api/orders/${order.body.id}`)).status).toBe(200);
    for (const [path, body] of [
      ["/api/orders", { customerId, lines: [{ productId: ring, quantity: 1 }] }],
      [`/api/orders/${order.body.id}/status`, { status: "confirmed" }],
      [`/api/orders/${order.body.id}/payments`, { amountMinor: 100, method: "cash" }],
    ] as const) {
      const response = await api.post(path, body);
      expect({ path, status: response.status, code: response.body.error?.code }).toEqual({ path, status: 403, code: "FORBIDDEN" });
    }
    expect(await stockOf(gateway.pool, "products", ring)).toBe(4);
  });

  it("answers another tenant's orders, customers and products with 404 and changes nothing", async () => {
    const ring = await seedProduct(gateway.pool, owner.tenantId, { sku: "ANILLO-AJENO", priceMinor: 1_000, stock: 5 });
    const order = await (await as(agent)).post("/api/orders", { customerId, lines: [{ productId: ring, quantity: 1 }] });
    const intruder = await as(otherOwner);
    expect((await intruder.get(`/api/orders/${order.body.id}`)).status).toBe(404);
    expect((await intruder.post(`/api/orders/${order.body.id}/status`, { status: "cancelled" })).status).toBe(404);
    expect((await intruder.post(`/api/orders/${order.body.id}/payments`, { amountMinor: 100, method: "cash" })).status).toBe(404);
    expect((await intruder.get(`/api/customers/${customerId}/orders`)).status).toBe(404);
    expect((await intruder.post("/api/orders", { customerId, lines: [{ productId: ring, quantity: 1 }] })).body.error.code).toBe("CUSTOMER_NOT_FOUND");
    const stolen = await intruder.post("/api/orders", { whatsappId: "5210000000000", lines: [{ productId: ring, quantity: 1 }] });
    expect(stolen.status).toBe(404);
    expect(stolen.body.error.code).toBe("PRODUCT_NOT_FOUND");
    const list = await intruder.get("/api/orders?limit=100");
    expect(list.body.items.map((item: { id: string }) => item.id)).not.toContain(order.body.id);
    expect(await stockOf(gateway.pool, "products", ring)).toBe(4);
    const untouched = await (await as(owner)).get(`/api/orders/${order.body.id}`);
    expect(untouched.body).toMatchObject({ status: "pending", paidMinor: 0 });
  });
});
