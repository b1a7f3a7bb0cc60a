// Exchanges a refresh token for a new access token and a new refresh token
// (rotation). The presented token is marked used; presenting a used token
// again means two parties hold it — the client and a thief — and nobody can
// tell which is which, so the whole family is revoked and both must sign in
// again. The role in the new access token is the one stored now, and a
// disabled user gets nothing.
//
// Two refreshes with the same token at once: the row lock makes the second
// wait, then it finds the token used and is treated as a reuse. The dashboard
// must therefore refresh from one place at a time (one in-flight refresh shared
// by all tabs), which it should do anyway.
import { AppError } from "@fleet/service-kit";
import { hashRefreshToken, mintRefreshToken, RefreshTokenSchema } from "./refresh-token.js";
import type { Session, SessionDeps } from "./issue-session.use-case.js";
import type { SessionUser } from "./refresh-tokens.repository.js";

const invalidRefreshToken = () => new AppError("unauthenticated", "INVALID_REFRESH_TOKEN", "Refresh token is invalid, expired or revoked; sign in again");
const reusedRefreshToken = () =>
  new AppError("unauthenticated", "REFRESH_TOKEN_REUSED", "This refresh token was already used; every session it belongs to has been ended, sign in again");

/** A refusal decided inside the transaction but thrown after its commit, so a family revocation is kept. */
type Outcome = { ok: true; user: SessionUser; refresh: { token: string; expiresAt: Date } } | { ok: false; error: AppError };

export function createRefreshSession({ refreshTokens, tokens, refreshTtlSeconds, now = () => new Date() }: SessionDeps) {
  return async function refresh(presented: string): Promise<Session> {
    if (!RefreshTokenSchema.safeParse(presented).success) throw invalidRefreshToken();
    const hash = hashRefreshToken(presented);

    const outcome = await refreshTokens.transaction(async (tx): Promise<Outcome> => {
      const stored = await tx.lockByHash(hash);
      if (!stored || stored.revokedAt) return { ok: false, error: invalidRefreshToken() };
      if (stored.usedAt) {
        await tx.revokeFamily(stored.familyId);
        return { ok: false, error: reusedRefreshToken() };
      }
      const at = now();
      if (stored.expiresAt.getTime() <= at.getTime()) return { ok: false, error: invalidRefreshToken() };
      const user = await tx.findEnabledUser(stored.tenantId, stored.userId);
      if (!user) {
        // Disabled since the session began: nothing of this family may be used again.
        await tx.revokeFamily(stored.familyId);
        return { ok: false, error: invalidRefreshToken() };
      }
      const next = mintRefreshToken(at, refreshTtlSeconds);
      const nextId = await tx.insert({ hash: next.hash, familyId: stored.familyId, tenantId: stored.tenantId, userId: stored.userId, expiresAt: next.expiresAt });
      await tx.markUsed(stored.id, nextId);
      return { ok: true, user, refresh: { token: next.token, expiresAt: next.expiresAt } };
    });

    if (!outcome.ok) throw outcome.error;
    const access = await tokens.issueAccessToken({ userId: outcome.user.id, tenantId: outcome.user.tenantId, role: outcome.user.role });
    return { accessToken: access.token, expiresIn: access.expiresIn, refreshToken: outcome.refresh.token, refreshExpiresAt: outcome.refresh.expiresAt };
  };
}

export type RefreshSession = ReturnType<typeof createRefreshSession>;
