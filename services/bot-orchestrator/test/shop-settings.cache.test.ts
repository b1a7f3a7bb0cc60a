// The shop settings cache in front of the gateway's GetBusinessHours, against the fake
// CommerceService over the real gRPC wire: repeated asks within the TTL cost one call, an answer is
// never kept past the shop's next opening or closing, a change reaches the flows once the TTL runs
// out, and a TTL of 0 asks every time.
import { describe, expect, it } from "@jest/globals";
import { withCachedShopSettings } from "../src/clients/shop-settings.cache.js";
import { fakeCommerceForTests, type FakeShop, type HoursReply } from "./fake-commerce.js";

const rig = fakeCommerceForTests();

const asks = (shop: FakeShop) => shop.calls.filter((call) => call.method === "getBusinessHours").length;
const at = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });
const hours = (change: Pick<HoursReply, "openNow" | "nextChangeTime">): HoursReply => ({ timeZone: "America/Mexico_City", days: [], language: "es", currency: "MXN", shopName: "Joyería Ana", catalogueUrl: "", ...change });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("withCachedShopSettings", () => {
  it("answers repeated asks of a shop within the TTL with one call to the gateway, also when they come at once", async () => {
    const shop = rig.fake.shop();
    const cached = withCachedShopSettings(rig.commerce, { ttlMs: 10_000 });

    const together = await Promise.all([cached.getBusinessHours({ tenantId: shop.tenantId }), cached.getBusinessHours({ tenantId: shop.tenantId })]);
    const later = await cached.getBusinessHours({ tenantId: shop.tenantId });

    expect(together.map((hours) => hours.shopName)).toEqual(["Joyería Ana", "Joyería Ana"]);
    expect(later.shopName).toBe("Joyería Ana");
    expect(asks(shop)).toBe(1);
  });

  it("never keeps an answer past the shop's next opening or closing: 'open now' is never stale", async () => {
    const shop = rig.fake.shop();
    shop.hours = hours({ openNow: false, nextChangeTime: at(Date.now() + 200) });
    const cached = withCachedShopSettings(rig.commerce, { ttlMs: 10_000 });

    expect((await cached.getBusinessHours({ tenantId: shop.tenantId })).openNow).toBe(false);
    shop.hours = hours({ openNow: true, nextChangeTime: at(Date.now() + 3_600_000) });
    await sleep(300);

    expect((await cached.getBusinessHours({ tenantId: shop.tenantId })).openNow).toBe(true);
    expect(asks(shop)).toBe(2);
  });

  it("brings a change of the settings once the TTL runs out", async () => {
    const shop = rig.fake.shop();
    const cached = withCachedShopSettings(rig.commerce, { ttlMs: 150 });

    await cached.getBusinessHours({ tenantId: shop.tenantId });
    shop.hours = { ...shop.hours, catalogueUrl: "https://cdn.example.com/catalogo.pdf" };
    expect((await cached.getBusinessHours({ tenantId: shop.tenantId })).catalogueUrl).toBe("");
    await sleep(250);

    expect((await cached.getBusinessHours({ tenantId: shop.tenantId })).catalogueUrl).toBe("https://cdn.example.com/catalogo.pdf");
    expect(asks(shop)).toBe(2);
  });

  it("keeps no failure, and with a TTL of 0 asks the gateway every time", async () => {
    const cached = withCachedShopSettings(rig.commerce, { ttlMs: 10_000 });
    await expect(cached.getBusinessHours({ tenantId: "7d0c8a4e-0000-4000-8000-000000000000" })).rejects.toMatchObject({ code: "TENANT_NOT_FOUND" });
    await expect(cached.getBusinessHours({ tenantId: "7d0c8a4e-0000-4000-8000-000000000000" })).rejects.toMatchObject({ code: "TENANT_NOT_FOUND" });

    const shop = rig.fake.shop();
    const uncached = withCachedShopSettings(rig.commerce, { ttlMs: 0 });
    await uncached.getBusinessHours({ tenantId: shop.tenantId });
    await uncached.getBusinessHours({ tenantId: shop.tenantId });
    expect(asks(shop)).toBe(2);
  });
});
