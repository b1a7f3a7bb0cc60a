// The shop profiles every turn reads (tenant.name, now.* in the shop's zone), from the fake
// CommerceService over the real gRPC wire: asks that come together cost one call, an answer is kept
// for the TTL, and while the gateway cannot answer the turn gets the default zone, kept only
// briefly so that the shop's own follows once the gateway is back.
import { describe, expect, it } from "@jest/globals";
import { memoryLogger } from "@fleet/testing";
import { createCommerceClient } from "../src/clients/commerce.client.js";
import { createTenantProfiles, type TenantProfileSource } from "../src/clients/tenant-profiles.js";
import { fakeCommerceForTests, type FakeShop } from "./fake-commerce.js";

const rig = fakeCommerceForTests();
const { logger } = memoryLogger("bot-orchestrator", "error");

const asks = (shop: FakeShop) => shop.calls.filter((call) => call.method === "getBusinessHours").length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("createTenantProfiles", () => {
  it("answers asks that come together with one call, and keeps the answer for the TTL", async () => {
    const shop = rig.fake.shop();
    shop.hours = { ...shop.hours, shopName: "Joyería Ana", timeZone: "America/Mexico_City" };
    const profiles = createTenantProfiles({ source: rig.commerce, fallbackTimezone: "UTC", ttlMs: 60_000, logger });

    const together = await Promise.all([profiles.profile(shop.tenantId), profiles.profile(shop.tenantId), profiles.profile(shop.tenantId)]);
    shop.hours = { ...shop.hours, shopName: "Otra" };
    const later = await profiles.profile(shop.tenantId);

    expect(together).toEqual(Array.from({ length: 3 }, () => ({ name: "Joyería Ana", timezone: "America/Mexico_City" })));
    expect(later).toEqual({ name: "Joyería Ana", timezone: "America/Mexico_City" });
    expect(asks(shop)).toBe(1);
  });

  it("asks again once the TTL has run out", async () => {
    const shop = rig.fake.shop();
    shop.hours = { ...shop.hours, shopName: "Joyería Ana", timeZone: "America/Mexico_City" };
    const profiles = createTenantProfiles({ source: rig.commerce, fallbackTimezone: "UTC", ttlMs: 100, logger });

    await profiles.profile(shop.tenantId);
    shop.hours = { ...shop.hours, shopName: "Joyería Ana Centro", timeZone: "America/Monterrey" };
    await sleep(150);

    expect(await profiles.profile(shop.tenantId)).toEqual({ name: "Joyería Ana Centro", timezone: "America/Monterrey" });
    expect(asks(shop)).toBe(2);
  });

  it("gives the default zone while the gateway cannot answer, keeps that 5 s at most, then the shop's own", async () => {
    const shop = rig.fake.shop();
    shop.hours = { ...shop.hours, shopName: "Joyería Ana", timeZone: "America/Mexico_City" };
    // The gateway is away (nothing listens there) until `current` points at the rig.fake.
    const away = createCommerceClient("127.0.0.1:1", 1_000);
    let current: TenantProfileSource = away;
    let calls = 0;
    const source: TenantProfileSource = { getBusinessHours: (request) => (calls++, current.getBusinessHours(request)) };
    const profiles = createTenantProfiles({ source, fallbackTimezone: "America/Bogota", ttlMs: 60_000, logger });

    expect(await profiles.profile(shop.tenantId)).toEqual({ timezone: "America/Bogota" });
    current = rig.commerce;
    expect(await profiles.profile(shop.tenantId)).toEqual({ timezone: "America/Bogota" });
    expect(calls).toBe(1);
    await sleep(5_100);

    expect(await profiles.profile(shop.tenantId)).toEqual({ name: "Joyería Ana", timezone: "America/Mexico_City" });
    expect(calls).toBe(2);
    away.close();
  }, 15_000);
});
