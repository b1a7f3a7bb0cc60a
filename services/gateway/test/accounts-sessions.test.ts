// Sessions on real Postgres: refresh-token rotation, reuse detection, logout
// and revoking a user's sessions, as the accounts use cases do them.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { jwtVerify } from "jose";
import { memoryLogger } from "@fleet/testing";
import { startPurgeRefreshTokensJob } from "../src/jobs/purge-refresh-tokens.job.js";
import { REFRESH_TTL_S, REUSE_GRACE_S, SESSION_MAX_AGE_S, startAccounts, type AccountsHarness, type SeededAccount } from "./accounts.harness.js";

let h: AccountsHarness;
let seq = 0;
/** A fresh user per test, so one test's revocations never touch another's sessions. */
const newUser = (role: SeededAccount["role"] = "agent", tenant = "acme") => h.seedUser({ tenant, email: `user${++seq}@acme.test`, role });

const sha256 = (token: string) => createHash("sha256").update(token).digest();

async function familyOf(token: string) {
  const { rows } = await h.pool.query<{ family_id: string }>("SELECT family_id FROM refresh_tokens WHERE token_hash = $1", [sha256(token)]);
  const family = rows[0]?.family_id;
  if (!family) throw new Error("token not stored");
  const { rows: members } = await h.pool.query<{ id: string; used_at: Date | null; revoked_at: Date | null; replaced_by: string | null }>(
    "SELECT id, used_at, revoked_at, replaced_by FROM refresh_tokens WHERE family_id = $1 ORDER BY created_at, id",
    [family],
  );
  return members;
}

beforeAll(async () => {
  h = await startAccounts();
});

beforeEach(() => {
  h.clock.now = new Date();
});

afterAll(async () => {
  await h?.close();
});

describe("issueSession", () => {
  it("issues an access token with the user's tenant and role and a refresh token valid for the configured TTL", async () => {
    const user = await newUser("admin");
    const session = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });

    expect(session.expiresIn).toBe(900);
    const { payload } = await jwtVerify(session.accessToken, new TextEncoder().encode(h.jwtSecret));
    expect(payload).toMatchObject({ sub: user.id, tid: user.tenantId, role: "admin" });
    expect(session.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.refreshExpiresAt.getTime()).toBe(h.clock.now.getTime() + REFRESH_TTL_S * 1000);
  });

  it("stores only the SHA-256 of the refresh token, never the token itself", async () => {
    const user = await newUser();
    const { refreshToken } = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    const { rows } = await h.pool.query<Record<string, unknown>>("SELECT * FROM refresh_tokens WHERE user_id = $1", [user.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).toEqual(sha256(refreshToken));
    const stored = JSON.stringify(rows, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString("base64url") : value));
    expect(stored).not.toContain(refreshToken);
  });

  it("starts a new family per login, so two devices have independent sessions", async () => {
    const user = await newUser();
    const phone = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    const laptop = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    expect((await familyOf(phone.refreshToken))[0]?.id).not.toBe((await familyOf(laptop.refreshToken))[0]?.id);
    expect(await familyOf(phone.refreshToken)).toHaveLength(1);
  });
});

describe("refresh", () => {
  it("rotates: answers a new access and refresh token, marks the old one used and links it to its successor", async () => {
    const user = await newUser();
    const first = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    const second = await h.refresh(first.refreshToken);

    expect(second.refreshToken).not.toBe(first.refreshToken);
    const { payload } = await jwtVerify(second.accessToken, new TextEncoder().encode(h.jwtSecret));
    expect(payload).toMatchObject({ sub: user.id, tid: user.tenantId });
    const [old, successor] = await familyOf(first.refreshToken);
    expect(old?.used_at).toBeInstanceOf(Date);
    expect(old?.replaced_by).toBe(successor?.id);
    expect(successor?.used_at).toBeNull();
    // The successor is the token the client received.
    expect((await familyOf(second.refreshToken)).map((t) => t.id)).toEqual([old?.id, successor?.id]);
  });

  it("keeps rotating along the chain, each refresh token usable exactly once", async () => {
    const user = await newUser();
    let session = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    for (let i = 0; i < 3; i++) session = await h.refresh(session.refreshToken);
    const family = await familyOf(session.refreshToken);
    expect(family).toHaveLength(4);
    expect(family.filter((t) => t.used_at === null)).toHaveLength(1);
  });

  it("gives the renewed token a full TTL from the refresh (sliding expiry)", async () => {
    const user = await newUser();
    const first = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    h.clock.now = new Date(h.clock.now.getTime() + 10 * 24 * 3600 * 1000);
    const second = await h.refresh(first.refreshToken);
    expect(second.refreshExpiresAt.getTime()).toBe(h.clock.now.getTime() + REFRESH_TTL_S * 1000);
  });

  it("treats a used token presented again after the reuse grace as theft: 401 REFRESH_TOKEN_REUSED and the whole family revoked, the newest token included", async () => {
    const user = await newUser();
    const first = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    const second = await h.refresh(first.refreshToken);
    h.clock.now = new Date(h.clock.now.getTime() + (REUSE_GRACE_S + 1) * 1000);

    await expect(h.refresh(first.refreshToken)).rejects.toMatchObject({ kind: "unauthenticated", code: "REFRESH_TOKEN_REUSED" });
    expect((await familyOf(first.refreshToken)).every((t) => t.revoked_at !== null)).toBe(true);
    await expect(h.refresh(second.refreshToken)).rejects.toMatchObject({ kind: "unauthenticated", code: "INVALID_REFRESH_TOKEN" });
  });

  it("revokes only the reused family: the same user's other sessions keep working", async () => {
    const user = await newUser();
    const stolen = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    const otherDevice = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    await h.refresh(stolen.refreshToken);
    h.clock.now = new Date(h.clock.now.getTime() + (REUSE_GRACE_S + 1) * 1000);
    await expect(h.refresh(stolen.refreshToken)).rejects.toMatchObject({ code: "REFRESH_TOKEN_REUSED" });
    await expect(h.refresh(otherDevice.refreshToken)).resolves.toMatchObject({ expiresIn: 900 });
  });

  it("gives two simultaneous refreshes with the same token (two tabs) a session each instead of ending the session", async () => {
    const user = await newUser();
    const session = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    const results = await Promise.all([h.refresh(session.refreshToken), h.refresh(session.refreshToken), h.refresh(session.refreshToken)]);

    // One rotation and two siblings, all in the session's family, none revoked; each tab's token refreshes again.
    const family = await familyOf(session.refreshToken);
    expect(family).toHaveLength(4);
    expect(family.every((t) => t.revoked_at === null)).toBe(true);
    for (const result of results) await expect(h.refresh(result.refreshToken)).resolves.toMatchObject({ expiresIn: 900 });
  });

  it("ends a session for good at its maximum age, however often it was refreshed", async () => {
    const user = await newUser();
    const started = h.clock.now;
    let token = (await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role })).refreshToken;
    // Refreshed every 20 days: each renewal stops at the session's end, and then nothing renews it.
    for (let day = 20; day < 90; day += 20) {
      h.clock.now = new Date(started.getTime() + day * 86_400_000);
      const renewed = await h.refresh(token);
      expect(renewed.refreshExpiresAt.getTime()).toBeLessThanOrEqual(started.getTime() + SESSION_MAX_AGE_S * 1000 + 1000);
      token = renewed.refreshToken;
    }
    h.clock.now = new Date(started.getTime() + SESSION_MAX_AGE_S * 1000 + 1000);
    await expect(h.refresh(token)).rejects.toMatchObject({ kind: "unauthenticated" });
    h.clock.now = new Date();
  });

  it("deletes expired refresh tokens (and only those) when the purge runs", async () => {
    const user = await newUser();
    const expired = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    const live = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    await h.pool.query("UPDATE refresh_tokens SET expires_at = now() - interval '1 hour' WHERE token_hash = $1", [sha256(expired.refreshToken)]);

    const job = startPurgeRefreshTokensJob({ refreshTokens: h.refreshTokens, intervalMs: 3_600_000, logger: memoryLogger("gateway").logger });
    try {
      expect(await job.runOnce()).toBeGreaterThanOrEqual(1);
    } finally {
      await job.stop();
    }
    expect((await h.pool.query("SELECT 1 FROM refresh_tokens WHERE token_hash = $1", [sha256(expired.refreshToken)])).rowCount).toBe(0);
    await expect(h.refresh(live.refreshToken)).resolves.toMatchObject({ expiresIn: 900 });
  });

  it("refuses an unknown, a malformed and an empty token with 401 INVALID_REFRESH_TOKEN", async () => {
    for (const token of ["A".repeat(43), "not a token", "", "x".repeat(5000)]) {
      await expect(h.refresh(token)).rejects.toMatchObject({ kind: "unauthenticated", code: "INVALID_REFRESH_TOKEN" });
    }
  });

  it("refuses an expired token, and an expired token does not rotate", async () => {
    const user = await newUser();
    const session = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    h.clock.now = new Date(session.refreshExpiresAt.getTime() + 1000);
    await expect(h.refresh(session.refreshToken)).rejects.toMatchObject({ kind: "unauthenticated", code: "INVALID_REFRESH_TOKEN" });
    expect(await familyOf(session.refreshToken)).toHaveLength(1);
  });

  it("refuses a disabled user and revokes the family, so re-enabling the user does not revive it", async () => {
    const user = await newUser();
    const session = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    await h.pool.query("UPDATE users SET disabled_at = now() WHERE id = $1", [user.id]);
    await expect(h.refresh(session.refreshToken)).rejects.toMatchObject({ kind: "unauthenticated", code: "INVALID_REFRESH_TOKEN" });

    await h.pool.query("UPDATE users SET disabled_at = NULL WHERE id = $1", [user.id]);
    await expect(h.refresh(session.refreshToken)).rejects.toMatchObject({ code: "INVALID_REFRESH_TOKEN" });
  });

  it("puts the role stored now in the new access token, not the role at sign-in", async () => {
    const user = await newUser("admin");
    const session = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    await h.pool.query("UPDATE users SET role = 'viewer' WHERE id = $1", [user.id]);
    const renewed = await h.refresh(session.refreshToken);
    const { payload } = await jwtVerify(renewed.accessToken, new TextEncoder().encode(h.jwtSecret));
    expect(payload.role).toBe("viewer");
  });

  it("stops working once the user is deleted (their tokens go with them)", async () => {
    const user = await newUser();
    const session = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    await h.pool.query("DELETE FROM users WHERE id = $1", [user.id]);
    await expect(h.refresh(session.refreshToken)).rejects.toMatchObject({ code: "INVALID_REFRESH_TOKEN" });
  });
});

describe("logout", () => {
  it("revokes the family of the presented token: neither it nor a token rotated from it refreshes afterwards", async () => {
    const user = await newUser();
    const first = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    const second = await h.refresh(first.refreshToken);
    await h.logout(second.refreshToken);
    await expect(h.refresh(second.refreshToken)).rejects.toMatchObject({ code: "INVALID_REFRESH_TOKEN" });
    expect((await familyOf(first.refreshToken)).every((t) => t.revoked_at !== null)).toBe(true);
  });

  it("also ends the session when given an older, already rotated token of it", async () => {
    const user = await newUser();
    const first = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    const second = await h.refresh(first.refreshToken);
    await h.logout(first.refreshToken);
    await expect(h.refresh(second.refreshToken)).rejects.toMatchObject({ code: "INVALID_REFRESH_TOKEN" });
  });

  it("leaves the user's other sessions alone", async () => {
    const user = await newUser();
    const leaving = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    const staying = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    await h.logout(leaving.refreshToken);
    await expect(h.refresh(staying.refreshToken)).resolves.toMatchObject({ expiresIn: 900 });
  });

  it("succeeds quietly for an unknown or malformed token and for a second logout", async () => {
    const user = await newUser();
    const session = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    await expect(h.logout("B".repeat(43))).resolves.toBeUndefined();
    await expect(h.logout("garbage")).resolves.toBeUndefined();
    await h.logout(session.refreshToken);
    await expect(h.logout(session.refreshToken)).resolves.toBeUndefined();
  });
});

describe("revokeAllForUser", () => {
  it("ends every session of the user and none of anyone else's", async () => {
    const target = await newUser();
    const colleague = await newUser();
    const a = await h.issueSession({ id: target.id, tenantId: target.tenantId, role: target.role });
    const b = await h.issueSession({ id: target.id, tenantId: target.tenantId, role: target.role });
    const rotated = await h.refresh(b.refreshToken);
    const other = await h.issueSession({ id: colleague.id, tenantId: colleague.tenantId, role: colleague.role });

    await h.revokeAllForUser(target.tenantId, target.id);

    await expect(h.refresh(a.refreshToken)).rejects.toMatchObject({ code: "INVALID_REFRESH_TOKEN" });
    await expect(h.refresh(rotated.refreshToken)).rejects.toMatchObject({ code: "INVALID_REFRESH_TOKEN" });
    await expect(h.refresh(other.refreshToken)).resolves.toMatchObject({ expiresIn: 900 });
  });

  it("is bound to the tenant: naming the user under another tenant revokes nothing", async () => {
    const user = await newUser("agent", "acme");
    const stranger = await newUser("owner", "globex");
    const session = await h.issueSession({ id: user.id, tenantId: user.tenantId, role: user.role });
    await h.revokeAllForUser(stranger.tenantId, user.id);
    await expect(h.refresh(session.refreshToken)).resolves.toMatchObject({ expiresIn: 900 });
  });

  it("ignores ids that are not UUIDs instead of failing", async () => {
    await expect(h.revokeAllForUser("nope", "nope")).resolves.toBeUndefined();
  });
});
