// Registration on real Postgres (and the login limiter on real Redis): a new
// tenant and its owner, together or not at all.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createTestRedis, type TestRedis } from "@fleet/testing";
import { createLoginAttemptsRepository } from "../src/repositories/login-attempts.repository.js";
import { createUsersRepository } from "../src/repositories/users.repository.js";
import { createIssueSession } from "../src/modules/accounts/issue-session.use-case.js";
import { createLogin } from "../src/modules/accounts/login.use-case.js";
import { createRefreshTokensRepository } from "../src/modules/accounts/refresh-tokens.repository.js";
import { RegisterInputSchema } from "../src/modules/accounts/register.use-case.js";
import { startAccounts, type AccountsHarness } from "./accounts.harness.js";

let h: AccountsHarness;
let redis: TestRedis;

const PASSWORD = "violet-harbor-quantum-7";
const input = (overrides: Record<string, unknown> = {}) =>
  RegisterInputSchema.parse({ tenantName: "Tienda Ana", tenantSlug: "tienda-ana", email: "ana@tienda.mx", password: PASSWORD, displayName: "Ana", ...overrides });

async function countTenants(slug: string): Promise<number> {
  const { rows } = await h.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM tenants WHERE slug = $1", [slug]);
  return rows[0]?.n ?? 0;
}

beforeAll(async () => {
  [h, redis] = await Promise.all([startAccounts(), createTestRedis()]);
});

afterAll(async () => {
  await Promise.all([h?.close(), redis?.cleanup()]);
});

describe("register", () => {
  it("creates the tenant and its owner and returns both", async () => {
    const result = await h.register(input({ tenantSlug: "first-shop" }));
    expect(result).toEqual({
      tenant: { id: expect.any(String), name: "Tienda Ana", slug: "first-shop" },
      user: { id: expect.any(String), tenantId: result.tenant.id, email: "ana@tienda.mx", displayName: "Ana", role: "owner" },
      session: expect.objectContaining({ accessToken: expect.any(String), refreshToken: expect.any(String) }),
    });
    const { rows } = await h.pool.query("SELECT email, role, display_name, disabled_at FROM users WHERE tenant_id = $1", [result.tenant.id]);
    expect(rows).toEqual([{ email: "ana@tienda.mx", role: "owner", display_name: "Ana", disabled_at: null }]);
  });

  it("always makes the first user the owner, whatever role the request names", async () => {
    const result = await h.register(input({ tenantSlug: "role-attempt", role: "viewer" }));
    expect(result.user.role).toBe("owner");
    const asAdmin = await h.register(input({ tenantSlug: "role-attempt-2", role: "admin", email: "b@tienda.mx" }));
    expect(asAdmin.user.role).toBe("owner");
  });

  it("stores a scrypt hash the owner can sign in with through the login use case", async () => {
    const created = await h.register(input({ tenantSlug: "login-shop", email: "login@tienda.mx" }));
    const { rows } = await h.pool.query<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = $1", [created.user.id]);
    expect(rows[0]?.password_hash).toMatch(/^scrypt\$/);
    expect(rows[0]?.password_hash).not.toContain(PASSWORD);

    const login = createLogin({
      users: createUsersRepository(h.pool),
      attempts: createLoginAttemptsRepository(redis.redis, { maxFailuresPerIdentity: 5, maxFailuresPerIp: 50, windowSeconds: 900 }),
      issueSession: createIssueSession({ refreshTokens: createRefreshTokensRepository(h.pool), tokens: h.tokens, refreshTtlSeconds: 3600 }),
    });
    const session = await login({ email: "login@tienda.mx", password: PASSWORD, ip: "203.0.113.9" });
    expect(session.user).toEqual({ id: created.user.id, email: "login@tienda.mx", role: "owner", tenantId: created.tenant.id });
  });

  it("answers a taken slug with 409 SLUG_TAKEN and adds no user to the existing tenant", async () => {
    const existing = await h.register(input({ tenantSlug: "taken-shop" }));
    await expect(h.register(input({ tenantSlug: "taken-shop", tenantName: "Impostor", email: "intruder@evil.test" }))).rejects.toMatchObject({
      kind: "conflict",
      code: "SLUG_TAKEN",
    });
    const { rows } = await h.pool.query("SELECT email FROM users WHERE tenant_id = $1", [existing.tenant.id]);
    expect(rows).toEqual([{ email: "ana@tienda.mx" }]);
    const { rows: tenants } = await h.pool.query("SELECT name FROM tenants WHERE slug = 'taken-shop'");
    expect(tenants).toEqual([{ name: "Tienda Ana" }]);
  });

  it("lets only one of two simultaneous registrations of a slug through", async () => {
    const results = await Promise.allSettled([
      h.register(input({ tenantSlug: "race-shop", email: "one@race.test" })),
      h.register(input({ tenantSlug: "race-shop", email: "two@race.test" })),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "SLUG_TAKEN" } });
    const { rows } = await h.pool.query("SELECT u.email FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = 'race-shop'");
    expect(rows).toHaveLength(1);
  });

  it("refuses a weak password with 400 WEAK_PASSWORD and creates nothing", async () => {
    await expect(h.register(input({ tenantSlug: "weak-shop", password: "password123" }))).rejects.toMatchObject({ kind: "invalid_argument", code: "WEAK_PASSWORD" });
    expect(await countTenants("weak-shop")).toBe(0);
  });

  it("refuses a password made of the shop's own name", async () => {
    await expect(h.register(input({ tenantSlug: "own-name-shop", password: "tienda-ana-2024" }))).rejects.toMatchObject({
      code: "WEAK_PASSWORD",
      details: { reason: "too_guessable", warning: "userInputs" },
    });
  });

  it("rolls the tenant back when its owner cannot be stored", async () => {
    // An email the users table refuses (its CHECK wants lower case): only reachable by skipping the wire schema.
    const broken = { ...input({ tenantSlug: "rollback-shop" }), email: "Ana@Tienda.MX" };
    await expect(h.register(broken)).rejects.toThrow();
    expect(await countTenants("rollback-shop")).toBe(0);
  });

  it("lets one email own several shops", async () => {
    const a = await h.register(input({ tenantSlug: "multi-a", email: "multi@tienda.mx" }));
    const b = await h.register(input({ tenantSlug: "multi-b", email: "multi@tienda.mx" }));
    expect(a.tenant.id).not.toBe(b.tenant.id);
  });
});

describe("RegisterInputSchema", () => {
  it("trims and lower-cases the email, trims the names and drops unknown fields", () => {
    const parsed = RegisterInputSchema.parse({ tenantName: "  Shop  ", tenantSlug: "shop", email: "  Ana@Tienda.MX ", password: PASSWORD, displayName: " Ana ", role: "viewer" });
    expect(parsed).toEqual({ tenantName: "Shop", tenantSlug: "shop", email: "ana@tienda.mx", password: PASSWORD, displayName: "Ana", language: "es" });
  });

  it("refuses a slug that is not lower-case letters, digits and dashes, and a blank shop name", () => {
    const result = RegisterInputSchema.safeParse({ tenantName: "  ", tenantSlug: "Bad Slug!", email: "ana@tienda.mx", password: PASSWORD });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join(".")).sort()).toEqual(["tenantName", "tenantSlug"]);
  });
});
