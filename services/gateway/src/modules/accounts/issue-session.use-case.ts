// Starts a session for a user who just proved who they are (login) or was just
// created (register): a short-lived access token plus the first refresh token
// of a new family.
import { randomUUID } from "node:crypto";
import type { Tokens } from "../../auth/tokens.js";
import { mintRefreshToken } from "./refresh-token.js";
import type { RefreshTokensRepository, SessionUser } from "./refresh-tokens.repository.js";

export interface Session {
  accessToken: string;
  /** Seconds the access token is valid for. */
  expiresIn: number;
  /** Opaque; only its hash is stored. Goes to the client as an httpOnly cookie (and in the body when configured). */
  refreshToken: string;
  refreshExpiresAt: Date;
}

export interface SessionDeps {
  refreshTokens: Pick<RefreshTokensRepository, "insert" | "transaction">;
  tokens: Pick<Tokens, "issueAccessToken">;
  /** REFRESH_TOKEN_TTL_S. */
  refreshTtlSeconds: number;
  /** The clock refresh-token expiry is computed and checked with. */
  now?: () => Date;
}

export function createIssueSession({ refreshTokens, tokens, refreshTtlSeconds, now = () => new Date() }: SessionDeps) {
  return async function issueSession(user: SessionUser): Promise<Session> {
    const at = now();
    const refresh = mintRefreshToken(at, refreshTtlSeconds);
    await refreshTokens.insert({ hash: refresh.hash, familyId: randomUUID(), tenantId: user.tenantId, userId: user.id, expiresAt: refresh.expiresAt, familyStartedAt: at });
    const access = await tokens.issueAccessToken({ userId: user.id, tenantId: user.tenantId, role: user.role });
    return { accessToken: access.token, expiresIn: access.expiresIn, refreshToken: refresh.token, refreshExpiresAt: refresh.expiresAt };
  };
}

export type IssueSession = ReturnType<typeof createIssueSession>;
