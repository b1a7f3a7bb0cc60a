// /api/settings and CommerceService.GetBusinessHours through the real app on real Postgres: defaults,
// strict validation with stable codes, who may change them, the rate limiter's key left alone, and
// whether the shop is open now in its own time zone.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { SeededUser } from "./gateway.harness.js";
import { startCommerce, type CommerceHarness } from "./sellers.harness.js";

let h: CommerceHarness;
let owner: SeededUser;
let agent: SeededUser;

beforeAll(async () => {
  h = await startCommerce();
  owner = await h.base.createUser({ tenant: "joyeria-sol", email: "duena@sol.test", role: "owner" });
  agent = await h.base.createUser({ tenant: "joyeria-sol", email: "agente@sol.test", role: "agent" });
});

afterAll(async () => {
  await h?.close();
});

describe("shop settings over REST", () => {
  it("reads defaults for a new shop: Mexico City, MXN, Spanish, no tax, two-hour assignment timeout", async () => {
    const response = await (await h.as(agent)).get("/api/settings");
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ timeZone: "America/Mexico_City", currency: "MXN", language: "es", taxRateBps: 0, assignmentTimeoutMinutes: 120, catalogueUrl: null });
    expect(response.body.businessHours).toHaveLength(6);
  });

  it("changes only the keys sent, keeps rateLimitPerMinute, and clears the catalogue link with null", async () => {
    await h.base.pool.query("UPDATE tenants SET settings = settings || '{\"rateLimitPerMinute\": 77}'::jsonb WHERE id = $1", [owner.tenantId]);
    const api = await h.as(owner);
    const changed = await api.patch("/api/settings", { timeZone: "us/eastern", currency: "USD", language: "en", taxRateBps: 1600, catalogueUrl: "https://tienda.example/catalogo.pdf", rateLimitPerMinute: 1 });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ timeZone: "America/New_York", currency: "USD", language: "en", taxRateBps: 1600, catalogueUrl: "https://tienda.example/catalogo.pdf", assignmentTimeoutMinutes: 120 });
    expect(changed.body).not.toHaveProperty("rateLimitPerMinute");
    const cleared = await api.patch("/api/settings", { catalogueUrl: null });
    expect(cleared.body).toMatchObject({ catalogueUrl: null, currency: "USD" });
    const { rows } = await h.base.pool.query<{ settings: Record<string, unknown> }>("SELECT settings FROM tenants WHERE id = $1", [owner.tenantId]);
    expect(rows[0]?.settings).toMatchObject({ rateLimitPerMinute: 77, timeZone: "America/New_York", taxRateBps: 1600 });
    expect(rows[0]?.settings).not.toHaveProperty("catalogueUrl");
  });

  it("refuses bad values with 400 VALIDATION_FAILED naming the field, and changes nothing", async () => {
    const api = await h.as(owner);
    const before = (await api.get("/api/settings")).body;
    const cases: [object, string][] = [
      [{ timeZone: "Mars/Olympus" }, "timeZone"],
      [{ timeZone: "+05:00" }, "timeZone"],
      [{ currency: "XXY" }, "currency"],
      [{ currency: "mxn" }, "currency"],
      [{ language: "fr" }, "language"],
      [{ taxRateBps: 16.5 }, "taxRateBps"],
      [{ taxRateBps: -1 }, "taxRateBps"],
      [{ assignmentTimeoutMinutes: 0 }, "assignmentTimeoutMinutes"],
      [{ catalogueUrl: "http://tienda.example/catalogo" }, "catalogueUrl"],
      [{ catalogueUrl: "javascript:alert(1)" }, "catalogueUrl"],
      [{ businessHours: [{ weekday: 1, ranges: [{ open: "20:00", close: "02:00" }] }] }, "businessHours.0.ranges.0"],
      [{ businessHours: [{ weekday: 1, ranges: [{ open: "9:00", close: "18:00" }] }] }, "businessHours.0.ranges.0.open"],
    ];
    for (const [body, path] of cases) {
      const response = await api.patch("/api/settings", body);
      expect({ body, status: response.status, code: response.body.error?.code }).toEqual({ body, status: 400, code: "VALIDATION_FAILED" });
      expect(response.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect((await api.patch("/api/settings", {})).status).toBe(400);
    expect((await api.get("/api/settings")).body).toEqual(before);
  });

  it("lets only managers change settings", async () => {
    const response = await (await h.as(agent)).patch("/api/settings", { language: "en" });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("FORBIDDEN");
  });

  it("reads a stored value that no longer fits as its default instead of failing", async () => {
    const shop = await h.base.createUser({ tenant: "joyeria-rara", email: "duena@rara.test", role: "owner" });
    await h.base.pool.query(`UPDATE tenants SET settings = '{"timeZone": "Nowhere/City", "taxRateBps": "mucho", "businessHours": 5}'::jsonb WHERE id = $1`, [shop.tenantId]);
    const response = await (await h.as(shop)).get("/api/settings");
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ timeZone: "America/Mexico_City", taxRateBps: 0 });
  });
});

describe("GetBusinessHours over gRPC", () => {
  it("says whether the shop is open now in its zone and when that changes", async () => {
    const shop = await h.base.createUser({ tenant: "joyeria-luna", email: "duena@luna.test", role: "owner" });
    const weekdays = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, ranges: [{ open: "10:00", close: "14:00" }, { open: "16:00", close: "20:00" }] }));
    await (await h.as(shop)).patch("/api/settings", { businessHours: weekdays, timeZone: "America/Mexico_City", language: "es", currency: "MXN" });
    // Tuesday 15:00 in Mexico City (21:00 UTC): lunch break, reopens at 16:00 local = 22:00 UTC.
    h.clock.set("2025-07-15T21:00:00Z");
    const lunch = await h.grpc.getBusinessHours({ tenantId: shop.tenantId });
    expect(lunch).toMatchObject({ timeZone: "America/Mexico_City", openNow: false, language: "es", currency: "MXN", catalogueUrl: "" });
    expect(lunch.shopName).not.toBe("");
    await (await h.as(shop)).patch("/api/settings", { catalogueUrl: "https://example.com/catalogo.pdf" });
    expect((await h.grpc.getBusinessHours({ tenantId: shop.tenantId })).catalogueUrl).toBe("https://example.com/catalogo.pdf");
    expect(lunch.days).toHaveLength(5);
    expect(lunch.days[0]?.ranges.map((r) => `${r.open}-${r.close}`)).toEqual(["10:00-14:00", "16:00-20:00"]);
    expect(new Date(Number(lunch.nextChangeTime?.seconds ?? 0n) * 1000).toISOString()).toBe("2025-07-15T22:00:00.000Z");
    // Friday 19:30 local: open, closes at 20:00 local = 02:00 UTC Saturday.
    h.clock.set("2025-07-19T01:30:00Z");
    const friday = await h.grpc.getBusinessHours({ tenantId: shop.tenantId });
    expect(friday.openNow).toBe(true);
    expect(new Date(Number(friday.nextChangeTime?.seconds ?? 0n) * 1000).toISOString()).toBe("2025-07-19T02:00:00.000Z");
  });

  it("answers NOT_FOUND for a tenant that does not exist", async () => {
    await expect(h.grpc.getBusinessHours({ tenantId: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({ kind: "not_found", code: "TENANT_NOT_FOUND" });
    await expect(h.grpc.getBusinessHours({ tenantId: "nope" })).rejects.toMatchObject({ kind: "not_found" });
  });
});
