// The caller's own account on real Postgres: identity, tenant and the
// permissions of the role stored now.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { PERMISSIONS } from "../src/auth/permissions.js";
import { permissionsOf } from "../src/modules/accounts/me.use-case.js";
import { startAccounts, type AccountsHarness } from "./accounts.harness.js";

let h: AccountsHarness;

beforeAll(async () => {
  h = await startAccounts();
});

afterAll(async () => {
  await h?.close();
});

describe("me", () => {
  it("returns the user's id, email, display name, role, tenant and every permission of an owner", async () => {
    const owner = await h.seedUser({ tenant: "acme", email: "owner@acme.test", role: "owner", displayName: "Olga" });
    const me = await h.me({ userId: owner.id, tenantId: owner.tenantId, role: "owner" });
    expect(me).toEqual({
      id: owner.id,
      email: "owner@acme.test",
      displayName: "Olga",
      role: "owner",
      tenant: { id: owner.tenantId, name: "acme", slug: "acme" },
      permissions: Object.keys(PERMISSIONS),
    });
  });

  it("lists only what the role allows: a viewer reads, never writes or sends", async () => {
    const viewer = await h.seedUser({ tenant: "acme", email: "viewer@acme.test", role: "viewer" });
    const me = await h.me({ userId: viewer.id, tenantId: viewer.tenantId, role: "viewer" });
    expect(me.permissions).toEqual(["account:read", "bots:read", "messages:read", "flows:read", "products:read", "customers:read", "orders:read", "analytics:read", "sellers:read", "settings:read"]);
  });

  it("takes the role and permissions from the stored user, not from the caller's token", async () => {
    const demoted = await h.seedUser({ tenant: "acme", email: "demoted@acme.test", role: "agent" });
    const me = await h.me({ userId: demoted.id, tenantId: demoted.tenantId, role: "owner" });
    expect(me.role).toBe("agent");
    expect(me.permissions).toEqual(permissionsOf("agent"));
    expect(me.permissions).toContain("messages:send");
    expect(me.permissions).not.toContain("users:write");
  });

  it("answers 401 for a user disabled since their token was checked", async () => {
    const gone = await h.seedUser({ tenant: "acme", email: "gone@acme.test", role: "admin" });
    await h.pool.query("UPDATE users SET disabled_at = now() WHERE id = $1", [gone.id]);
    await expect(h.me({ userId: gone.id, tenantId: gone.tenantId, role: "admin" })).rejects.toMatchObject({ kind: "unauthenticated" });
  });

  it("never answers with a user of another tenant than the caller's", async () => {
    const other = await h.seedUser({ tenant: "globex", email: "boss@globex.test", role: "owner" });
    const mine = await h.seedUser({ tenant: "acme", email: "me@acme.test", role: "owner" });
    await expect(h.me({ userId: other.id, tenantId: mine.tenantId, role: "owner" })).rejects.toMatchObject({ kind: "unauthenticated" });
  });
});

describe("permissionsOf", () => {
  it("gives sellers (agents) reading, sending, handing conversations back to the bot, customers and orders, their own status, and managers everything", () => {
    expect(permissionsOf("agent")).toEqual([
      "account:read",
      "bots:read",
      "messages:read",
      "messages:send",
      "flows:read",
      "conversations:read",
      "conversations:resume",
      "products:read",
      "customers:read",
      "customers:write",
      "orders:read",
      "orders:write",
      "analytics:read",
      "sellers:read",
      "sellers:self",
      "settings:read",
    ]);
    expect(permissionsOf("admin")).toEqual(Object.keys(PERMISSIONS));
  });
});
