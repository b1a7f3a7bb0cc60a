// CommerceService over the wire (a real gRPC client against the gateway's registration on port 0):
// UpsertCustomer, CreateOrder (idempotent by key per tenant, FAILED_PRECONDITION OUT_OF_STOCK with
// the short lines) and ListCustomerOrders.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { DeliveryMethod, OrderStatus } from "@fleet/contracts/commerce";
import { AppError } from "@fleet/service-kit";
import type { SeededUser } from "./gateway.harness.js";
import { seedProduct, seedVariant, stockOf } from "./orders.fixtures.js";
import { startCommerce, type CommerceHarness } from "./sellers.harness.js";

let commerce: CommerceHarness;
let owner: SeededUser;
let other: SeededUser;
const BOT_ID = "3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";

async function rejection(call: Promise<unknown>): Promise<AppError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("the call succeeded");
}

beforeAll(async () => {
  commerce = await startCommerce();
  owner = await commerce.base.createUser({ tenant: "joyeria-grpc", email: "duena@grpc.test", role: "owner" });
  other = await commerce.base.createUser({ tenant: "otra-grpc", email: "duena@otra-grpc.test", role: "owner" });
});

afterAll(async () => {
  await commerce?.close();
});

describe("UpsertCustomer", () => {
  it("creates the contact's customer once, then refreshes its name and last contact (an empty name keeps it)", async () => {
    const first = await commerce.grpc.upsertCustomer({ tenantId: owner.tenantId, whatsappId: "5215511112222", name: "Ana", botId: BOT_ID });
    expect(first.created).toBe(true);
    expect(first.customer).toMatchObject({ whatsappId: "5215511112222", name: "Ana", phone: "5215511112222", priceTier: "retail" });
    const firstContact = first.customer?.firstContactTime?.seconds;
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const renamed = await commerce.grpc.upsertCustomer({ tenantId: owner.tenantId, whatsappId: "5215511112222", name: "Ana María" });
    expect(renamed.created).toBe(false);
    expect(renamed.customer).toMatchObject({ id: first.customer?.id, name: "Ana María" });
    expect(renamed.customer?.firstContactTime?.seconds).toBe(firstContact);
    expect(Number(renamed.customer?.lastContactTime?.seconds)).toBeGreaterThan(Number(firstContact));
    const unnamed = await commerce.grpc.upsertCustomer({ tenantId: owner.tenantId, whatsappId: "5215511112222", name: "" });
    expect(unnamed.customer?.name).toBe("Ana María");
    // The same number in another shop is another customer.
    const elsewhere = await commerce.grpc.upsertCustomer({ tenantId: other.tenantId, whatsappId: "5215511112222", name: "Ana" });
    expect(elsewhere.created).toBe(true);
    expect(elsewhere.customer?.id).not.toBe(first.customer?.id);
  });

  it("creates one customer when the same new contact is upserted concurrently", async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => commerce.grpc.upsertCustomer({ tenantId: owner.tenantId, whatsappId: "5215533334444", name: "Beto" })));
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(new Set(results.map((result) => result.customer?.id)).size).toBe(1);
  });

  it("refuses a bad tenant or contact with INVALID_ARGUMENT and an unknown tenant with NOT_FOUND", async () => {
    expect(await rejection(commerce.grpc.upsertCustomer({ tenantId: "not-a-uuid", whatsappId: "5215511112222" }))).toMatchObject({ kind: "invalid_argument", code: "INVALID_TENANT_ID" });
    expect(await rejection(commerce.grpc.upsertCustomer({ tenantId: owner.tenantId, whatsappId: "no spaces please" }))).toMatchObject({ kind: "invalid_argument", code: "INVALID_CONTACT" });
    expect(await rejection(commerce.grpc.upsertCustomer({ tenantId: "00000000-0000-4000-8000-000000000000", whatsappId: "5215511112222" }))).toMatchObject({ kind: "not_found", code: "TENANT_NOT_FOUND" });
  });
});

describe("CreateOrder and ListCustomerOrders", () => {
  it("takes an order from a chat, answers the same key with the same order (replayed), and lists the customer's orders newest first", async () => {
    const ring = await seedProduct(commerce.base.pool, owner.tenantId, { sku: "ANILLO-CHAT", name: "Anillo de oro", priceMinor: 150_000, stock: 5 });
    const chain = await seedProduct(commerce.base.pool, owner.tenantId, { sku: "CADENA-CHAT", name: "Cadena", priceMinor: 50_000, stock: 5 });
    const size = await seedVariant(commerce.base.pool, owner.tenantId, chain, { sku: "CADENA-CHAT-45", size: "45 cm", stock: 3 });
    const request = {
      tenantId: owner.tenantId,
      botId: BOT_ID,
      customerContact: "5215577778888",
      customerName: "Carla",
      // The unit price sent is ignored: the catalogue decides.
      lines: [{ productId: ring, quantity: 1, unitPrice: { currency: "MXN", amountMinor: 1n } }, { productId: chain, variantId: size, quantity: 2 }],
      idempotencyKey: "conversation-42:order-1",
      deliveryMethod: DeliveryMethod.DELIVERY,
      deliveryAddress: "Calle 5 #10",
    };
    const first = await commerce.grpc.createOrder(request);
    expect(first.replayed).toBe(false);
    expect(first.order).toMatchObject({ status: OrderStatus.PENDING, deliveryMethod: DeliveryMethod.DELIVERY, total: { currency: "MXN", amountMinor: 250_000n }, balance: { amountMinor: 250_000n } });
    expect(first.order?.lines.map((line) => [line.sku, line.quantity, line.unitPrice?.amountMinor])).toEqual([
      ["ANILLO-CHAT", 1, 150_000n],
      ["CADENA-CHAT-45", 2, 50_000n],
    ]);
    const again = await commerce.grpc.createOrder(request);
    expect(again.replayed).toBe(true);
    expect(again.order?.id).toBe(first.order?.id);
    expect(await stockOf(commerce.base.pool, "products", ring)).toBe(4);
    expect(await stockOf(commerce.base.pool, "product_variants", size)).toBe(1);
    // The same key in another tenant is another order (and there the product does not exist).
    expect(await rejection(commerce.grpc.createOrder({ ...request, tenantId: other.tenantId }))).toMatchObject({ kind: "not_found", code: "PRODUCT_NOT_FOUND" });

    const second = await commerce.grpc.createOrder({ ...request, lines: [{ productId: ring, quantity: 1 }], idempotencyKey: "conversation-42:order-2" });
    const listed = await commerce.grpc.listCustomerOrders({ tenantId: owner.tenantId, customerContact: "5215577778888" });
    expect(listed.orders.map((order) => order.id)).toEqual([second.order?.id, first.order?.id]);
    expect(listed.orders[1]?.lines).toHaveLength(2);
    expect((await commerce.grpc.listCustomerOrders({ tenantId: owner.tenantId, customerContact: "5215577778888", limit: 1 })).orders).toHaveLength(1);
    expect((await commerce.grpc.listCustomerOrders({ tenantId: owner.tenantId, customerContact: "5210000000001" })).orders).toEqual([]);
    expect((await commerce.grpc.listCustomerOrders({ tenantId: other.tenantId, customerContact: "5215577778888" })).orders).toEqual([]);
    const customer = await commerce.grpc.upsertCustomer({ tenantId: owner.tenantId, whatsappId: "5215577778888" });
    expect(customer.customer?.name).toBe("Carla");
  });

  it("answers missing stock with FAILED_PRECONDITION OUT_OF_STOCK naming the short lines, reserving nothing", async () => {
    const ring = await seedProduct(commerce.base.pool, owner.tenantId, { sku: "ANILLO-AGOTADO", priceMinor: 1_000, stock: 1 });
    const earrings = await seedProduct(commerce.base.pool, owner.tenantId, { sku: "ARETES-OK", priceMinor: 1_000, stock: 5 });
    const error = await rejection(commerce.grpc.createOrder({ tenantId: owner.tenantId, customerContact: "5215566665555", lines: [{ productId: earrings, quantity: 2 }, { productId: ring, quantity: 2 }], idempotencyKey: "chat-out-of-stock" }));
    expect(error).toMatchObject({ kind: "failed_precondition", code: "OUT_OF_STOCK", details: { lines: [{ productId: ring, variantId: null, sku: "ANILLO-AGOTADO", requested: 2, available: 1 }] } });
    expect(await stockOf(commerce.base.pool, "products", earrings)).toBe(5);
  });

  it("refuses a request without idempotency key, lines or valid ids with INVALID_ARGUMENT", async () => {
    const ring = await seedProduct(commerce.base.pool, owner.tenantId, { sku: "ANILLO-ARG", priceMinor: 1_000, stock: 5 });
    const base = { tenantId: owner.tenantId, customerContact: "5215566665555", lines: [{ productId: ring, quantity: 1 }], idempotencyKey: "chat-arg" };
    expect(await rejection(commerce.grpc.createOrder({ ...base, idempotencyKey: "" }))).toMatchObject({ kind: "invalid_argument", code: "IDEMPOTENCY_KEY_REQUIRED" });
    expect(await rejection(commerce.grpc.createOrder({ ...base, lines: [] }))).toMatchObject({ kind: "invalid_argument", code: "ORDER_EMPTY" });
    expect(await rejection(commerce.grpc.createOrder({ ...base, lines: [{ productId: "ring", quantity: 1 }] }))).toMatchObject({ kind: "invalid_argument", code: "INVALID_LINE" });
    expect(await rejection(commerce.grpc.createOrder({ ...base, lines: [{ productId: ring, quantity: 0 }] }))).toMatchObject({ kind: "invalid_argument", code: "INVALID_QUANTITY" });
    expect(await rejection(commerce.grpc.createOrder({ ...base, botId: "bot-1" }))).toMatchObject({ kind: "invalid_argument", code: "INVALID_BOT_ID" });
    expect(await rejection(commerce.grpc.createOrder({ ...base, customerContact: "" }))).toMatchObject({ kind: "invalid_argument", code: "INVALID_CONTACT" });
    expect(await rejection(commerce.grpc.listCustomerOrders({ tenantId: "x", customerContact: "5215566665555" }))).toMatchObject({ kind: "invalid_argument", code: "INVALID_TENANT_ID" });
    expect(await stockOf(commerce.base.pool, "products", ring)).toBe(5);
  });
});
