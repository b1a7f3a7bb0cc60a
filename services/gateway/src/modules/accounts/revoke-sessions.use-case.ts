// Ending sessions. Logout revokes the family of the presented refresh token
// (every token rotated from the same login), whatever state that token is in,
// and says nothing about whether it existed: logging out is always "done".
// revokeAllForUser ends every session of a user, for when a user is disabled,
// removed or given another role (the users module calls it).
import { hashRefreshToken, RefreshTokenSchema } from "./refresh-token.js";
import type { RefreshTokensRepository } from "./refresh-tokens.repository.js";

export function createLogout({ refreshTokens }: { refreshTokens: Pick<RefreshTokensRepository, "revokeFamilyOf"> }) {
  return async function logout(presented: string): Promise<void> {
    if (!RefreshTokenSchema.safeParse(presented).success) return;
    await refreshTokens.revokeFamilyOf(hashRefreshToken(presented));
  };
}

export function createRevokeAllForUser({ refreshTokens }: { refreshTokens: Pick<RefreshTokensRepository, "revokeAllForUser"> }) {
  return async function revokeAllForUser(tenantId: string, userId: string): Promise<void> {
    await refreshTokens.revokeAllForUser(tenantId, userId);
  };
}

export type Logout = ReturnType<typeof createLogout>;
export type RevokeAllForUser = ReturnType<typeof createRevokeAllForUser>;
