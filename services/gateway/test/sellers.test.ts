// Sellers through the real HTTP app and the CommerceService over gRPC, on real Postgres and Redis:
// who may change what, round robin and its fallbacks, a customer keeping their seller, capacity
// under 30 concurrent assignments, schedules and days off read in the shop's time zone, releases
// and the seller.assigned / seller.released events.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { STREAMS } from "@fleet/contracts";
import { SellerStatus } from "@fleet/contracts/commerce";
import { rejectionOf } from "@fleet/testing";
import type { SeededUser } from "./gateway.harness.js";
import { startCommerce, type CommerceHarness } from "./sellers.harness.js";

let h: CommerceHarness;
let sequence = 0;

beforeAll(async () => {
  h = await startCommerce();
});

afterAll(async () => {
  await h?.close();
});

/** A fresh tenant with an owner, so rotations and loads of one test never meet another's. */
async function newShop(): Promise<{ owner: SeededUser; tenantId: string; tenant: string }> {
  sequence++;
  const tenant = `joyeria-${sequence}`;
  const owner = await h.base.createUser({ tenant, email: `duena${sequence}@joyeria.test`, role: "owner" });
  return { owner, tenantId: owner.tenantId, tenant };
}

async function addSeller(owner: SeededUser, body: Record<string, unknown>): Promise<string> {
  const response = await (await h.as(owner)).post("/api/sellers", { phone: "5215550000000", status: "online", ...body });
  expect(response.status).toBe(201);
  return String(response.body.id);
}

async function assignedSellerIds(tenantId: string, contacts: string[], specialty = ""): Promise<string[]> {
  const ids: string[] = [];
  for (const contact of contacts) ids.push((await h.grpc.assignSeller({ tenantId, customerContact: contact, specialty, reason: "adviser" })).seller?.id ?? "");
  return ids;
}

async function streamEvents(tenantId: string): Promise<{ type: string; id: string; contact?: string; attributes: Record<string, unknown> }[]> {
  const entries = await h.base.testRedis.redis.xrange(STREAMS.events, "-", "+");
  return entries
    .map(([, fields]) => JSON.parse(fields[fields.indexOf("data") + 1] ?? "{}"))
    .filter((event: { tenantId?: string }) => event.tenantId === tenantId);
}

describe("managing sellers over REST", () => {
  it("creates, reads, lists with filters and changes a seller; the phone is kept as E.164 digits", async () => {
    const { owner } = await newShop();
    const api = await h.as(owner);
    const created = await api.post("/api/sellers", { name: "Ana", phone: "+525512345678", specialty: "Anillos", maxConcurrentCustomers: 3 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "Ana", phone: "525512345678", status: "offline", active: true, specialty: "Anillos", maxConcurrentCustomers: 3, currentLoad: 0, onDuty: false, supervisor: false, userId: null });
    await addSeller(owner, { name: "Beto", specialty: "Cadenas", supervisor: true });

    const got = await api.get(`/api/sellers/${created.body.id}`);
    expect(got.body).toMatchObject({ id: created.body.id, currentLoad: 0 });
    const online = await api.get("/api/sellers?status=online");
    expect(online.body.items.map((s: { name: string }) => s.name)).toEqual(["Beto"]);
    const rings = await api.get("/api/sellers?specialty=anillos");
    expect(rings.body.items.map((s: { name: string }) => s.name)).toEqual(["Ana"]);
    const onDuty = await api.get("/api/sellers?onDuty=true");
    expect(onDuty.body.items.map((s: { name: string }) => s.name)).toEqual(["Beto"]);

    const firstPage = await api.get("/api/sellers?limit=1");
    expect(firstPage.body.items.map((s: { name: string }) => s.name)).toEqual(["Ana"]);
    const secondPage = await api.get(`/api/sellers?limit=1&cursor=${firstPage.body.nextCursor}`);
    expect(secondPage.body).toMatchObject({ items: [{ name: "Beto" }], nextCursor: null });

    const changed = await api.patch(`/api/sellers/${created.body.id}`, { status: "busy", maxConcurrentCustomers: 4 });
    expect(changed.body).toMatchObject({ status: "busy", maxConcurrentCustomers: 4 });
  });

  it("answers bad input with 400 and stable codes, unknown ids with 404, never a 5xx", async () => {
    const { owner } = await newShop();
    const api = await h.as(owner);
    const badPhone = await api.post("/api/sellers", { name: "Ana", phone: "call me" });
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.error.code).toBe("VALIDATION_FAILED");
    expect((await api.post("/api/sellers", { name: "", phone: "5215550000000" })).body.error.code).toBe("VALIDATION_FAILED");
    expect((await api.post("/api/sellers", { name: "Ana", phone: "5215550000000", maxConcurrentCustomers: 0 })).status).toBe(400);
    expect((await api.patch("/api/sellers/00000000-0000-4000-8000-000000000000", { status: "online" })).body.error.code).toBe("SELLER_NOT_FOUND");
    expect((await api.get("/api/sellers/not-a-uuid")).status).toBe(400);
    expect((await api.get("/api/sellers?cursor=garbage")).body.error.code).toBe("INVALID_CURSOR");
    expect((await api.get("/api/sellers?onDuty=maybe")).status).toBe(400);
    const stranger = await h.base.createUser({ tenant: "otra-joyeria", email: `x${sequence}@otra.test`, role: "agent" });
    const foreignUser = await api.post("/api/sellers", { name: "Ana", phone: "5215550000000", userId: stranger.id });
    expect(foreignUser.status).toBe(404);
    expect(foreignUser.body.error.code).toBe("USER_NOT_FOUND");
    const overnight = await api.put(`/api/sellers/${await addSeller(owner, { name: "Noche" })}/schedule`, { weekly: [{ weekday: 5, ranges: [{ open: "22:00", close: "02:00" }] }], daysOff: [] });
    expect(overnight.status).toBe(400);
    expect(overnight.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("lets an agent set only their own status; viewers and agents cannot manage sellers", async () => {
    const { owner, tenant } = await newShop();
    const agent = await h.base.createUser({ tenant, email: `agente${sequence}@joyeria.test`, role: "agent" });
    const viewer = await h.base.createUser({ tenant, email: `mirona${sequence}@joyeria.test`, role: "viewer" });
    const own = await addSeller(owner, { name: "Carla", userId: agent.id, status: "offline" });
    const other = await addSeller(owner, { name: "Diego" });
    const linkedTwice = await (await h.as(owner)).post("/api/sellers", { name: "Carla bis", phone: "5215550000001", userId: agent.id });
    expect(linkedTwice.status).toBe(409);
    expect(linkedTwice.body.error.code).toBe("SELLER_USER_TAKEN");

    const asAgent = await h.as(agent);
    expect((await asAgent.patch(`/api/sellers/${own}`, { status: "online" })).body).toMatchObject({ status: "online" });
    const othersStatus = await asAgent.patch(`/api/sellers/${other}`, { status: "offline" });
    expect(othersStatus.status).toBe(403);
    expect(othersStatus.body.error.code).toBe("FORBIDDEN");
    expect((await asAgent.patch(`/api/sellers/${own}`, { maxConcurrentCustomers: 100 })).status).toBe(403);
    expect((await asAgent.post("/api/sellers", { name: "Yo", phone: "5215550000002" })).status).toBe(403);
    expect((await asAgent.put(`/api/sellers/${own}/schedule`, { weekly: null, daysOff: [] })).status).toBe(403);
    const asViewer = await h.as(viewer);
    expect((await asViewer.get("/api/sellers")).status).toBe(200);
    expect((await asViewer.patch(`/api/sellers/${own}`, { status: "offline" })).status).toBe(403);
    expect((await (await h.as(owner)).get(`/api/sellers/${other}`)).body.status).toBe("online");
  });
});

describe("choosing a seller", () => {
  it("takes turns among available sellers in creation order, across calls", async () => {
    const { owner, tenantId } = await newShop();
    const ana = await addSeller(owner, { name: "Ana" });
    const beto = await addSeller(owner, { name: "Beto" });
    const carla = await addSeller(owner, { name: "Carla" });
    await addSeller(owner, { name: "Dormida", status: "offline" });
    await addSeller(owner, { name: "Baja", active: false });
    expect(await assignedSellerIds(tenantId, ["5215500000001", "5215500000002", "5215500000003", "5215500000004", "5215500000005"])).toEqual([ana, beto, carla, ana, beto]);
  });

  it("gives a customer only sellers of the specialty asked, ignoring case and accents", async () => {
    const { owner, tenantId } = await newShop();
    await addSeller(owner, { name: "Ana", specialty: "Cadenas" });
    const relojes = await addSeller(owner, { name: "Beto", specialty: "Relojería" });
    expect(await assignedSellerIds(tenantId, ["5215500000011", "5215500000012"], "relojeria")).toEqual([relojes, relojes]);
    await expect(h.grpc.assignSeller({ tenantId, customerContact: "5215500000013", specialty: "anillos" })).rejects.toMatchObject({ code: "NO_SELLER_AVAILABLE", kind: "failed_precondition" });
  });

  it("falls back to the least-loaded active seller under capacity when nobody is on duty, and refuses when all are full", async () => {
    const { owner, tenantId } = await newShop();
    const api = await h.as(owner);
    const ana = await addSeller(owner, { name: "Ana", status: "offline", maxConcurrentCustomers: 3 });
    const beto = await addSeller(owner, { name: "Beto", status: "busy", maxConcurrentCustomers: 2 });
    // Ana already attends two customers (by hand).
    for (const contact of ["5215500000021", "5215500000022"]) expect((await api.post("/api/sellers/assignments", { customerContact: contact, sellerId: ana })).status).toBe(201);
    expect(await assignedSellerIds(tenantId, ["5215500000023", "5215500000024", "5215500000025"])).toEqual([beto, beto, ana]);
    await expect(h.grpc.assignSeller({ tenantId, customerContact: "5215500000026" })).rejects.toMatchObject({ code: "NO_SELLER_AVAILABLE" });
    const listed = await api.get(`/api/sellers/assignments?sellerId=${beto}`);
    expect(listed.body.items.map((a: { strategy: string }) => a.strategy)).toEqual(["least_loaded", "least_loaded"]);
    expect((await api.get(`/api/sellers/${ana}`)).body.currentLoad).toBe(3);
  });

  it("answers a new assignment with the seller as a fresh read gives them, their load counting the new customer", async () => {
    const { owner, tenantId } = await newShop();
    const api = await h.as(owner);
    const ana = await addSeller(owner, { name: "Ana", status: "online", maxConcurrentCustomers: 5 });
    for (const contact of ["5215500000027", "5215500000028"]) expect((await api.post("/api/sellers/assignments", { customerContact: contact, sellerId: ana })).status).toBe(201);
    const third = await h.grpc.assignSeller({ tenantId, customerContact: "5215500000029", reason: "adviser" });
    expect(third).toMatchObject({ existing: false, seller: { id: ana, name: "Ana", currentLoad: 3, maxConcurrentCustomers: 5 } });
    const [read] = (await h.grpc.listSellersOnDuty({ tenantId })).sellers;
    expect(third.seller).toEqual(read);
  });

  it("returns the customer's open assignment instead of a second one, and the first assignment for a repeated idempotency key", async () => {
    const { owner, tenantId } = await newShop();
    await addSeller(owner, { name: "Ana" });
    await addSeller(owner, { name: "Beto" });
    const first = await h.grpc.assignSeller({ tenantId, customerContact: "5215500000031", customerName: "Lupita", reason: "adviser", idempotencyKey: "turn-1" });
    expect(first.existing).toBe(false);
    const again = await h.grpc.assignSeller({ tenantId, customerContact: "5215500000031", reason: "catalogue interest" });
    expect(again).toMatchObject({ existing: true, assignmentId: first.assignmentId, seller: { id: first.seller?.id, currentLoad: 1 } });
    await h.grpc.releaseSeller({ tenantId, customerContact: "5215500000031" });
    const replay = await h.grpc.assignSeller({ tenantId, customerContact: "5215500000031", idempotencyKey: "turn-1" });
    expect(replay).toMatchObject({ existing: true, assignmentId: first.assignmentId });
    const listed = await (await h.as(owner)).get("/api/sellers/assignments");
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({ customerContact: "5215500000031", customerName: "Lupita", reason: "adviser", releaseReason: "released" });
  });

  it("answers a returning customer without waiting for the tenant's assignment lock, which new assignments still take", async () => {
    const { owner, tenantId } = await newShop();
    await addSeller(owner, { name: "Ana" });
    const first = await h.grpc.assignSeller({ tenantId, customerContact: "5215500000041", reason: "welcome" });
    const holder = await h.base.pool.connect();
    try {
      // Another replica deciding an assignment for this shop right now.
      await holder.query("BEGIN");
      await holder.query("SELECT pg_advisory_xact_lock(hashtextextended('seller-assignments:' || $1, 0))", [tenantId]);

      const again = await h.grpc.assignSeller({ tenantId, customerContact: "5215500000041", reason: "welcome", idempotencyKey: "turn-41" }, { deadlineMs: 2000 });
      expect(again).toMatchObject({ existing: true, assignmentId: first.assignmentId });

      let decided = false;
      const newcomer = h.grpc.assignSeller({ tenantId, customerContact: "5215500000042", reason: "welcome" }).finally(() => (decided = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(decided).toBe(false);
      await holder.query("ROLLBACK");
      expect((await newcomer).existing).toBe(false);
    } finally {
      await holder.query("ROLLBACK").catch(() => undefined);
      holder.release();
    }
  });

  it("never exceeds capacity: 30 simultaneous requests for two sellers of capacity 5 give exactly 10 assignments", async () => {
    const { owner, tenantId } = await newShop();
    const ana = await addSeller(owner, { name: "Ana", maxConcurrentCustomers: 5 });
    const beto = await addSeller(owner, { name: "Beto", maxConcurrentCustomers: 5 });
    const contacts = Array.from({ length: 30 }, (_, i) => `52155000001${String(i).padStart(2, "0")}`);
    const outcomes = await Promise.allSettled(contacts.map((customerContact) => h.grpc.assignSeller({ tenantId, customerContact, reason: "adviser" })));
    const assigned = outcomes.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value.seller?.id] : []));
    const refused = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [(outcome.reason as { code?: string }).code] : []));
    expect(assigned).toHaveLength(10);
    expect(refused).toEqual(Array.from({ length: 20 }, () => "NO_SELLER_AVAILABLE"));
    expect(assigned.filter((id) => id === ana)).toHaveLength(5);
    expect(assigned.filter((id) => id === beto)).toHaveLength(5);
    const { rows } = await h.base.pool.query<{ seller_id: string; open: number }>("SELECT seller_id, count(*)::int AS open FROM seller_assignments WHERE tenant_id = $1 AND released_at IS NULL GROUP BY seller_id", [tenantId]);
    expect(rows.map((row) => row.open)).toEqual([5, 5]);
  });
});

describe("schedules and days off in the shop's time zone", () => {
  it("reads weekly hours and days off in the tenant's zone, not UTC, around midnight", async () => {
    const { owner, tenantId } = await newShop();
    const api = await h.as(owner);
    const weekdays = await addSeller(owner, { name: "Semana" });
    const dayOff = await addSeller(owner, { name: "Libre" });
    const weekly = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, ranges: [{ open: "09:00", close: "18:00" }] }));
    expect((await api.put(`/api/sellers/${weekdays}/schedule`, { weekly, daysOff: [] })).status).toBe(200);
    const stored = await api.put(`/api/sellers/${dayOff}/schedule`, { weekly: null, daysOff: ["2025-07-15", "2025-07-15", "2025-07-01"] });
    expect(stored.body).toEqual({ weekly: null, daysOff: ["2025-07-01", "2025-07-15"] });
    expect((await api.get(`/api/sellers/${weekdays}/schedule`)).body).toEqual({ weekly, daysOff: [] });
    const onDuty = async () => (await h.grpc.listSellersOnDuty({ tenantId })).sellers.map((s) => s.name).sort();

    // Tuesday 17:30 in Mexico City (23:30 UTC; the default zone): Semana works, Libre has the day off.
    h.clock.set("2025-07-15T23:30:00Z");
    expect(await onDuty()).toEqual(["Semana"]);
    // 03:00 UTC on Wednesday is still Tuesday 21:00 in Mexico City: after hours, and Libre's day off.
    h.clock.set("2025-07-16T03:00:00Z");
    expect(await onDuty()).toEqual([]);
    // The same instant read in UTC: Wednesday 03:00, outside Semana's hours but not Libre's day off.
    expect((await api.patch("/api/settings", { timeZone: "UTC" })).status).toBe(200);
    expect(await onDuty()).toEqual(["Libre"]);
    expect((await api.get(`/api/sellers/${dayOff}`)).body.onDuty).toBe(true);
  });

  it("follows summer time in a DST zone (Europe/Madrid): 08:30 UTC on a Monday is in 09:00–10:00 in winter only", async () => {
    const { owner, tenantId } = await newShop();
    const api = await h.as(owner);
    await api.patch("/api/settings", { timeZone: "Europe/Madrid" });
    const early = await addSeller(owner, { name: "Temprano" });
    await api.put(`/api/sellers/${early}/schedule`, { weekly: [{ weekday: 1, ranges: [{ open: "09:00", close: "10:00" }] }], daysOff: [] });
    h.clock.set("2025-01-13T08:30:00Z");
    expect((await h.grpc.listSellersOnDuty({ tenantId })).sellers.map((s) => s.name)).toEqual(["Temprano"]);
    expect(await assignedSellerIds(tenantId, ["5215500000041"])).toEqual([early]);
    h.clock.set("2025-07-14T08:30:00Z");
    expect((await h.grpc.listSellersOnDuty({ tenantId })).sellers).toEqual([]);
  });
});

describe("releasing customers", () => {
  it("releases over gRPC once, and emits seller.assigned and seller.released", async () => {
    const { owner, tenantId } = await newShop();
    const ana = await addSeller(owner, { name: "Ana" });
    const assigned = await h.grpc.assignSeller({ tenantId, customerContact: "5215500000051", reason: "adviser" });
    expect((await h.grpc.releaseSeller({ tenantId, customerContact: "5215500000051", sellerId: "00000000-0000-4000-8000-000000000000" })).released).toBe(false);
    expect((await h.grpc.releaseSeller({ tenantId, customerContact: "5215500000051", sellerId: ana })).released).toBe(true);
    expect((await h.grpc.releaseSeller({ tenantId, customerContact: "5215500000051" })).released).toBe(false);
    expect((await h.grpc.releaseSeller({ tenantId, customerContact: "5215599999999" })).released).toBe(false);
    const events = await streamEvents(tenantId);
    expect(events.map((event) => event.type)).toEqual(["seller.assigned", "seller.released"]);
    expect(events[0]).toMatchObject({ id: `seller.assigned:${assigned.assignmentId}`, contact: "5215500000051", attributes: { seller_id: ana, reason: "adviser", strategy: "round_robin" } });
    expect(events[1]).toMatchObject({ attributes: { assignment_id: assigned.assignmentId, release_reason: "released" } });
  });

  it("lets a seller release their own customers only; a manager releases anyone and can move a customer", async () => {
    const { owner, tenant } = await newShop();
    const agent = await h.base.createUser({ tenant, email: `agente${sequence}@joyeria.test`, role: "agent" });
    const mine = await addSeller(owner, { name: "Mía", userId: agent.id });
    const other = await addSeller(owner, { name: "Otra" });
    const api = await h.as(owner);
    const toMe = await api.post("/api/sellers/assignments", { customerContact: "5215500000061", sellerId: mine, reason: "vip" });
    const toOther = await api.post("/api/sellers/assignments", { customerContact: "5215500000062", sellerId: other });
    const asAgent = await h.as(agent);
    expect((await asAgent.post("/api/sellers/assignments", { customerContact: "5215500000063" })).status).toBe(403);
    const notMine = await asAgent.post(`/api/sellers/assignments/${toOther.body.assignment.id}/release`);
    expect(notMine.status).toBe(403);
    expect(notMine.body.error.code).toBe("NOT_YOUR_CUSTOMER");
    const released = await asAgent.post(`/api/sellers/assignments/${toMe.body.assignment.id}/release`);
    expect(released.body).toMatchObject({ releaseReason: "released", releasedAt: expect.any(String) });
    expect((await asAgent.post(`/api/sellers/assignments/${toMe.body.assignment.id}/release`)).status).toBe(200);

    const moved = await api.post("/api/sellers/assignments", { customerId: toOther.body.assignment.customerId, sellerId: mine });
    expect(moved.status).toBe(201);
    expect((await api.get("/api/sellers/assignments?open=false")).body.items.map((a: { releaseReason: string }) => a.releaseReason).sort()).toEqual(["reassigned", "released"]);
    expect((await api.get(`/api/sellers/assignments?open=true&sellerId=${mine}`)).body.items).toHaveLength(1);
    expect((await api.post("/api/sellers/assignments", { customerId: "00000000-0000-4000-8000-000000000000" })).body.error.code).toBe("CUSTOMER_NOT_FOUND");
    expect((await api.post("/api/sellers/assignments/00000000-0000-4000-8000-000000000000/release")).body.error.code).toBe("ASSIGNMENT_NOT_FOUND");
  });

  it("answers gRPC calls for an unknown tenant with NOT_FOUND and bad requests with INVALID_ARGUMENT", async () => {
    const unknown = "00000000-0000-4000-8000-000000000000";
    await expect(h.grpc.assignSeller({ tenantId: unknown, customerContact: "5215500000071" })).rejects.toMatchObject({ kind: "not_found", code: "TENANT_NOT_FOUND" });
    await expect(h.grpc.releaseSeller({ tenantId: "not-a-tenant", customerContact: "5215500000071" })).rejects.toMatchObject({ kind: "not_found" });
    await expect(h.grpc.listSellersOnDuty({ tenantId: unknown })).rejects.toMatchObject({ kind: "not_found" });
    const { tenantId } = await newShop();
    await expect(h.grpc.assignSeller({ tenantId, customerContact: "x" })).rejects.toMatchObject({ kind: "invalid_argument", code: "VALIDATION_FAILED" });
    await expect(h.grpc.releaseSeller({ tenantId, customerContact: "5215500000071", sellerId: "nope" })).rejects.toMatchObject({ kind: "invalid_argument" });
  });

  it("maps sellers on duty to the protobuf seller, least loaded first", async () => {
    const { owner, tenantId } = await newShop();
    await addSeller(owner, { name: "Ana", specialty: "Anillos", supervisor: true, maxConcurrentCustomers: 4 });
    await addSeller(owner, { name: "Beto", specialty: "Anillos" });
    await assignedSellerIds(tenantId, ["5215500000081"]);
    const { sellers } = await h.grpc.listSellersOnDuty({ tenantId, specialty: "anillos" });
    // The supervisor is not given customers while another seller is on duty.
    expect(sellers.map((s) => [s.name, s.currentLoad])).toEqual([
      ["Ana", 0],
      ["Beto", 1],
    ]);
    expect(sellers[0]).toMatchObject({ status: SellerStatus.ONLINE, supervisor: true, maxConcurrentCustomers: 4, phone: "5215550000000" });
  });

  it("gives supervisors customers only when no other seller is on duty: they are where unattended customers escalate", async () => {
    const { owner, tenantId } = await newShop();
    const marta = await addSeller(owner, { name: "Marta", supervisor: true });
    const ana = await addSeller(owner, { name: "Ana" });
    const beto = await addSeller(owner, { name: "Beto" });
    expect(await assignedSellerIds(tenantId, ["5215500000091", "5215500000092", "5215500000093"])).toEqual([ana, beto, ana]);
    for (const seller of [ana, beto]) expect((await (await h.as(owner)).patch(`/api/sellers/${seller}`, { status: "offline" })).status).toBe(200);
    expect(await assignedSellerIds(tenantId, ["5215500000094"])).toEqual([marta]);
  });

  it("answers AssignSeller with the customer it upserted (new or not), and says so when no seller can take them", async () => {
    const { owner, tenantId } = await newShop();
    await addSeller(owner, { name: "Ana" });
    const first = await h.grpc.assignSeller({ tenantId, customerContact: "5215500000101", customerName: "Ana López", reason: "welcome" });
    expect([first.existing, first.customerCreated, first.customer?.whatsappId, first.customer?.name]).toEqual([false, true, "5215500000101", "Ana López"]);
    const again = await h.grpc.assignSeller({ tenantId, customerContact: "5215500000101", reason: "adviser" });
    expect([again.existing, again.customerCreated, again.customer?.name]).toEqual([true, false, "Ana López"]);
    // A shop without sellers: the customer is still recorded, and the error says it was new.
    const other = await newShop();
    const refused = await rejectionOf(h.grpc.assignSeller({ tenantId: other.tenantId, customerContact: "5215500000102", customerName: "Luis" }));
    expect(refused).toMatchObject({ code: "NO_SELLER_AVAILABLE", details: { customerCreated: true } });
    const later = await rejectionOf(h.grpc.assignSeller({ tenantId: other.tenantId, customerContact: "5215500000102" }));
    expect(later).toMatchObject({ code: "NO_SELLER_AVAILABLE", details: { customerCreated: false } });
  });

  it("finds the active seller with a WhatsApp number (staff commands), by digits, within the tenant only", async () => {
    const { owner, tenantId } = await newShop();
    const ana = await addSeller(owner, { name: "Ana", phone: "+5215512340001" });
    const gone = await addSeller(owner, { name: "Inactivo", phone: "5215512340002" });
    expect((await (await h.as(owner)).patch(`/api/sellers/${gone}`, { active: false })).status).toBe(200);
    expect((await h.grpc.findStaffByPhone({ tenantId, phone: "5215512340001" })).seller).toMatchObject({ id: ana, name: "Ana" });
    expect((await h.grpc.findStaffByPhone({ tenantId, phone: "+52 1 55 1234 0001" })).seller?.id).toBe(ana);
    await expect(h.grpc.findStaffByPhone({ tenantId, phone: "5215512340002" })).rejects.toMatchObject({ kind: "not_found", code: "STAFF_NOT_FOUND" });
    await expect(h.grpc.findStaffByPhone({ tenantId, phone: "5215599999999" })).rejects.toMatchObject({ kind: "not_found", code: "STAFF_NOT_FOUND" });
    const other = await newShop();
    await expect(h.grpc.findStaffByPhone({ tenantId: other.tenantId, phone: "5215512340001" })).rejects.toMatchObject({ code: "STAFF_NOT_FOUND" });
    await expect(h.grpc.findStaffByPhone({ tenantId, phone: "abc" })).rejects.toMatchObject({ kind: "invalid_argument" });
  });
});
