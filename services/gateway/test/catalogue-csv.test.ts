// The catalogue's CSV import and export through the real HTTP entry point on real Postgres and
// Redis: the dry run's report (every bad row with the line it starts on), all-or-nothing imports,
// upserts by SKU, 10,000 products, the export/import round trip, roles, tenants apart and limits.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";

let gateway: GatewayHarness;
let owner: SeededUser;
let viewer: SeededUser;
let other: SeededUser;

const HEADER = "sku,name,description,category,material,price,cost,currency,stock,stock_min,stock_max,active,keywords,image_urls";

const auth = async (user: SeededUser) => ({ authorization: `Bearer ${await tokenFor(gateway, user)}` });

async function importCsv(user: SeededUser, csv: string, dryRun: boolean) {
  return request(gateway.app)
    .post(`/api/products/import?dryRun=${dryRun}`)
    .set(await auth(user))
    .set("content-type", "text/csv")
    .send(csv);
}

async function exportCsv(user: SeededUser): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  const response = await request(gateway.app)
    .get("/api/products/export")
    .set(await auth(user))
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => done(null, Buffer.concat(chunks).toString("utf8")));
    });
  return { status: response.status, headers: response.headers, text: String(response.body) };
}

async function countProducts(tenantId: string): Promise<number> {
  const { rows } = await gateway.pool.query<{ count: string }>("SELECT count(*) FROM products WHERE tenant_id = $1", [tenantId]);
  return Number(rows[0]?.count ?? 0);
}

beforeAll(async () => {
  gateway = await startGateway();
  owner = await gateway.createUser({ tenant: "joyeria-csv", email: "duena@csv.test", role: "owner" });
  viewer = await gateway.createUser({ tenant: "joyeria-csv", email: "mira@csv.test", role: "viewer" });
  other = await gateway.createUser({ tenant: "joyeria-ajena", email: "duena@ajena.test", role: "owner" });
});

afterAll(async () => {
  await gateway?.close();
});

describe("dry run", () => {
  it("reports every bad row with the line it starts on, a multi-line quoted description not shifting the lines after it, and writes nothing", async () => {
    // A variant's SKU, which a product row may not take.
    const ring = await request(gateway.app).post("/api/products").set(await auth(owner)).send({ sku: "DRY-RING", name: "Anillo", priceMinor: 1000 });
    await request(gateway.app).post(`/api/products/${ring.body.id}/variants`).set(await auth(owner)).send({ sku: "DRY-RING-7", size: "7" }).expect(201);
    const csv = [
      HEADER, // 1
      'DRY-1,Anillo de oro,"Una línea\notra línea\ny otra",anillos,oro,1234.50,500,MXN,3,1,10,true,oro|anillo,https://img.example.com/a.jpg', // 2-4
      "DRY-2,Cadena,,cadenas,plata,12.345,,MXN,1,0,,true,,", // 5: three decimals
      "DRY-3,Pulsera,,pulseras,plata,100,,MXN,-3,0,,true,,", // 6: negative stock
      "DRY-1,Anillo repetido,,anillos,oro,10,,MXN,1,0,,true,,", // 7: same SKU as line 2
      "dry-ring-7,Anillo variante,,anillos,oro,10,,MXN,1,0,,true,,", // 8: a variant's SKU
      "DRY-5,,,anillos,oro,10,,MXN,1,0,,true,,", // 9: no name
      "DRY-6,Aretes,,aretes,oro,10,,USD,1,0,,true,,", // 10: not the shop's currency
      "DRY-7,Collar,,collares,plata,1500,,,2,0,,false,,", // 11: fine
    ].join("\n");
    const response = await importCsv(owner, csv, true);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: false, rows: 8, created: 2, updated: 0 });
    const problems = (response.body.errors as { line: number; column?: string; code: string }[]).map(({ line, column, code }) => ({ line, column, code }));
    expect(problems).toEqual([
      { line: 5, column: "price", code: "INVALID_MONEY" },
      { line: 6, column: "stock", code: "INVALID_VALUE" },
      { line: 7, column: "sku", code: "DUPLICATE_SKU" },
      { line: 8, column: "sku", code: "SKU_TAKEN" },
      { line: 9, column: "name", code: "INVALID_VALUE" },
      { line: 10, column: "currency", code: "CURRENCY_MISMATCH" },
    ]);
    expect(await countProducts(owner.tenantId)).toBe(1);
  });

  it("reports a header without the required columns, an unknown column and a row with the wrong number of fields", async () => {
    const header = await importCsv(owner, "sku,nombre,price\nX-1,Anillo,10\n", true);
    expect(header.status).toBe(200);
    expect(header.body.errors).toEqual([
      expect.objectContaining({ line: 1, column: "nombre", code: "UNKNOWN_COLUMN" }),
      expect.objectContaining({ line: 1, column: "name", code: "MISSING_COLUMN" }),
    ]);
    const short = await importCsv(owner, "sku,name,price\nX-1,Anillo\nX-2,Cadena,10\n", true);
    expect(short.body).toMatchObject({ ok: false, rows: 2, created: 1, errors: [expect.objectContaining({ line: 2, code: "COLUMN_COUNT" })] });
    const broken = await importCsv(owner, 'sku,name,price\nX-1,"Anillo,10\n', true);
    expect(broken.body).toMatchObject({ ok: false, errors: [expect.objectContaining({ code: "CSV_MALFORMED" })] });
  });
});

describe("import", () => {
  it("writes nothing when one row is bad, answering 422 IMPORT_INVALID with the report", async () => {
    const before = await countProducts(owner.tenantId);
    const csv = [HEADER, "ALL-1,Anillo,,anillos,oro,100,,,1,0,,true,,", "ALL-2,Cadena,,cadenas,oro,abc,,,1,0,,true,,", "ALL-3,Pulsera,,pulseras,oro,100,,,1,0,,true,,"].join("\n");
    const response = await importCsv(owner, csv, false);
    expect(response.status).toBe(422);
    expect(response.body.error).toMatchObject({ code: "IMPORT_INVALID", details: { ok: false, rows: 3, errors: [{ line: 3, column: "price", code: "INVALID_MONEY" }] } });
    expect(await countProducts(owner.tenantId)).toBe(before);
  });

  it("creates new SKUs and updates existing ones (case-insensitively), prices converted to minor units exactly, and the cached list sees it", async () => {
    const created = await request(gateway.app).post("/api/products").set(await auth(owner)).send({ sku: "UPD-1", name: "Anillo viejo", category: "updcat", priceMinor: 100, stock: 1 });
    const listed = await request(gateway.app).get("/api/products?category=updcat").set(await auth(owner));
    expect(listed.body.items.map((p: { name: string }) => p.name)).toEqual(["Anillo viejo"]);
    const csv = [HEADER, "upd-1,Anillo nuevo,,updcat,oro,1234.50,0.10,MXN,7,2,20,true,nuevo|oro,", "UPD-2,Cadena nueva,,updcat,oro,0.07,,,0,0,,no,,"].join("\r\n");
    const response = await importCsv(owner, csv, false);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ ok: true, rows: 2, created: 1, updated: 1, errors: [] });
    const updated = await request(gateway.app).get(`/api/products/${created.body.id}`).set(await auth(owner));
    expect(updated.body).toMatchObject({ sku: "UPD-1", name: "Anillo nuevo", priceMinor: 123_450, costMinor: 10, stock: 7, stockMin: 2, stockMax: 20, keywords: ["nuevo", "oro"] });
    const after = await request(gateway.app).get("/api/products?category=updcat").set(await auth(owner));
    expect(after.body.items.map((p: { name: string; priceMinor: number; active: boolean }) => [p.name, p.priceMinor, p.active])).toEqual([
      ["Anillo nuevo", 123_450, true],
      ["Cadena nueva", 7, false],
    ]);
  });

  it("imports 10,000 products in one go and counts them", async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => `BULK-${String(i).padStart(5, "0")},Anillo ${i},Anillo número ${i},anillos,${i % 2 === 0 ? "oro" : "plata"},${i}.${String(i % 100).padStart(2, "0")},,,${i % 50},1,,true,anillo|bulk,`);
    const response = await importCsv(owner, [HEADER, ...rows].join("\n"), false);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, rows: 10_000, created: 10_000, updated: 0 });
    const { rows: sample } = await gateway.pool.query<{ price_minor: string }>("SELECT price_minor FROM products WHERE tenant_id = $1 AND sku = 'BULK-01234'", [owner.tenantId]);
    expect(sample[0]?.price_minor).toBe("123434");
  }, 60_000);

  it("refuses more than 20,000 rows with 400 IMPORT_TOO_LARGE and a body over 8 MB with 413 PAYLOAD_TOO_LARGE", async () => {
    const many = [HEADER, ...Array.from({ length: 20_001 }, (_, i) => `MANY-${i},A,,,,1,,,0,0,,true,,`)].join("\n");
    const tooMany = await importCsv(owner, many, true);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.code).toBe("IMPORT_TOO_LARGE");
    const huge = await importCsv(owner, `${HEADER}\nHUGE-1,A,"${"x".repeat(8 * 1024 * 1024)}",,,1,,,0,0,,true,,`, true);
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("forbids a viewer to import (403) and refuses a body that is not CSV", async () => {
    const byViewer = await importCsv(viewer, `${HEADER}\nVIEW-1,A,,,,1,,,0,0,,true,,`, false);
    expect(byViewer.status).toBe(403);
    expect(await countProducts(viewer.tenantId)).toBeGreaterThan(0);
    const { rows } = await gateway.pool.query("SELECT 1 FROM products WHERE tenant_id = $1 AND sku = 'VIEW-1'", [viewer.tenantId]);
    expect(rows).toEqual([]);
    const json = await request(gateway.app).post("/api/products/import").set(await auth(owner)).send({ sku: "JSON-1" });
    expect(json.status).toBe(400);
  });
});

describe("export", () => {
  it("exports the catalogue as a CSV attachment that re-imports to the same catalogue", async () => {
    const tricky = [HEADER, 'RT-1,"Anillo ""Luna"", oro","Dos\nlíneas",anillos,oro,99.99,10.00,MXN,4,1,9,true,luna|oro,https://img.example.com/1.jpg|https://img.example.com/2.jpg', "RT-2,=SUM(A1),-fórmula,,,0,,,0,0,,false,,"].join("\n");
    expect((await importCsv(owner, tricky, false)).status).toBe(200);
    const first = await exportCsv(owner);
    expect(first.status).toBe(200);
    expect(first.headers["content-type"]).toMatch(/^text\/csv/);
    expect(first.headers["content-disposition"]).toBe('attachment; filename="catalogue.csv"');
    expect(first.text).toContain("'=SUM(A1)");
    const snapshot = async () =>
      (await gateway.pool.query("SELECT sku, name, description, category, material, price_minor, cost_minor, currency, stock, stock_min, stock_max, active, keywords, image_urls FROM products WHERE tenant_id = $1 ORDER BY sku", [owner.tenantId])).rows;
    const before = await snapshot();
    expect(before.find((row) => row.sku === "RT-1")).toMatchObject({ name: 'Anillo "Luna", oro', description: "Dos\nlíneas", price_minor: "9999", image_urls: ["https://img.example.com/1.jpg", "https://img.example.com/2.jpg"] });
    const again = await importCsv(owner, first.text, false);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ ok: true, created: 0, updated: before.length });
    expect(await snapshot()).toEqual(before);
    expect((await exportCsv(owner)).text).toBe(first.text);
  }, 60_000);

  it("gives another tenant none of this tenant's products, and lets it use the same SKU for its own", async () => {
    const theirs = await exportCsv(other);
    expect(theirs.status).toBe(200);
    expect(theirs.text.replace(/^\uFEFF/, "").trim()).toBe(HEADER);
    const reused = await importCsv(other, `${HEADER}\nRT-1,Anillo ajeno,,,,5,,,1,0,,true,,`, false);
    expect(reused.body).toMatchObject({ ok: true, created: 1, updated: 0 });
    const mine = await request(gateway.app).get("/api/products?q=RT-1").set(await auth(owner));
    expect(mine.body.items.map((p: { name: string }) => p.name)).toEqual(['Anillo "Luna", oro']);
    expect((await exportCsv(other)).text).not.toContain("Luna");
  });

  it("lets a viewer export", async () => {
    expect((await exportCsv(viewer)).status).toBe(200);
  });
});
