// The catalogue's CSV import and export through the real HTTP entry point on real Postgres and
// Redis: the dry run's report (every bad row with the line it starts on), all-or-nothing imports,
// upserts by SKU, 10,000 rows, the export/import round trip, roles, tenants apart and limits, for
// products and for their variants (rows with variant_of).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";

let gateway: GatewayHarness;
let owner: SeededUser;
let viewer: SeededUser;
let other: SeededUser;

// The format before variants: such files must keep importing.
const HEADER = "sku,name,description,category,material,price,cost,currency,stock,stock_min,stock_max,active,keywords,image_urls";
const FULL_HEADER = `${HEADER},variant_of,size,colour`;

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

async function countVariants(tenantId: string): Promise<number> {
  const { rows } = await gateway.pool.query<{ count: string }>("SELECT count(*) FROM product_variants WHERE tenant_id = $1", [tenantId]);
  return Number(rows[0]?.count ?? 0);
}

/** The tenant's variants as stored, with their product's SKU, in SKU order. */
async function variantsOf(tenantId: string) {
  const { rows } = await gateway.pool.query(
    `SELECT v.id, v.sku, p.sku AS product_sku, v.size, v.colour, v.price_minor, v.stock, v.stock_min, v.active
     FROM product_variants v JOIN products p ON p.id = v.product_id WHERE v.tenant_id = $1 ORDER BY v.sku`,
    [tenantId],
  );
  return rows;
}

/** A variant row in FULL_HEADER's columns. */
const variantRow = (v: { sku: string; of: string; size?: string; colour?: string; price?: string; stock?: string; stockMin?: string; active?: string; name?: string }) =>
  `${v.sku},${v.name ?? ""},,,,${v.price ?? ""},,,${v.stock ?? "0"},${v.stockMin ?? "0"},,${v.active ?? "true"},,,${v.of},${v.size ?? ""},${v.colour ?? ""}`;

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

  it("imports 10,000 products in one go and counts them, and the planner knows of them before the answer", async () => {
    const analyses = async () => {
      const { rows: stats } = await gateway.pool.query<{ analyze_count: string }>("SELECT analyze_count FROM pg_stat_user_tables WHERE relid = 'products'::regclass");
      return Number(stats[0]?.analyze_count);
    };
    const analysedBefore = await analyses();
    const rows = Array.from({ length: 10_000 }, (_, i) => `BULK-${String(i).padStart(5, "0")},Anillo ${i},Anillo número ${i},anillos,${i % 2 === 0 ? "oro" : "plata"},${i}.${String(i % 100).padStart(2, "0")},,,${i % 50},1,,true,anillo|bulk,`);
    const response = await importCsv(owner, [HEADER, ...rows].join("\n"), false);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, rows: 10_000, created: 10_000, updated: 0 });
    const { rows: sample } = await gateway.pool.query<{ price_minor: string }>("SELECT price_minor FROM products WHERE tenant_id = $1 AND sku = 'BULK-01234'", [owner.tenantId]);
    expect(sample[0]?.price_minor).toBe("123434");
    // Statistics refreshed by the import itself (autovacuum would take up to a minute), and the
    // search index holds the new products in its tree, not in a pending list every search reads.
    expect(await analyses()).toBe(analysedBefore + 1);
    const { rows: index } = await gateway.pool.query<{ reloptions: string[] | null }>("SELECT reloptions FROM pg_class WHERE oid = 'products_tenant_search_idx'::regclass");
    expect(index[0]?.reloptions).toContain("fastupdate=off");
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

  it("reads a CSV in the charset it names, and refuses a charset or Content-Encoding it cannot decode with 415", async () => {
    const latin1 = Buffer.from(`${HEADER}\nCS-1,Año,,,,1,,,0,0,,true,,`, "latin1");
    const read = await request(gateway.app).post("/api/products/import?dryRun=true").set(await auth(owner)).set("content-type", "text/csv; charset=windows-1252").send(latin1);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ ok: true, rows: 1 });
    const unknown = await request(gateway.app).post("/api/products/import?dryRun=true").set(await auth(owner)).set("content-type", "text/csv; charset=x-unknown").send(latin1);
    expect(unknown.status).toBe(415);
    expect(unknown.body.error).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE", message: expect.stringContaining("UTF-8") });
    const compressed = await request(gateway.app).post("/api/products/import?dryRun=true").set(await auth(owner)).set("content-type", "text/csv").set("content-encoding", "compress").send(latin1);
    expect(compressed.status).toBe(415);
    expect(compressed.body.error).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE", message: expect.stringContaining("Content-Encoding") });
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
    // Every product and variant (the dry-run test's DRY-RING-7) is in the file, so every one is updated.
    expect(again.body).toMatchObject({ ok: true, created: 0, updated: before.length + (await countVariants(owner.tenantId)) });
    expect(await snapshot()).toEqual(before);
    expect((await exportCsv(owner)).text).toBe(first.text);
  }, 60_000);

  it("gives another tenant none of this tenant's products, and lets it use the same SKU for its own", async () => {
    const theirs = await exportCsv(other);
    expect(theirs.status).toBe(200);
    expect(theirs.text.replace(/^\uFEFF/, "").trim()).toBe(FULL_HEADER);
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

describe("variants", () => {
  let tenants = 0;
  /** An owner of a shop of its own, so counts start at zero. */
  const freshOwner = () => {
    tenants++;
    return gateway.createUser({ tenant: `joyeria-var-${tenants}`, email: `duena@var-${tenants}.test`, role: "owner" });
  };

  it("round-trips products with their variants: each product's row followed by its variants in SKU order, re-imported to the same catalogue", async () => {
    const shop = await freshOwner();
    const csv = [
      FULL_HEADER,
      variantRow({ sku: "RING-8", of: "RING", size: "8", colour: '"Oro rosa, mate"', price: "1299.90", stock: "2", stockMin: "1" }), // before its product
      'RING,"Anillo ""Sol""",Anillo de oro,anillos,oro,1100.00,4,MXN,0,0,,true,sol|oro,,,,',
      variantRow({ sku: "RING-7", of: "ring", size: "7", stock: "5" }), // product's price, parent named in lower case
      variantRow({ sku: "RING-6", of: "RING", size: "-6", colour: "=plata", stock: "0", active: "false" }), // formula-like cells
      "CHAIN,Cadena,,cadenas,plata,500,,,3,1,10,true,,,,,",
    ].join("\n");
    const imported = await importCsv(shop, csv, false);
    expect(imported.body).toEqual({ ok: true, rows: 5, created: 5, updated: 0, errors: [] });

    const first = await exportCsv(shop);
    expect(first.status).toBe(200);
    const lines = first.text.replace(/^\uFEFF/, "").trim().split("\n");
    expect(lines).toEqual([
      FULL_HEADER,
      "CHAIN,Cadena,,cadenas,plata,500.00,,MXN,3,1,10,true,,,,,",
      'RING,"Anillo ""Sol""",Anillo de oro,anillos,oro,1100.00,4.00,MXN,0,0,,true,sol|oro,,,,',
      "RING-6,,,,,,,MXN,0,0,,false,,,RING,'-6,'=plata",
      'RING-7,,,,,,,MXN,5,0,,true,,,RING,7,',
      'RING-8,,,,,1299.90,,MXN,2,1,,true,,,RING,8,"Oro rosa, mate"',
    ]);

    const before = await variantsOf(shop.tenantId);
    expect(before.map(({ id: _id, ...rest }) => rest)).toEqual([
      { sku: "RING-6", product_sku: "RING", size: "-6", colour: "=plata", price_minor: null, stock: 0, stock_min: 0, active: false },
      { sku: "RING-7", product_sku: "RING", size: "7", colour: "", price_minor: null, stock: 5, stock_min: 0, active: true },
      { sku: "RING-8", product_sku: "RING", size: "8", colour: "Oro rosa, mate", price_minor: "129990", stock: 2, stock_min: 1, active: true },
    ]);
    const again = await importCsv(shop, first.text, false);
    expect(again.body).toEqual({ ok: true, rows: 5, created: 0, updated: 5, errors: [] });
    expect(await variantsOf(shop.tenantId)).toEqual(before);
    expect((await exportCsv(shop)).text).toBe(first.text);
  });

  it("lists every bad variant row in the dry run with its line and column, and writes nothing", async () => {
    const shop = await freshOwner();
    const headers = await auth(shop);
    const a = await request(gateway.app).post("/api/products").set(headers).send({ sku: "P-A", name: "Anillo", priceMinor: 1000 }).expect(201);
    await request(gateway.app).post("/api/products").set(headers).send({ sku: "P-B", name: "Cadena", priceMinor: 2000 }).expect(201);
    await request(gateway.app).post(`/api/products/${a.body.id}/variants`).set(headers).send({ sku: "P-A-1", size: "5" }).expect(201);
    const csv = [
      FULL_HEADER, // 1
      "NEW-1,Pulsera,,pulseras,plata,300,,,1,0,,true,,,,,", // 2: fine
      variantRow({ sku: "NEW-1-S", of: "NEW-1", size: "S" }), // 3: fine, product in the file
      variantRow({ sku: "ORPHAN-1", of: "NOPE" }), // 4: no such product
      variantRow({ sku: "new-1-s", of: "NEW-1", size: "M" }), // 5: same SKU as line 3
      variantRow({ sku: "P-A-1", of: "P-B", size: "5" }), // 6: P-A's variant
      variantRow({ sku: "BAD-NUM", of: "P-A", price: "$15", stock: "tres" }), // 7: unreadable price and stock
      variantRow({ sku: "BAD-SIZE", of: "P-A", size: "x".repeat(41) }), // 8: size too long
      variantRow({ sku: "p-b", of: "P-A" }), // 9: a product's SKU
      variantRow({ sku: "NAMED", of: "P-A", name: "Anillo talla 9" }), // 10: a product-only column
      "SIZED,Aretes,,aretes,oro,10,,,1,0,,true,,,,M,", // 11: size on a product row
      variantRow({ sku: "NESTED", of: "P-A-1" }), // 12: a variant as product
      variantRow({ sku: "NEG", of: "P-A", stock: "-2" }), // 13: negative stock
      "BROKEN,Broche,,broches,oro,mucho,,,1,0,,true,,,,,", // 14: a bad product row…
      variantRow({ sku: "BROKEN-1", of: "BROKEN" }), // 15: …whose variant is fine and not called orphaned
      variantRow({ sku: "P-A-2", of: "P-A", size: "6", price: "12.50" }), // 16: fine, product in the catalogue
    ].join("\n");
    const variantsBefore = await variantsOf(shop.tenantId);
    const response = await importCsv(shop, csv, true);
    expect(response.status).toBe(200);
    const problems = (response.body.errors as { line: number; column?: string; code: string }[]).map(({ line, column, code }) => ({ line, column, code }));
    expect(problems).toEqual([
      { line: 4, column: "variant_of", code: "PARENT_NOT_FOUND" },
      { line: 5, column: "sku", code: "DUPLICATE_SKU" },
      { line: 6, column: "sku", code: "SKU_TAKEN" },
      { line: 7, column: "price", code: "INVALID_MONEY" },
      { line: 7, column: "stock", code: "INVALID_NUMBER" },
      { line: 8, column: "size", code: "INVALID_VALUE" },
      { line: 9, column: "sku", code: "SKU_TAKEN" },
      { line: 10, column: "name", code: "COLUMN_NOT_APPLICABLE" },
      { line: 11, column: "size", code: "COLUMN_NOT_APPLICABLE" },
      { line: 12, column: "variant_of", code: "PARENT_NOT_FOUND" },
      { line: 13, column: "stock", code: "INVALID_VALUE" },
      { line: 14, column: "price", code: "INVALID_MONEY" },
    ]);
    // Valid rows: NEW-1, NEW-1-S, BROKEN-1 and P-A-2 would be created.
    expect(response.body).toMatchObject({ ok: false, rows: 15, created: 4, updated: 0 });
    expect(await countProducts(shop.tenantId)).toBe(2);
    expect(await variantsOf(shop.tenantId)).toEqual(variantsBefore);

    // The real import of the same file is refused whole.
    const refused = await importCsv(shop, csv, false);
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.errors).toHaveLength(12);
    expect(await countProducts(shop.tenantId)).toBe(2);
    expect(await variantsOf(shop.tenantId)).toEqual(variantsBefore);
  });

  it("imports nothing, products included, when a single variant row is bad", async () => {
    const shop = await freshOwner();
    const csv = [
      FULL_HEADER,
      "ONE,Anillo,,anillos,oro,100,,,1,0,,true,,,,,",
      variantRow({ sku: "ONE-7", of: "ONE", size: "7", stock: "2" }),
      "TWO,Cadena,,cadenas,oro,200,,,1,0,,true,,,,,",
      variantRow({ sku: "TWO-45", of: "TWO", size: "45 cm", stock: "2", stockMin: "1.5" }),
    ].join("\n");
    const response = await importCsv(shop, csv, false);
    expect(response.status).toBe(422);
    expect(response.body.error.details).toMatchObject({ ok: false, rows: 4, errors: [{ line: 5, column: "stock_min", code: "INVALID_NUMBER" }] });
    expect(await countProducts(shop.tenantId)).toBe(0);
    expect(await countVariants(shop.tenantId)).toBe(0);
  });

  it("still imports a file in the format before variants, updating products and leaving their variants as they are", async () => {
    const shop = await freshOwner();
    const headers = await auth(shop);
    const ring = await request(gateway.app).post("/api/products").set(headers).send({ sku: "OLD-1", name: "Anillo", priceMinor: 1000, stock: 1 }).expect(201);
    await request(gateway.app).post(`/api/products/${ring.body.id}/variants`).set(headers).send({ sku: "OLD-1-7", size: "7", stock: 4 }).expect(201);
    const variantsBefore = await variantsOf(shop.tenantId);
    const csv = [HEADER, "OLD-1,Anillo nuevo,,anillos,oro,15.00,,,2,0,,true,,", "OLD-2,Cadena,,cadenas,oro,20,,,1,0,,true,,"].join("\n");
    const response = await importCsv(shop, csv, false);
    expect(response.body).toEqual({ ok: true, rows: 2, created: 1, updated: 1, errors: [] });
    const after = await request(gateway.app).get(`/api/products/${ring.body.id}`).set(headers);
    expect(after.body).toMatchObject({ name: "Anillo nuevo", priceMinor: 1500, stock: 2, variants: [{ sku: "OLD-1-7", size: "7", stock: 4 }] });
    // Not in the file is not deleted.
    expect(await variantsOf(shop.tenantId)).toEqual(variantsBefore);
  });

  it("leaves a variant's price empty to mean the product's price, also when it had its own before", async () => {
    const shop = await freshOwner();
    const headers = await auth(shop);
    const file = (ownPrice: string) => [FULL_HEADER, "PRICED,Anillo,,anillos,oro,100.00,,,1,0,,true,,,,,", variantRow({ sku: "PRICED-7", of: "PRICED", size: "7", price: ownPrice }), variantRow({ sku: "PRICED-8", of: "PRICED", size: "8" })].join("\n");
    expect((await importCsv(shop, file("80.50"), false)).status).toBe(200);
    const own = await request(gateway.app).get("/api/products?q=PRICED").set(headers);
    // In file order: variants created by one import list as they were in the file.
    expect(own.body.items[0]).toMatchObject({ priceMinor: 10_000, variants: [{ sku: "PRICED-7", priceMinor: 8050 }, { sku: "PRICED-8", priceMinor: null }] });
    expect((await importCsv(shop, file(""), false)).body).toMatchObject({ ok: true, created: 0, updated: 3 });
    const inherited = await request(gateway.app).get("/api/products?q=PRICED").set(headers);
    expect(inherited.body.items[0].variants.map((v: { priceMinor: number | null }) => v.priceMinor)).toEqual([null, null]);
    expect((await exportCsv(shop)).text).toContain("PRICED-7,,,,,,,MXN,");
  });

  it("updates variants by SKU (case-insensitively) on a re-import without duplicating them", async () => {
    const shop = await freshOwner();
    const first = [FULL_HEADER, "UPV,Anillo,,anillos,oro,100,,,1,0,,true,,,,,", variantRow({ sku: "UPV-7", of: "UPV", size: "7", colour: "oro", stock: "3" })].join("\n");
    expect((await importCsv(shop, first, false)).body).toMatchObject({ ok: true, created: 2 });
    const [created] = await variantsOf(shop.tenantId);
    const second = [FULL_HEADER, variantRow({ sku: "upv-7", of: "upv", size: "7½", colour: "oro blanco", price: "120", stock: "9", stockMin: "2", active: "no" })].join("\n");
    const response = await importCsv(shop, second, false);
    expect(response.body).toEqual({ ok: true, rows: 1, created: 0, updated: 1, errors: [] });
    expect(await variantsOf(shop.tenantId)).toEqual([
      { id: created?.id, sku: "UPV-7", product_sku: "UPV", size: "7½", colour: "oro blanco", price_minor: "12000", stock: 9, stock_min: 2, active: false },
    ]);
  });

  it("does not let a tenant attach a variant to another tenant's product SKU", async () => {
    const mine = await freshOwner();
    const theirs = await freshOwner();
    expect((await importCsv(mine, [FULL_HEADER, "MINE-1,Anillo,,anillos,oro,100,,,1,0,,true,,,,,"].join("\n"), false)).status).toBe(200);
    const intruding = [FULL_HEADER, variantRow({ sku: "MINE-1-X", of: "MINE-1", size: "X" })].join("\n");
    const dry = await importCsv(theirs, intruding, true);
    expect(dry.body).toMatchObject({ ok: false, errors: [{ line: 2, column: "variant_of", code: "PARENT_NOT_FOUND" }] });
    expect((await importCsv(theirs, intruding, false)).status).toBe(422);
    expect(await countVariants(mine.tenantId)).toBe(0);
    expect(await countVariants(theirs.tenantId)).toBe(0);
    // With a MINE-1 of its own, the same file attaches the variant there, not to the other shop's.
    expect((await importCsv(theirs, [FULL_HEADER, "MINE-1,Su anillo,,,,5,,,1,0,,true,,,,,", variantRow({ sku: "MINE-1-X", of: "MINE-1", size: "X" })].join("\n"), false)).body).toMatchObject({ ok: true, created: 2 });
    expect((await variantsOf(theirs.tenantId)).map((v) => [v.sku, v.product_sku])).toEqual([["MINE-1-X", "MINE-1"]]);
    expect(await countVariants(mine.tenantId)).toBe(0);
  });

  it("imports 5,000 products with one variant each (10,000 rows) in one go", async () => {
    const shop = await freshOwner();
    const rows = Array.from({ length: 5_000 }, (_, i) => {
      const sku = `BULKV-${String(i).padStart(5, "0")}`;
      return [`${sku},Anillo ${i},,anillos,oro,${i}.50,,,${i % 50},1,,true,anillo,,,,`, variantRow({ sku: `${sku}-7`, of: sku, size: "7", stock: String(i % 7) })];
    }).flat();
    const response = await importCsv(shop, [FULL_HEADER, ...rows].join("\n"), false);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ ok: true, rows: 10_000, created: 10_000, updated: 0 });
    expect(await countVariants(shop.tenantId)).toBe(5_000);
    const { rows: sample } = await gateway.pool.query<{ stock: number; product_sku: string }>(
      "SELECT v.stock, p.sku AS product_sku FROM product_variants v JOIN products p ON p.id = v.product_id WHERE v.tenant_id = $1 AND v.sku = 'BULKV-01234-7'",
      [shop.tenantId],
    );
    expect(sample).toEqual([{ stock: 1234 % 7, product_sku: "BULKV-01234" }]);
  }, 60_000);
});
