// The catalogue through its real entry points on real Postgres and Redis: products and variants
// over REST (roles, validation, SKU uniqueness across products and variants, other tenants' ids),
// the shopper search (typos, accents, Spanish stemming, price phrases, filters, ordering, inactive
// products left out, tenants apart), stock adjustments with stock.low, the cache seen by a second
// replica, and SearchProducts / GetProduct over a real gRPC client.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { CommerceService } from "@fleet/contracts/commerce";
import { createServiceClient, implement, startGrpcServer, unimplemented, type RunningGrpcServer } from "@fleet/grpc-bridge";
import { createMetrics, type Logger } from "@fleet/service-kit";
import { memoryLogger, rejectionOf } from "@fleet/testing";
import request from "supertest";
import { createCatalogueModule } from "../src/modules/catalogue/catalogue.module.js";
import { createEventsRepository } from "../src/repositories/events.repository.js";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";

let gateway: GatewayHarness;
let replicaB: ReturnType<GatewayHarness["replica"]>;
let owner: SeededUser;
let viewer: SeededUser;
let other: SeededUser;
let server: RunningGrpcServer;
let client: ReturnType<typeof newClient>;

function newClient(port: number) {
  return createServiceClient(CommerceService, `127.0.0.1:${port}`, { defaultDeadlineMs: 10_000 });
}
const ids: Record<string, string> = {};

const auth = async (user: SeededUser) => ({ authorization: `Bearer ${await tokenFor(gateway, user)}` });

const CATALOGUE = [
  { sku: "AN-ORO-01", name: "Anillo de oro", category: "anillos", material: "oro", priceMinor: 450_000, keywords: ["compromiso"], stockMin: 1, stock: 5 },
  { sku: "AN-PLA-01", name: "Anillo de plata", category: "anillos", material: "plata", priceMinor: 35_000, keywords: [], stock: 5 },
  { sku: "CA-ORO-01", name: "Cadena de oro", category: "cadenas", material: "oro", priceMinor: 320_000, keywords: ["collar"], stock: 5 },
  { sku: "CA-PLA-01", name: "Cadena de plata", category: "cadenas", material: "plata", priceMinor: 4500, keywords: [], stock: 5 },
  { sku: "CA-PLA-02", name: "Cadena de plata fina", category: "cadenas", material: "plata", priceMinor: 2500, keywords: [], stock: 5 },
  { sku: "PU-ORO-01", name: "Pulsera tejida de oro", description: "Brazalete artesanal", category: "pulseras", material: "oro", priceMinor: 180_000, keywords: ["brazalete"], stock: 5 },
  { sku: "AN-OLD-01", name: "Anillo de oro antiguo", category: "anillos", material: "oro", priceMinor: 100_000, keywords: [], stock: 5 },
];

beforeAll(async () => {
  gateway = await startGateway({ replicas: true });
  replicaB = gateway.replica();
  owner = await gateway.createUser({ tenant: "joyeria-luz", email: "duena@luz.test", role: "owner" });
  viewer = await gateway.createUser({ tenant: "joyeria-luz", email: "mira@luz.test", role: "viewer" });
  other = await gateway.createUser({ tenant: "joyeria-otra", email: "duena@otra.test", role: "owner" });
  for (const product of CATALOGUE) {
    const created = await request(gateway.app).post("/api/products").set(await auth(owner)).send(product);
    expect(created.status).toBe(201);
    ids[product.sku] = String(created.body.id);
  }
  await request(gateway.app).delete(`/api/products/${ids["AN-OLD-01"]}`).set(await auth(owner)).expect(204);
  await request(gateway.app).post("/api/products").set(await auth(other)).send({ sku: "AN-ORO-99", name: "Anillo de oro de la otra tienda", material: "oro", priceMinor: 1000 }).expect(201);
  const { logger } = memoryLogger("gateway");
  server = await startGrpcServer({ host: "127.0.0.1", port: 0, logger, metrics: createMetrics("gateway"), services: [commerceService(logger)] });
  client = newClient(server.port);
});

/** CommerceService with the catalogue's handlers, on the harness's database and Redis, as app.ts assembles it. */
function commerceService(logger: Logger) {
  const catalogue = createCatalogueModule({ pool: gateway.pool, redis: gateway.testRedis.redis, logger, events: createEventsRepository(gateway.testRedis.redis) });
  return implement(CommerceService, { ...unimplemented(CommerceService), ...catalogue.commerce });
}

afterAll(async () => {
  client?.close();
  await server?.stop(100);
  await gateway?.close();
  expect(replicaB?.violations ?? []).toEqual([]);
});

const searchSkus = async (q: string, extra: Record<string, string> = {}) => {
  const response = await request(gateway.app).get("/api/products/search").query({ q, ...extra }).set(await auth(viewer));
  expect(response.status).toBe(200);
  return (response.body.products as { sku: string }[]).map((product) => product.sku);
};

describe("shopper search", () => {
  it("finds a product through a typo and missing accents", async () => {
    expect((await searchSkus("anio de oro"))[0]).toBe("AN-ORO-01");
    expect(await searchSkus("cadna de plata")).toEqual(expect.arrayContaining(["CA-PLA-01", "CA-PLA-02"]));
  });

  it("matches Spanish plurals and accents through stemming and unaccent", async () => {
    expect(await searchSkus("ANILLOS DE ÓRO")).toContain("AN-ORO-01");
    expect(await searchSkus("brazaletes")).toEqual(["PU-ORO-01"]);
  });

  it("understands English shop words against a Spanish catalogue", async () => {
    expect(await searchSkus("gold ring")).toContain("AN-ORO-01");
  });

  it("turns price phrases into a range and quality words into an ordering", async () => {
    expect((await searchSkus("cadena entre 20 y 50")).sort()).toEqual(["CA-PLA-01", "CA-PLA-02"]);
    expect(await searchSkus("cadena barata")).toEqual(["CA-PLA-02", "CA-PLA-01", "CA-ORO-01"]);
    expect(await searchSkus("cadena premium")).toEqual(["CA-ORO-01", "CA-PLA-01", "CA-PLA-02"]);
    const response = await request(gateway.app).get("/api/products/search").query({ q: "anillo menos de 1000" }).set(await auth(viewer));
    expect(response.body.understood).toEqual({ text: "anillo", minPriceMinor: null, maxPriceMinor: 100_000, order: "relevance" });
    expect(response.body.products.map((p: { sku: string }) => p.sku)).toEqual(["AN-PLA-01"]);
  });

  it("applies explicit filters on top of the phrase", async () => {
    expect(await searchSkus("anillo", { material: "Plata" })).toEqual(["AN-PLA-01"]);
    expect(await searchSkus("", { category: "pulseras" })).toEqual(["PU-ORO-01"]);
  });

  it("leaves out inactive products and other tenants' products", async () => {
    const skus = await searchSkus("anillo oro");
    expect(skus).not.toContain("AN-OLD-01");
    expect(skus).not.toContain("AN-ORO-99");
  });

  it("falls back to any word when no product has them all", async () => {
    expect(await searchSkus("pulsera rubi")).toEqual(["PU-ORO-01"]);
  });
});

describe("products over REST", () => {
  it("lists with filters, sort and cursor pagination", async () => {
    const headers = await auth(viewer);
    const first = await request(gateway.app).get("/api/products").query({ material: "oro", active: "true", sort: "-price", limit: 2 }).set(headers);
    expect(first.status).toBe(200);
    expect(first.body.items.map((p: { sku: string }) => p.sku)).toEqual(["AN-ORO-01", "CA-ORO-01"]);
    const second = await request(gateway.app).get("/api/products").query({ material: "oro", active: "true", sort: "-price", limit: 2, cursor: first.body.nextCursor }).set(headers);
    expect(second.body.items.map((p: { sku: string }) => p.sku)).toEqual(["PU-ORO-01"]);
    expect(second.body.nextCursor).toBeNull();
    const cheap = await request(gateway.app).get("/api/products").query({ maxPrice: 5000, sort: "price" }).set(headers);
    expect(cheap.body.items.map((p: { sku: string }) => p.sku)).toEqual(["CA-PLA-02", "CA-PLA-01"]);
  });

  it("stores money as integer minor units in the shop's currency", async () => {
    const product = await request(gateway.app).get(`/api/products/${ids["AN-ORO-01"]}`).set(await auth(viewer));
    expect(product.body).toMatchObject({ priceMinor: 450_000, currency: "MXN", active: true, variants: [] });
  });

  it("refuses bad input with 400 VALIDATION_FAILED and viewers' writes with 403", async () => {
    const headers = await auth(owner);
    for (const body of [{ sku: "X-1", name: "x", priceMinor: 10.5 }, { sku: "bad sku", name: "x", priceMinor: 1 }, { sku: "X-2", name: "x", priceMinor: 1, imageUrls: ["http://insecure.example/a.jpg"] }, { sku: "X-3", name: "x", priceMinor: 1, stockMin: 5, stockMax: 2 }]) {
      const response = await request(gateway.app).post("/api/products").set(headers).send(body);
      expect({ body, status: response.status, code: response.body.error?.code }).toEqual({ body, status: 400, code: "VALIDATION_FAILED" });
    }
    expect((await request(gateway.app).get("/api/products").query({ sort: "colour" }).set(headers)).status).toBe(400);
    expect((await request(gateway.app).get("/api/products").query({ cursor: "nonsense" }).set(headers)).body.error.code).toBe("INVALID_CURSOR");
    expect((await request(gateway.app).post("/api/products").set(await auth(viewer)).send(CATALOGUE[0])).status).toBe(403);
  });

  it("keeps a SKU unique across a tenant's products and variants, case-insensitively, but not across tenants", async () => {
    const headers = await auth(owner);
    const variant = await request(gateway.app).post(`/api/products/${ids["AN-ORO-01"]}/variants`).set(headers).send({ sku: "AN-ORO-01-T7", size: "talla 7", stock: 2 });
    expect(variant.status).toBe(201);
    const clash = await request(gateway.app).post("/api/products").set(headers).send({ sku: "an-oro-01-t7", name: "Otro", priceMinor: 1 });
    expect({ status: clash.status, code: clash.body.error.code }).toEqual({ status: 409, code: "SKU_TAKEN" });
    const variantClash = await request(gateway.app).post(`/api/products/${ids["CA-ORO-01"]}/variants`).set(headers).send({ sku: "CA-PLA-01" });
    expect(variantClash.status).toBe(409);
    expect((await request(gateway.app).post("/api/products").set(await auth(other)).send({ sku: "AN-ORO-01", name: "Suyo", priceMinor: 1 })).status).toBe(201);
    const product = await request(gateway.app).get(`/api/products/${ids["AN-ORO-01"]}`).set(headers);
    expect(product.body.variants).toMatchObject([{ sku: "AN-ORO-01-T7", size: "talla 7", stock: 2, priceMinor: null }]);
  });

  it("answers another tenant's product ids with 404", async () => {
    const headers = await auth(other);
    expect((await request(gateway.app).get(`/api/products/${ids["AN-ORO-01"]}`).set(headers)).status).toBe(404);
    expect((await request(gateway.app).patch(`/api/products/${ids["AN-ORO-01"]}`).set(headers).send({ name: "Robado" })).status).toBe(404);
    expect((await request(gateway.app).post(`/api/products/${ids["AN-ORO-01"]}/stock`).set(headers).send({ delta: -1, reason: "robo" })).status).toBe(404);
    expect((await request(gateway.app).post(`/api/products/${ids["AN-ORO-01"]}/variants`).set(headers).send({ sku: "ZZ-1" })).status).toBe(404);
  });
});

describe("stock", () => {
  it("adjusts stock with a reason, refuses to go below zero and emits stock.low at the minimum", async () => {
    const headers = await auth(owner);
    const path = `/api/products/${ids["AN-ORO-01"]}/stock`;
    expect((await request(gateway.app).post(path).set(headers).send({ delta: -3, reason: "venta en tienda" })).body).toEqual({ stock: 2, stockMin: 1, low: false });
    expect((await request(gateway.app).post(path).set(headers).send({ delta: -1, reason: "venta en tienda" })).body).toEqual({ stock: 1, stockMin: 1, low: true });
    const tooMany = await request(gateway.app).post(path).set(headers).send({ delta: -5, reason: "error" });
    expect({ status: tooMany.status, code: tooMany.body.error.code }).toEqual({ status: 409, code: "INSUFFICIENT_STOCK" });
    const entries = await gateway.testRedis.redis.xrange("events", "-", "+");
    const events = entries.map(([, fields]) => JSON.parse(String(fields[1]))).filter((event: { type: string }) => event.type === "stock.low");
    expect(events).toEqual([expect.objectContaining({ tenantId: owner.tenantId, attributes: expect.objectContaining({ product_id: ids["AN-ORO-01"], sku: "AN-ORO-01", stock: 1, min: 1 }) })]);
    const { rows } = await gateway.pool.query("SELECT delta, reason FROM stock_adjustments WHERE product_id = $1 ORDER BY id", [ids["AN-ORO-01"]]);
    expect(rows).toEqual([{ delta: -3, reason: "venta en tienda" }, { delta: -1, reason: "venta en tienda" }]);
  });
});

describe("cached reads", () => {
  it("shows a change made through one replica in the other's cached list and search at once", async () => {
    const headers = await auth(owner);
    const names = async () => ((await request(replicaB.app).get("/api/products").query({ category: "pulseras" }).set(headers)).body.items as { name: string }[]).map((p) => p.name);
    expect(await names()).toEqual(["Pulsera tejida de oro"]);
    expect(await names()).toEqual(["Pulsera tejida de oro"]);
    await request(gateway.app).patch(`/api/products/${ids["PU-ORO-01"]}`).set(headers).send({ name: "Pulsera trenzada de oro" }).expect(200);
    expect(await names()).toEqual(["Pulsera trenzada de oro"]);
    const found = await request(replicaB.app).get("/api/products/search").query({ q: "trenzada" }).set(headers);
    expect(found.body.products.map((p: { sku: string }) => p.sku)).toEqual(["PU-ORO-01"]);
  });
});

describe("CommerceService over gRPC", () => {
  it("searches a shopper's phrase and says how it understood it", async () => {
    const response = await client.searchProducts({ tenantId: owner.tenantId, query: "cadena de plata barata" });
    expect(response.products.map((p) => p.sku)).toEqual(["CA-PLA-02", "CA-PLA-01"]);
    expect(response.products[0]?.price).toMatchObject({ currency: "MXN", amountMinor: 2500n });
    expect(response.understoodText).toBe("cadena plata");
    expect(response.understoodOrder).toBe("price_asc");
    const ranged = await client.searchProducts({ tenantId: owner.tenantId, query: "oro entre 1000 y 2000", limit: 1 });
    expect(ranged.products.map((p) => p.sku)).toEqual(["PU-ORO-01"]);
    expect(ranged.understoodMinPrice?.amountMinor).toBe(100_000n);
  });

  it("gets a product by id or by a variant's SKU, and another tenant's as NOT_FOUND", async () => {
    expect((await client.getProduct({ tenantId: owner.tenantId, productId: ids["CA-ORO-01"] ?? "" })).product?.sku).toBe("CA-ORO-01");
    const byVariant = await client.getProduct({ tenantId: owner.tenantId, sku: "an-oro-01-t7" });
    expect(byVariant.product?.variants.map((v) => v.sku)).toEqual(["AN-ORO-01-T7"]);
    const stolen = await rejectionOf(client.getProduct({ tenantId: other.tenantId, productId: ids["CA-ORO-01"] ?? "" }));
    expect(stolen).toMatchObject({ code: "PRODUCT_NOT_FOUND" });
    expect(await rejectionOf(client.getProduct({ tenantId: "not-a-uuid", sku: "X" }))).toMatchObject({ code: "VALIDATION_FAILED" });
  });
});

describe("demo seed", () => {
  it("inserts the demo jewellery catalogue once, searchable, and refreshes it when run again", async () => {
    const shop = await gateway.createUser({ tenant: "joyeria-demo", email: "demo@demo.test", role: "owner" });
    const { seedDemoCatalogue, DEMO_CATALOGUE } = await import("../src/modules/catalogue/catalogue.seed.js");
    expect(await seedDemoCatalogue(gateway.pool, shop.tenantId)).toEqual({ created: DEMO_CATALOGUE.length, updated: 0 });
    expect(await seedDemoCatalogue(gateway.pool, shop.tenantId)).toEqual({ created: 0, updated: DEMO_CATALOGUE.length });
    const found = await client.searchProducts({ tenantId: shop.tenantId, query: "cadena de plata barata" });
    expect(found.products[0]?.sku).toBe("CA-PLA-001");
  });
});
