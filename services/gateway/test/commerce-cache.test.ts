// Customers, orders and sellers are read through the tenant read cache: each test first shows that a read is
// served from the cache (a change made behind the gateway's back, straight in Postgres, is not
// seen), then that every way the gateway itself changes what the read shows — REST, the bots'
// CommerceService, seller assignments and releases, a seller's new name — is seen by the very next
// read; and that a seller's being on duty still follows the clock. (The timeout job's releases:
// sellers-timeout.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { SeededUser } from "./gateway.harness.js";
import { seedProduct } from "./orders.fixtures.js";
import { startCommerce, type CommerceHarness } from "./sellers.harness.js";

let h: CommerceHarness;
let owner: SeededUser;
let api: Awaited<ReturnType<CommerceHarness["as"]>>;

beforeAll(async () => {
  h = await startCommerce();
  owner = await h.base.createUser({ tenant: "joyeria-cache", email: "duena@cache.test", role: "owner" });
  api = await h.as(owner);
});

afterAll(async () => {
  await h?.close();
});

/** A change the gateway does not know about: only the cache's expiry would show it. */
const behindTheBack = (sql: string, values: unknown[]) => h.base.pool.query(sql, values);

const customerNames = async () => ((await api.get("/api/customers")).body.items as Array<{ name: string }>).map((customer) => customer.name).sort();
const sellerOf = async (customerId: string) => ((await api.get(`/api/customers/${customerId}`)).body as { seller: { name: string } | null }).seller?.name ?? null;

describe("customers", () => {
  it("serves lists and single customers from the cache, and shows creations, changes and the bots' upserts at once", async () => {
    const created = await api.post("/api/customers", { name: "Lucía", whatsappId: "5215512340001" });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(await customerNames()).toEqual(["Lucía"]);
    expect((await api.get(`/api/customers/${id}`)).body.name).toBe("Lucía");

    await behindTheBack("UPDATE customers SET name = 'Changed in SQL' WHERE id = $1", [id]);
    expect(await customerNames()).toEqual(["Lucía"]);
    expect((await api.get(`/api/customers/${id}`)).body.name).toBe("Lucía");

    expect((await api.patch(`/api/customers/${id}`, { name: "Lucía Pérez" })).status).toBe(200);
    expect(await customerNames()).toEqual(["Lucía Pérez"]);
    expect((await api.get(`/api/customers/${id}`)).body.name).toBe("Lucía Pérez");

    await api.post("/api/customers", { name: "Marta" });
    expect(await customerNames()).toEqual(["Lucía Pérez", "Marta"]);

    // A conversation's contact: a new customer, then a refreshed profile name.
    await h.grpc.upsertCustomer({ tenantId: owner.tenantId, whatsappId: "5215512340002", name: "Nora" });
    expect(await customerNames()).toEqual(["Lucía Pérez", "Marta", "Nora"]);
    await h.grpc.upsertCustomer({ tenantId: owner.tenantId, whatsappId: "5215512340002", name: "Nora G." });
    expect(await customerNames()).toEqual(["Lucía Pérez", "Marta", "Nora G."]);
  });

  it("shows who attends a customer as soon as a seller is assigned, released, reassigned or renamed", async () => {
    const ana = (await api.post("/api/sellers", { name: "Ana", phone: "5215550000001", status: "online" })).body.id as string;
    const beto = (await api.post("/api/sellers", { name: "Beto", phone: "5215550000002", status: "online" })).body.id as string;
    const customer = (await h.grpc.upsertCustomer({ tenantId: owner.tenantId, whatsappId: "5215512340010", name: "Olga" })).customer?.id ?? "";
    expect(await sellerOf(customer)).toBeNull();

    // The bots' assignment (the rotation chooses), then that seller's new name.
    const first = await h.grpc.assignSeller({ tenantId: owner.tenantId, customerContact: "5215512340010" });
    const chosen = first.seller?.id ?? "";
    expect(await sellerOf(customer)).toBe(first.seller?.name);
    expect((await api.patch(`/api/sellers/${chosen}`, { name: "Renamed" })).status).toBe(200);
    expect(await sellerOf(customer)).toBe("Renamed");

    // A manager's reassignment releases the first seller and assigns the other one.
    const other = chosen === ana ? beto : ana;
    const reassigned = await api.post("/api/sellers/assignments", { customerId: customer, sellerId: other });
    expect(reassigned.status).toBe(201);
    expect(await sellerOf(customer)).toBe(other === ana ? "Ana" : "Beto");

    expect((await api.post(`/api/sellers/assignments/${String(reassigned.body.assignment.id)}/release`)).status).toBe(200);
    expect(await sellerOf(customer)).toBeNull();

    const again = await h.grpc.assignSeller({ tenantId: owner.tenantId, customerContact: "5215512340010" });
    expect(await sellerOf(customer)).toBe(again.seller?.name);
    expect((await h.grpc.releaseSeller({ tenantId: owner.tenantId, customerContact: "5215512340010" })).released).toBe(true);
    expect(await sellerOf(customer)).toBeNull();
  });
});

describe("orders", () => {
  it("serves lists, single orders and a contact's orders from the cache, and shows new orders, status changes and payments at once", async () => {
    const productId = await seedProduct(h.base.pool, owner.tenantId, { sku: "ANILLO-CACHE", name: "Anillo", priceMinor: 10_000, stock: 20 });
    const customerId = (await api.post("/api/customers", { name: "Paula", whatsappId: "5215512340020" })).body.id as string;
    const statuses = async () => ((await api.get("/api/orders")).body.items as Array<{ status: string }>).map((order) => order.status);
    const contactOrders = async (contact: string) => (await h.grpc.listCustomerOrders({ tenantId: owner.tenantId, customerContact: contact })).orders.length;

    expect(await statuses()).toEqual([]);
    expect(await contactOrders("5215512340020")).toBe(0);
    const order = await api.post("/api/orders", { customerId, lines: [{ productId, quantity: 1 }] });
    expect(order.status).toBe(201);
    const orderId = order.body.id as string;
    expect(await statuses()).toEqual(["pending"]);
    expect(await contactOrders("5215512340020")).toBe(1);
    expect(((await api.get(`/api/customers/${customerId}/orders`)).body.items as unknown[]).length).toBe(1);
    expect((await api.get(`/api/orders/${orderId}`)).body.status).toBe("pending");

    await behindTheBack("UPDATE orders SET notes = 'changed in SQL' WHERE id = $1", [orderId]);
    expect((await api.get(`/api/orders/${orderId}`)).body.notes).toBe("");

    expect((await api.post(`/api/orders/${orderId}/status`, { status: "confirmed" })).status).toBe(200);
    expect(await statuses()).toEqual(["confirmed"]);
    expect((await api.get(`/api/orders/${orderId}`)).body).toMatchObject({ status: "confirmed", notes: "changed in SQL" });

    expect((await api.post(`/api/orders/${orderId}/payments`, { amountMinor: 4_000, method: "cash" })).status).toBe(201);
    expect((await api.get(`/api/orders/${orderId}`)).body).toMatchObject({ paidMinor: 4_000 });

    // An order from a chat, for a contact the shop did not know: a new customer and their order.
    await h.grpc.createOrder({ tenantId: owner.tenantId, customerContact: "5215512340021", customerName: "Rosa", lines: [{ productId, quantity: 1 }], idempotencyKey: "cache-test:order-1" });
    expect(await statuses()).toEqual(["pending", "confirmed"]);
    expect(await customerNames()).toContain("Rosa");
    expect(await contactOrders("5215512340021")).toBe(1);

    // The customer's WhatsApp id changes: their orders are now the new contact's.
    expect(await contactOrders("5215512340029")).toBe(0);
    expect((await api.patch(`/api/customers/${customerId}`, { whatsappId: "5215512340029" })).status).toBe(200);
    expect(await contactOrders("5215512340029")).toBe(1);
    expect(await contactOrders("5215512340020")).toBe(0);
  });
});

describe("sellers", () => {
  it("serves the roster from the cache, shows new sellers, changes, schedules and load at once, and works out who is on duty from the clock on every read", async () => {
    const shop = await h.base.createUser({ tenant: "joyeria-turnos", email: "duena@turnos.test", role: "owner" });
    const staff = await h.as(shop);
    const roster = async () => ((await staff.get("/api/sellers")).body.items as Array<{ name: string; currentLoad: number; onDuty: boolean }>).map((seller) => `${seller.name}:${seller.currentLoad}:${seller.onDuty ? "on" : "off"}`);
    const onDutyNow = async () => (await h.grpc.listSellersOnDuty({ tenantId: shop.tenantId, specialty: "" })).sellers.map((seller) => seller.name);

    const eva = (await staff.post("/api/sellers", { name: "Eva", phone: "5215550000011", status: "online" })).body.id as string;
    expect(await roster()).toEqual(["Eva:0:on"]);
    expect(await onDutyNow()).toEqual(["Eva"]);
    expect((await staff.get(`/api/sellers/${eva}`)).body.name).toBe("Eva");

    await behindTheBack("UPDATE sellers SET name = 'Changed in SQL' WHERE id = $1", [eva]);
    expect(await roster()).toEqual(["Eva:0:on"]);
    expect((await staff.get(`/api/sellers/${eva}`)).body.name).toBe("Eva");

    expect((await staff.patch(`/api/sellers/${eva}`, { name: "Eva R." })).status).toBe(200);
    expect(await roster()).toEqual(["Eva R.:0:on"]);
    await staff.post("/api/sellers", { name: "Fabi", phone: "5215550000012", status: "offline" });
    expect(await roster()).toEqual(["Eva R.:0:on", "Fabi:0:off"]);

    // An assignment moves the load; a release moves it back.
    await h.grpc.assignSeller({ tenantId: shop.tenantId, customerContact: "5215512340050" });
    expect(await roster()).toEqual(["Eva R.:1:on", "Fabi:0:off"]);
    await h.grpc.releaseSeller({ tenantId: shop.tenantId, customerContact: "5215512340050" });
    expect(await roster()).toEqual(["Eva R.:0:on", "Fabi:0:off"]);

    // A schedule (Tuesdays 09:00-18:00 in the shop's time zone) — then only the clock moves: Tuesday
    // 17:00 UTC is inside it, Wednesday 01:00 UTC outside (Tuesday 19:00 in Mexico City).
    h.clock.set("2025-07-15T17:00:00Z");
    expect((await staff.put(`/api/sellers/${eva}/schedule`, { weekly: [{ weekday: 2, ranges: [{ open: "09:00", close: "18:00" }] }], daysOff: [] })).status).toBe(200);
    expect((await staff.get(`/api/sellers/${eva}/schedule`)).body.weekly).toEqual([{ weekday: 2, ranges: [{ open: "09:00", close: "18:00" }] }]);
    expect(await roster()).toEqual(["Eva R.:0:on", "Fabi:0:off"]);
    expect(await onDutyNow()).toEqual(["Eva R."]);
    h.clock.set("2025-07-16T01:00:00Z");
    expect(await roster()).toEqual(["Eva R.:0:off", "Fabi:0:off"]);
    expect(await onDutyNow()).toEqual([]);

    // A seller who is a dashboard user; the user removed, the seller stays, unlinked.
    const agent = await h.base.createUser({ tenant: "joyeria-turnos", email: "agente@turnos.test", role: "agent" });
    expect((await staff.patch(`/api/sellers/${eva}`, { userId: agent.id })).status).toBe(200);
    expect((await staff.get(`/api/sellers/${eva}`)).body.userId).toBe(agent.id);
    expect((await staff.delete(`/api/users/${agent.id}`)).status).toBe(204);
    expect((await staff.get(`/api/sellers/${eva}`)).body.userId).toBeNull();
  });
});
