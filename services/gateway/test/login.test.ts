// POST /api/auth/login through the real app on real Postgres and Redis:
// tokens, uniform failures, tenant choice and the failure rate limits.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { Redis } from "ioredis";
import request from "supertest";
import { freePort } from "@fleet/testing";
import { startGateway, type GatewayHarness, type SeededUser } from "./gateway.harness.js";

let gateway: GatewayHarness;
let owner: SeededUser;
let viewer: SeededUser;
let ipCounter = 0;
/** A client address of its own per test, so the per-IP counters of one test do not leak into another. */
const nextIp = () => `198.51.100.${++ipCounter}`;

function login(body: unknown, ip = "203.0.113.250") {
  return request(gateway.app).post("/api/auth/login").set("x-forwarded-for", ip).send(body as object);
}

beforeAll(async () => {
  gateway = await startGateway({ loginLimits: { maxFailuresPerIdentity: 5, maxFailuresPerIp: 8 } });
  owner = await gateway.createUser({ tenant: "acme", email: "owner@acme.test", role: "owner" });
  viewer = await gateway.createUser({ tenant: "acme", email: "viewer@acme.test", role: "viewer" });
});

afterAll(async () => {
  await gateway?.close();
});

describe("POST /api/auth/login", () => {
  it("issues an HS256 access token with the user, tenant and stored role, valid for 15 minutes", async () => {
    const response = await login({ email: owner.email, password: owner.password }, nextIp());
    expect(response.status).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(response.body).toEqual({
      accessToken: expect.any(String),
      expiresIn: 900,
      refreshExpiresAt: expect.any(String),
      refreshToken: expect.any(String),
      user: { id: owner.id, email: owner.email, role: "owner", tenantId: owner.tenantId },
    });
    expect(String(response.headers["set-cookie"])).toMatch(/^__Secure-fleet_refresh=[^;]+;.*HttpOnly.*Secure.*SameSite=Strict/i);
    expect(String(response.headers["set-cookie"])).toContain("Path=/api/auth");
    const token = String(response.body.accessToken);
    expect(decodeProtectedHeader(token).alg).toBe("HS256");
    const { payload } = await jwtVerify(token, new TextEncoder().encode(gateway.jwtSecret), { issuer: "fleet-gateway", audience: "fleet-dashboard" });
    expect(payload).toMatchObject({ sub: owner.id, tid: owner.tenantId, role: "owner" });
    expect(Number(payload.exp) - Math.floor(Date.now() / 1000)).toBeGreaterThan(890);
    expect(Number(payload.exp) - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(900);
  });

  it("accepts the email in any case and with surrounding spaces", async () => {
    const response = await login({ email: "  Owner@ACME.test ", password: owner.password }, nextIp());
    expect(response.status).toBe(200);
    expect(response.body.user.id).toBe(owner.id);
  });

  it("takes the role from the database, never from the request body", async () => {
    const response = await login({ email: viewer.email, password: viewer.password, role: "owner" }, nextIp());
    expect(response.status).toBe(200);
    expect(response.body.user.role).toBe("viewer");
    const { payload } = await jwtVerify(String(response.body.accessToken), new TextEncoder().encode(gateway.jwtSecret));
    expect(payload.role).toBe("viewer");
  });

  it("answers a wrong password and an unknown email with the same 401, so emails cannot be enumerated", async () => {
    const wrongPassword = await login({ email: owner.email, password: "not-the-password" }, nextIp());
    const unknownEmail = await login({ email: "nobody@acme.test", password: "not-the-password" }, nextIp());
    for (const response of [wrongPassword, unknownEmail]) {
      expect(response.status).toBe(401);
      expect(response.body.error).toEqual({ code: "INVALID_CREDENTIALS", message: "Invalid email or password", requestId: expect.any(String) });
      expect(response.body.accessToken).toBeUndefined();
    }
  });

  it("spends a password hash on unknown emails too (no fast path that reveals which emails exist)", async () => {
    const time = async (email: string) => {
      const started = process.hrtime.bigint();
      await login({ email, password: "not-the-password" }, nextIp());
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const unknown = await time("ghost@acme.test");
    // One scrypt verification costs tens of milliseconds; a lookup alone takes a few.
    expect(unknown).toBeGreaterThan(20);
  });

  it("refuses a disabled user with the same 401 even with the right password", async () => {
    const disabled = await gateway.createUser({ tenant: "acme", email: "gone@acme.test", role: "admin" });
    await gateway.pool.query("UPDATE users SET disabled_at = now() WHERE id = $1", [disabled.id]);
    const response = await login({ email: disabled.email, password: disabled.password }, nextIp());
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("INVALID_CREDENTIALS");
  });

  it("asks a user with accounts in several tenants to name one, and logs in to the one named", async () => {
    const inShop = await gateway.createUser({ tenant: "shop-one", email: "multi@example.test", role: "owner", password: "one shared passphrase" });
    const inOther = await gateway.createUser({ tenant: "shop-two", email: "multi@example.test", role: "agent", password: "one shared passphrase" });

    const ambiguous = await login({ email: "multi@example.test", password: "one shared passphrase" }, nextIp());
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error).toMatchObject({ code: "TENANT_REQUIRED", details: { tenants: ["shop-one", "shop-two"] } });
    expect(ambiguous.body.accessToken).toBeUndefined();

    const chosen = await login({ email: "multi@example.test", password: "one shared passphrase", tenant: "shop-two" }, nextIp());
    expect(chosen.status).toBe(200);
    expect(chosen.body.user).toEqual({ id: inOther.id, email: "multi@example.test", role: "agent", tenantId: inOther.tenantId });
    expect(chosen.body.user.tenantId).not.toBe(inShop.tenantId);
  });

  it("does not reveal tenant memberships to a caller without the password", async () => {
    await gateway.createUser({ tenant: "shop-three", email: "multi2@example.test", role: "owner" });
    await gateway.createUser({ tenant: "shop-four", email: "multi2@example.test", role: "owner" });
    const response = await login({ email: "multi2@example.test", password: "guess" }, nextIp());
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("INVALID_CREDENTIALS");
    expect(JSON.stringify(response.body)).not.toContain("shop-");
  });

  it("answers a tenant the user does not belong to like a wrong password", async () => {
    const response = await login({ email: owner.email, password: owner.password, tenant: "shop-one" }, nextIp());
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("INVALID_CREDENTIALS");
  });

  it("rejects a malformed body with 400 VALIDATION_FAILED naming each bad field", async () => {
    const response = await login({ email: "not-an-email", password: "", tenant: "Bad Slug!" }, nextIp());
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("VALIDATION_FAILED");
    const paths = (response.body.error.details as { path: string }[]).map((d) => d.path).sort();
    expect(paths).toEqual(["email", "password", "tenant"]);

    const missing = await request(gateway.app).post("/api/auth/login").set("x-forwarded-for", nextIp()).send();
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("rejects a body that is not JSON with 400", async () => {
    const response = await request(gateway.app).post("/api/auth/login").set("content-type", "application/json").send("{nope");
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("MALFORMED_JSON");
  });
});

describe("login rate limits", () => {
  it("answers 429 TOO_MANY_ATTEMPTS with Retry-After after 5 failures for one email from one IP, even for the right password", async () => {
    const user = await gateway.createUser({ tenant: "acme", email: "target@acme.test", role: "agent" });
    const ip = nextIp();
    for (let i = 0; i < 5; i++) {
      const failure = await login({ email: user.email, password: `wrong-${i}` }, ip);
      expect(failure.status).toBe(401);
    }
    const blocked = await login({ email: user.email, password: user.password }, ip);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error).toMatchObject({ code: "TOO_MANY_ATTEMPTS" });
    const retryAfter = Number(blocked.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect(blocked.body.accessToken).toBeUndefined();

    // The same email from another address is another identity.
    const elsewhere = await login({ email: user.email, password: user.password }, nextIp());
    expect(elsewhere.status).toBe(200);
  });

  it("limits unknown emails exactly like known ones", async () => {
    const ip = nextIp();
    for (let i = 0; i < 5; i++) expect((await login({ email: "phantom@acme.test", password: "x" }, ip)).status).toBe(401);
    expect((await login({ email: "phantom@acme.test", password: "x" }, ip)).status).toBe(429);
  });

  it("clears an identity's failures after a successful login", async () => {
    const user = await gateway.createUser({ tenant: "acme", email: "forgetful@acme.test", role: "agent" });
    const ip = nextIp();
    // 3 + 3 failures: over the identity limit (5) unless the success in between cleared it, under the IP limit (8).
    for (let i = 0; i < 3; i++) expect((await login({ email: user.email, password: "wrong" }, ip)).status).toBe(401);
    expect((await login({ email: user.email, password: user.password }, ip)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await login({ email: user.email, password: "wrong" }, ip)).status).toBe(401);
    expect((await login({ email: user.email, password: user.password }, ip)).status).toBe(200);
  });

  it("blocks an IP that fails across many emails (per-IP limit, here 8)", async () => {
    const ip = nextIp();
    for (let i = 0; i < 8; i++) expect((await login({ email: `spray${i}@acme.test`, password: "Winter2024!" }, ip)).status).toBe(401);
    const blocked = await login({ email: owner.email, password: owner.password }, ip);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe("TOO_MANY_ATTEMPTS");
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("fails closed with 503 when Redis cannot count attempts, without checking the password", async () => {
    const gone = new Redis(`redis://127.0.0.1:${await freePort()}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const degraded = await startGateway({ redis: gone });
    try {
      const user = await degraded.createUser({ tenant: "acme", email: "owner@acme.test", role: "owner" });
      const response = await request(degraded.app).post("/api/auth/login").send({ email: user.email, password: user.password });
      expect(response.status).toBe(503);
      expect(response.body.error.code).toBe("LOGIN_UNAVAILABLE");
      expect(response.body.accessToken).toBeUndefined();
    } finally {
      gone.disconnect();
      await degraded.close();
    }
  });

  it("keeps the counters in Redis under the gateway's key prefix, without emails in the keys", async () => {
    const raw = new Redis(gateway.testRedis.url);
    try {
      const ours = await raw.keys(`${gateway.testRedis.prefix}*`);
      expect(ours.some((k) => k.startsWith(`${gateway.testRedis.prefix}gateway:login-fail:identity:`))).toBe(true);
      expect(ours.some((k) => k.startsWith(`${gateway.testRedis.prefix}gateway:login-fail:ip:`))).toBe(true);
      expect(ours.join(" ")).not.toContain("@");
      expect(await raw.keys("gateway:login-fail:*")).toEqual([]);
    } finally {
      raw.disconnect();
    }
  });
});
