// Exchanges a refresh token for a new access token and a new refresh token
// (rotation). The presented token is marked used; presenting a used token
// again means two parties hold it — the client and a thief — and nobody can
// tell which is which, so the whole family is revoked and both must sign in
// again. The role in the new access token is the one stored now, and a
// disabled user gets nothing.
//
// Two refreshes with the same token at once (two tabs, a retried request):
// the row lock makes the second wait; it then finds the token used moments
// ago. Within REFRESH_REUSE_GRACE_S of that use it gets a sibling token of the
// same family instead of a revocation, so a race does not sign the user out.
// The price: a thief replaying a token within those seconds gets a session too
// (the grace is short, and 0 turns it off).
//
// A session also ends for good REFRESH_SESSION_MAX_AGE_S after its sign-in,
// however often it is refreshed: no token of the family outlives that.
import { AppError } from "@fleet/service-kit";
import { hashRefreshToken, mintRefreshToken, RefreshTokenSchema } from "./refresh-token.js";
import type { Session, SessionDeps } from "./issue-session.use-case.js";
import type { SessionUser } from "./refresh-tokens.repository.js";

const invalidRefreshToken = () => new AppError("unauthenticated", "INVALID_REFRESH_TOKEN", "Refresh token is invalid, expired or revoked; sign in again");
const sessionTooOld = () => new AppError("unauthenticated", "SESSION_EXPIRED", "This session is too old to be renewed; sign in again");
const reusedRefreshToken = () =>
  new AppError("unauthenticated", "REFRESH_TOKEN_REUSED", "This refresh token was already used; every session it belongs to has been ended, sign in again");

/** A refusal decided inside the transaction but thrown after its commit, so a family revocation is kept. */
type Outcome = { ok: true; user: SessionUser; refresh: { token: string; expiresAt: Date } } | { ok: false; error: AppError };

export interface RefreshSessionOptions {
  /** REFRESH_REUSE_GRACE_S: how long after its use a token may be presented again by a concurrent refresh. */
  reuseGraceSeconds: number;
  /** REFRESH_SESSION_MAX_AGE_S: a session's absolute lifetime from its sign-in. */
  sessionMaxAgeSeconds: number;
}

export function createRefreshSession({ refreshTokens, tokens, refreshTtlSeconds, now = () => new Date() }: SessionDeps, { reuseGraceSeconds, sessionMaxAgeSeconds }: RefreshSessionOptions) {
  return async function refresh(presented: string): Promise<Session> {
    if (!RefreshTokenSchema.safeParse(presented).success) throw invalidRefreshToken();
    const hash = hashRefreshToken(presented);

    const outcome = await refreshTokens.transaction(async (tx): Promise<Outcome> => {
      const stored = await tx.lockByHash(hash);
      if (!stored || stored.revokedAt) return { ok: false, error: invalidRefreshToken() };
      const at = now();
      const concurrent = stored.usedAt !== null && at.getTime() - stored.usedAt.getTime() <= reuseGraceSeconds * 1000;
      if (stored.usedAt && !concurrent) {
        await tx.revokeFamily(stored.familyId);
        return { ok: false, error: reusedRefreshToken() };
      }
      if (stored.expiresAt.getTime() <= at.getTime()) return { ok: false, error: invalidRefreshToken() };
      const endOfSession = stored.familyStartedAt.getTime() + sessionMaxAgeSeconds * 1000;
      if (endOfSession <= at.getTime()) return { ok: false, error: sessionTooOld() };
      const user = await tx.findEnabledUser(stored.tenantId, stored.userId);
      if (!user) {
        // Disabled since the session began: nothing of this family may be used again.
        await tx.revokeFamily(stored.familyId);
        return { ok: false, error: invalidRefreshToken() };
      }
      const next = mintRefreshToken(at, Math.min(refreshTtlSeconds, Math.floor((endOfSession - at.getTime()) / 1000)));
      const nextId = await tx.insert({ hash: next.hash, familyId: stored.familyId, tenantId: stored.tenantId, userId: stored.userId, expiresAt: next.expiresAt, familyStartedAt: stored.familyStartedAt });
      // A concurrent refresh leaves the first one's successor in place: this one is its sibling.
      if (!concurrent) await tx.markUsed(stored.id, nextId, at);
      return { ok: true, user, refresh: { token: next.token, expiresAt: next.expiresAt } };
    });

    if (!outcome.ok) throw outcome.error;
    const access = await tokens.issueAccessToken({ userId: outcome.user.id, tenantId: outcome.user.tenantId, role: outcome.user.role });
    return { accessToken: access.token, expiresIn: access.expiresIn, refreshToken: outcome.refresh.token, refreshExpiresAt: outcome.refresh.expiresAt };
  };
}

export type RefreshSession = ReturnType<typeof createRefreshSession>;
