// /api/users through the real app on real Postgres: who may manage whom, the
// last-owner rule (also under concurrent changes), and sessions ending at once.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";

let gateway: GatewayHarness;
let owner: SeededUser;
let admin: SeededUser;
let agent: SeededUser;
let viewer: SeededUser;
let outsider: SeededUser;
let sequence = 0;

const STRONG = "correct-horse-battery-staple-42";

async function as(user: SeededUser) {
  const token = await tokenFor(gateway, user);
  const auth = (test: request.Test) => test.set("authorization", `Bearer ${token}`);
  return {
    get: (path: string) => auth(request(gateway.app).get(path)),
    post: (path: string, body: object) => auth(request(gateway.app).post(path)).send(body),
    patch: (path: string, body: object) => auth(request(gateway.app).patch(path)).send(body),
    delete: (path: string) => auth(request(gateway.app).delete(path)),
  };
}

async function newUser(role: SeededUser["role"], tenant = "casa-lupita"): Promise<SeededUser> {
  sequence++;
  return gateway.createUser({ tenant, email: `${role}${sequence}@casa-lupita.test`, role });
}

beforeAll(async () => {
  gateway = await startGateway();
  owner = await newUser("owner");
  admin = await newUser("admin");
  agent = await newUser("agent");
  viewer = await newUser("viewer");
  outsider = await newUser("owner", "otra-tienda");
});

afterAll(async () => {
  await gateway?.close();
});

describe("reading users", () => {
  it("lists the tenant's users to managers, never another tenant's, and no password hashes", async () => {
    const response = await (await as(admin)).get("/api/users");
    expect(response.status).toBe(200);
    const emails = (response.body.users as { email: string }[]).map((u) => u.email);
    expect(emails).toEqual(expect.arrayContaining([owner.email, admin.email, agent.email, viewer.email]));
    expect(emails).not.toContain(outsider.email);
    expect(JSON.stringify(response.body)).not.toMatch(/password|scrypt/i);
  });

  it("forbids agents and viewers to list users (403 FORBIDDEN)", async () => {
    for (const user of [agent, viewer]) {
      const response = await (await as(user)).get("/api/users");
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe("FORBIDDEN");
    }
  });

  it("lets everyone read themselves, but a viewer not another user", async () => {
    const self = await (await as(viewer)).get(`/api/users/${viewer.id}`);
    expect(self.status).toBe(200);
    expect(self.body).toMatchObject({ id: viewer.id, email: viewer.email, role: "viewer", disabled: false });
    expect((await (await as(viewer)).get(`/api/users/${owner.id}`)).status).toBe(403);
  });

  it("answers 404 for another tenant's user, and 400 for an id that is not a UUID", async () => {
    const other = await (await as(owner)).get(`/api/users/${outsider.id}`);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe("USER_NOT_FOUND");
    expect((await (await as(owner)).get("/api/users/not-a-uuid")).status).toBe(400);
  });
});

describe("adding users", () => {
  it("lets an admin add a seller, who can then sign in", async () => {
    const created = await (await as(admin)).post("/api/users", { email: "  Vendedora@Casa-Lupita.test ", displayName: "Rosa", role: "agent", password: STRONG });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: "vendedora@casa-lupita.test", displayName: "Rosa", role: "agent", disabled: false });
    const login = await request(gateway.app).post("/api/auth/login").send({ email: "vendedora@casa-lupita.test", password: STRONG });
    expect(login.status).toBe(200);
    expect(login.body.user.role).toBe("agent");
  });

  it("refuses a second user with the same email in the tenant (409 EMAIL_TAKEN)", async () => {
    const response = await (await as(owner)).post("/api/users", { email: agent.email, role: "viewer", password: STRONG });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe("EMAIL_TAKEN");
  });

  it("lets only an owner add an owner", async () => {
    const byAdmin = await (await as(admin)).post("/api/users", { email: "jefa2@casa-lupita.test", role: "owner", password: STRONG });
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.error.code).toBe("OWNER_REQUIRED");
    const byOwner = await (await as(owner)).post("/api/users", { email: "jefa2@casa-lupita.test", role: "owner", password: STRONG });
    expect(byOwner.status).toBe(201);
  });

  it("refuses a weak password and an unknown role with 400, and ignores a tenant named in the body", async () => {
    const client = await as(owner);
    for (const password of ["short", "password123", "qwertyuiop1"]) {
      expect((await client.post("/api/users", { email: "corta@casa-lupita.test", role: "agent", password })).body.error.code).toBe("WEAK_PASSWORD");
    }
    expect((await client.post("/api/users", { email: "y@casa-lupita.test", role: "superuser", password: STRONG })).status).toBe(400);
    const elsewhere = await client.post("/api/users", { email: "x@casa-lupita.test", role: "agent", password: STRONG, tenantId: outsider.tenantId });
    expect(elsewhere.status).toBe(201);
    expect((await (await as(outsider)).get(`/api/users/${elsewhere.body.id}`)).status).toBe(404);
    expect((await client.get(`/api/users/${elsewhere.body.id}`)).status).toBe(200);
  });

  it("forbids a seller to add users", async () => {
    expect((await (await as(agent)).post("/api/users", { email: "z@casa-lupita.test", role: "viewer", password: STRONG })).status).toBe(403);
  });
});

describe("changing and removing users", () => {
  it("lets an admin demote a seller to viewer, but not raise anyone to owner nor touch an owner", async () => {
    const seller = await newUser("agent");
    const client = await as(admin);
    const demoted = await client.patch(`/api/users/${seller.id}`, { role: "viewer" });
    expect(demoted.status).toBe(200);
    expect(demoted.body.role).toBe("viewer");
    expect((await client.patch(`/api/users/${seller.id}`, { role: "owner" })).body.error.code).toBe("OWNER_REQUIRED");
    expect((await client.patch(`/api/users/${owner.id}`, { displayName: "X" })).body.error.code).toBe("OWNER_REQUIRED");
    expect((await client.delete(`/api/users/${owner.id}`)).status).toBe(403);
  });

  it("ends a user's access at once when disabled, and gives it back when enabled", async () => {
    const seller = await newUser("agent");
    const sellerClient = await as(seller);
    expect((await sellerClient.get(`/api/users/${seller.id}`)).status).toBe(200);
    expect((await (await as(owner)).patch(`/api/users/${seller.id}`, { disabled: true })).body.disabled).toBe(true);
    expect((await sellerClient.get(`/api/users/${seller.id}`)).status).toBe(401);
    expect((await (await as(owner)).patch(`/api/users/${seller.id}`, { disabled: false })).body.disabled).toBe(false);
    expect((await sellerClient.get(`/api/users/${seller.id}`)).status).toBe(200);
  });

  it("never leaves a tenant without an enabled owner (409 LAST_OWNER)", async () => {
    const solo = await newUser("owner", `solo-${Date.now()}`);
    const client = await as(solo);
    for (const attempt of [client.patch(`/api/users/${solo.id}`, { role: "admin" }), client.patch(`/api/users/${solo.id}`, { disabled: true }), client.delete(`/api/users/${solo.id}`)]) {
      const response = await attempt;
      expect(response.status).toBe(409);
      expect(response.body.error.code).toBe("LAST_OWNER");
    }
  });

  it("lets one of two owners step down, but not both at the same time", async () => {
    const tenant = `pareja-${Date.now()}`;
    const first = await newUser("owner", tenant);
    const second = await newUser("owner", tenant);
    const [a, b] = await Promise.all([(await as(first)).patch(`/api/users/${first.id}`, { role: "admin" }), (await as(second)).patch(`/api/users/${second.id}`, { role: "admin" })]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const { rows } = await gateway.pool.query("SELECT count(*)::int AS owners FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = $1 AND u.role = 'owner'", [tenant]);
    expect(rows[0]?.owners).toBe(1);
  });

  it("removes a user, whose token then stops working", async () => {
    const seller = await newUser("agent");
    const sellerClient = await as(seller);
    expect((await (await as(owner)).delete(`/api/users/${seller.id}`)).status).toBe(204);
    expect((await sellerClient.get(`/api/users/${seller.id}`)).status).toBe(401);
    expect((await (await as(owner)).get(`/api/users/${seller.id}`)).status).toBe(404);
  });

  it("answers 404 to changes of another tenant's user and leaves it as it was", async () => {
    const response = await (await as(owner)).patch(`/api/users/${outsider.id}`, { disabled: true });
    expect(response.status).toBe(404);
    expect((await (await as(outsider)).get(`/api/users/${outsider.id}`)).body.disabled).toBe(false);
  });

  it("refuses an empty change with 400", async () => {
    expect((await (await as(owner)).patch(`/api/users/${agent.id}`, {})).status).toBe(400);
  });
});
