// Customers through the HTTP API on real Postgres: create, read, change, search by name or phone,
// filters, pages, roles, stable error codes and tenant isolation.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";

let gateway: GatewayHarness;
let agent: SeededUser;
let viewer: SeededUser;
let intruder: SeededUser;

async function as(user: SeededUser) {
  const token = await tokenFor(gateway, user);
  const auth = (test: request.Test) => test.set("authorization", `Bearer ${token}`);
  return {
    get: (path: string) => auth(request(gateway.app).get(path)),
    post: (path: string, body: object) => auth(request(gateway.app).post(path)).send(body),
    patch: (path: string, body: object) => auth(request(gateway.app).patch(path)).send(body),
  };
}

beforeAll(async () => {
  gateway = await startGateway();
  agent = await gateway.createUser({ tenant: "clientes", email: "vendedor@clientes.test", role: "agent" });
  viewer = await gateway.createUser({ tenant: "clientes", email: "mira@clientes.test", role: "viewer" });
  intruder = await gateway.createUser({ tenant: "intrusa-clientes", email: "duena@intrusa.test", role: "owner" });
});

afterAll(async () => {
  await gateway?.close();
});

describe("customers", () => {
  it("creates a customer with addresses, tags and price tier, reads and changes it; null clears an optional field", async () => {
    const api = await as(agent);
    const created = await api.post("/api/customers", {
      name: "Sofía Ramírez",
      phone: "+525512340000",
      nationalId: "RAMS900101",
      addresses: [{ label: "casa", line1: "Av. Reforma 222", city: "CDMX" }],
      priceTier: "wholesale",
      tags: ["mayorista"],
      notes: "prefiere oro rosa",
      tenantId: intruder.tenantId,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Sofía Ramírez", whatsappId: null, phone: "+525512340000", priceTier: "wholesale", tags: ["mayorista"], firstContactAt: null });
    expect(created.body.addresses).toEqual([{ label: "casa", line1: "Av. Reforma 222", line2: "", city: "CDMX", state: "", postalCode: "", country: "", notes: "" }]);
    const id = String(created.body.id);
    const changed = await api.patch(`/api/customers/${id}`, { name: "Sofía R.", nationalId: null, tags: ["mayorista", "vip"] });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: "Sofía R.", nationalId: null, tags: ["mayorista", "vip"], phone: "+525512340000", notes: "prefiere oro rosa" });
    expect((await api.get(`/api/customers/${id}`)).body.name).toBe("Sofía R.");
    expect((await (await as(intruder)).get(`/api/customers/${id}`)).status).toBe(404);
    expect((await (await as(intruder)).patch(`/api/customers/${id}`, { name: "Robada" })).status).toBe(404);
    expect((await api.get(`/api/customers/${id}`)).body.name).toBe("Sofía R.");
  });

  it("keeps one customer per WhatsApp id in a shop: 409 CUSTOMER_EXISTS on create and on change", async () => {
    const api = await as(agent);
    expect((await api.post("/api/customers", { name: "Uno", whatsappId: "5215500001111" })).status).toBe(201);
    const duplicate = await api.post("/api/customers", { name: "Dos", whatsappId: "5215500001111" });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe("CUSTOMER_EXISTS");
    const third = await api.post("/api/customers", { name: "Tres" });
    const clash = await api.patch(`/api/customers/${third.body.id}`, { whatsappId: "5215500001111" });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe("CUSTOMER_EXISTS");
    // Another shop may have the same contact.
    expect((await (await as(intruder)).post("/api/customers", { name: "Uno", whatsappId: "5215500001111" })).status).toBe(201);
  });

  it("searches by part of the name (any case) or phone, filters by tag and price tier, and pages newest first", async () => {
    const api = await as(agent);
    const names = ["Valeria Gómez", "VALENTINA Ruiz", "Pedro Val", "Marta 50% Off"];
    for (const [i, name] of names.entries()) await api.post("/api/customers", { name, phone: `55900000${i}0`, tags: i % 2 === 0 ? ["busqueda"] : [], priceTier: i === 3 ? "vip" : "retail" });
    const byName = await api.get("/api/customers?q=vale");
    expect(byName.body.items.map((customer: { name: string }) => customer.name).sort()).toEqual(["VALENTINA Ruiz", "Valeria Gómez"]);
    expect((await api.get("/api/customers?q=5590000020")).body.items.map((customer: { name: string }) => customer.name)).toEqual(["Pedro Val"]);
    expect((await api.get("/api/customers?q=50%25")).body.items.map((customer: { name: string }) => customer.name)).toEqual(["Marta 50% Off"]);
    expect((await api.get("/api/customers?q=%25")).body.items.map((customer: { name: string }) => customer.name)).toEqual(["Marta 50% Off"]);
    expect((await api.get("/api/customers?tag=busqueda")).body.items.map((customer: { name: string }) => customer.name)).toEqual(["Pedro Val", "Valeria Gómez"]);
    expect((await api.get("/api/customers?priceTier=vip")).body.items.map((customer: { name: string }) => customer.name)).toEqual(["Marta 50% Off"]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api.get(`/api/customers?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.body.items.map((customer: { id: string }) => customer.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    const all = await api.get("/api/customers?limit=100");
    expect(seen).toEqual(all.body.items.map((customer: { id: string }) => customer.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect((await (await as(intruder)).get("/api/customers?q=vale")).body.items).toEqual([]);
  });

  it("lets a viewer read customers but not create or change them, and answers bad input with 400 VALIDATION_FAILED", async () => {
    const api = await as(viewer);
    expect((await api.get("/api/customers")).status).toBe(200);
    const refused = await api.post("/api/customers", { name: "No" });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("FORBIDDEN");
    const seller = await as(agent);
    for (const body of [{ name: "" }, { name: "X", phone: "abc" }, { name: "X", priceTier: "VIP!" }, { name: "X", addresses: [{ city: "sin calle" }] }, { name: "X", whatsappId: "no spaces" }]) {
      const response = await seller.post("/api/customers", body);
      expect({ body, status: response.status, code: response.body.error?.code }).toEqual({ body, status: 400, code: "VALIDATION_FAILED" });
    }
    expect((await seller.patch("/api/customers/00000000-0000-4000-8000-000000000000", { name: "Nadie" })).body.error.code).toBe("CUSTOMER_NOT_FOUND");
    expect((await seller.get("/api/customers/not-a-uuid")).status).toBe(400);
    expect((await seller.patch("/api/customers/00000000-0000-4000-8000-000000000000", {})).status).toBe(400);
  });
});
