// The release job on real Postgres and Redis with a clock the test moves: open assignments older
// than the tenant's assignmentTimeoutMinutes (default 120) are released once, with their events,
// even when two replicas run the job at the same instant.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { STREAMS } from "@fleet/contracts";
import { memoryLogger } from "@fleet/testing";
import { startReleaseSellerAssignmentsJob } from "../src/jobs/release-seller-assignments.job.js";
import { createCustomersCache } from "../src/modules/customers/customers.module.js";
import { createAssignmentTimeoutsRepository } from "../src/modules/sellers/assignment-timeouts.repository.js";
import { createSellerEvents } from "../src/modules/sellers/seller-events.js";
import { createSellersCache } from "../src/modules/sellers/sellers.module.js";
import { createEventsRepository } from "../src/repositories/events.repository.js";
import { startCommerce, type CommerceHarness } from "./sellers.harness.js";

let h: CommerceHarness;

beforeAll(async () => {
  h = await startCommerce("2025-07-15T17:00:00Z");
});

afterAll(async () => {
  await h?.close();
});

function replicaJob() {
  const { logger } = memoryLogger("gateway");
  return startReleaseSellerAssignmentsJob({
    assignments: createAssignmentTimeoutsRepository(h.base.pool),
    events: createSellerEvents({ events: createEventsRepository(h.base.testRedis.redis), stale: [createCustomersCache({ redis: h.base.testRedis.redis, logger }), createSellersCache({ redis: h.base.testRedis.redis, logger })], logger }),
    intervalMs: 3_600_000,
    logger,
    now: () => h.clock.now,
  });
}

async function openAssignments(tenantId: string): Promise<number> {
  const { rows } = await h.base.pool.query<{ open: number }>("SELECT count(*)::int AS open FROM seller_assignments WHERE tenant_id = $1 AND released_at IS NULL", [tenantId]);
  return rows[0]?.open ?? -1;
}

describe("releasing assignments nobody released", () => {
  it("releases after each tenant's timeout, once across two replicas, and emits seller.released for each", async () => {
    const shortShop = await h.base.createUser({ tenant: "corta", email: "duena@corta.test", role: "owner" });
    const defaultShop = await h.base.createUser({ tenant: "normal", email: "duena@normal.test", role: "owner" });
    expect((await (await h.as(shortShop)).patch("/api/settings", { assignmentTimeoutMinutes: 30 })).status).toBe(200);
    for (const owner of [shortShop, defaultShop]) {
      expect((await (await h.as(owner)).post("/api/sellers", { name: "Ana", phone: "5215550000000", status: "online" })).status).toBe(201);
      for (const contact of ["5215511110001", "5215511110002"]) await h.grpc.assignSeller({ tenantId: owner.tenantId, customerContact: contact });
    }
    const [first, second] = [replicaJob(), replicaJob()];
    const sellersOfCustomers = async () => ((await (await h.as(shortShop)).get("/api/customers")).body.items as Array<{ seller: { name: string } | null }>).map((customer) => customer.seller?.name ?? null);
    // Read (and cached) while assigned; the job's release shows at once, not when the cache expires.
    expect(await sellersOfCustomers()).toEqual(["Ana", "Ana"]);
    expect(((await (await h.as(shortShop)).get("/api/sellers")).body.items as Array<{ currentLoad: number }>).map((seller) => seller.currentLoad)).toEqual([2]);

    h.clock.advanceMinutes(29);
    expect(await first.runOnce()).toBe(0);
    h.clock.advanceMinutes(1);
    const released = await Promise.all([first.runOnce(), second.runOnce()]);
    expect(released[0] + released[1]).toBe(2);
    expect(await openAssignments(shortShop.tenantId)).toBe(0);
    expect(await openAssignments(defaultShop.tenantId)).toBe(2);
    expect(await sellersOfCustomers()).toEqual([null, null]);
    expect(((await (await h.as(shortShop)).get("/api/sellers")).body.items as Array<{ currentLoad: number }>).map((seller) => seller.currentLoad)).toEqual([0]);

    h.clock.advanceMinutes(90);
    expect((await Promise.all([first.runOnce(), second.runOnce()])).reduce((a, b) => a + b)).toBe(2);
    expect(await openAssignments(defaultShop.tenantId)).toBe(0);
    expect(await first.runOnce()).toBe(0);

    const entries = await h.base.testRedis.redis.xrange(STREAMS.events, "-", "+");
    const releases = entries.map(([, fields]) => JSON.parse(fields[fields.indexOf("data") + 1] ?? "{}")).filter((event: { type: string }) => event.type === "seller.released");
    expect(releases).toHaveLength(4);
    expect(new Set(releases.map((event: { id: string }) => event.id)).size).toBe(4);
    expect(releases[0]).toMatchObject({ tenantId: shortShop.tenantId, attributes: { release_reason: "timeout" } });
    const listed = await (await h.as(shortShop)).get("/api/sellers/assignments");
    expect(listed.body.items.map((a: { releaseReason: string }) => a.releaseReason)).toEqual(["timeout", "timeout"]);
    // A released customer gets a fresh assignment when they ask again.
    expect((await h.grpc.assignSeller({ tenantId: shortShop.tenantId, customerContact: "5215511110001" })).existing).toBe(false);
    await Promise.all([first.stop(), second.stop()]);
  });
});
