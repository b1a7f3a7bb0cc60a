// How the refresh token travels to browsers: an httpOnly cookie that scripts
// cannot read (an XSS cannot steal it), sent only over HTTPS, only to
// /api/auth (refresh, logout) and never on cross-site requests (SameSite=Strict,
// so another site cannot make the browser refresh or log out). Non-browser
// clients may get the token in the JSON body instead (REFRESH_TOKEN_IN_BODY).
import { parseCookie, stringifySetCookie } from "cookie";
import type { Session } from "./issue-session.use-case.js";
import { RefreshTokenSchema } from "./refresh-token.js";

/** `__Secure-`: browsers accept the cookie only with Secure from an HTTPS page, so an insecure origin cannot plant one. */
export const REFRESH_COOKIE_NAME = "__Secure-fleet_refresh";
export const REFRESH_COOKIE_PATH = "/api/auth";

const attributes = { httpOnly: true, secure: true, sameSite: "strict", path: REFRESH_COOKIE_PATH } as const;

/** The `Set-Cookie` value that hands the refresh token to the browser until it expires. */
export function refreshCookie(token: string, expiresAt: Date, now: Date = new Date()): string {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000));
  return stringifySetCookie({ name: REFRESH_COOKIE_NAME, value: token, maxAge, ...attributes });
}

/** The `Set-Cookie` value that makes the browser drop the refresh token (logout, refused refresh). */
export function clearedRefreshCookie(): string {
  return stringifySetCookie({ name: REFRESH_COOKIE_NAME, value: "", maxAge: 0, ...attributes });
}

/** The refresh token from a `Cookie` header; null when absent or not shaped like a token. */
export function readRefreshCookie(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  const parsed = RefreshTokenSchema.safeParse(parseCookie(cookieHeader)[REFRESH_COOKIE_NAME]);
  return parsed.success ? parsed.data : null;
}

/** The token a refresh or logout presents: the body's (non-browser clients) or else the cookie's. */
export function presentedRefreshToken(cookieHeader: string | undefined, bodyToken: string | undefined): string | null {
  return bodyToken ?? readRefreshCookie(cookieHeader);
}

export interface SessionBody {
  accessToken: string;
  expiresIn: number;
  refreshExpiresAt: string;
  /** Only when REFRESH_TOKEN_IN_BODY is on. */
  refreshToken?: string;
}

/** The JSON a login, registration or refresh answers with; the refresh token itself goes in the cookie. */
export function sessionBody(session: Session, { refreshTokenInBody }: { refreshTokenInBody: boolean }): SessionBody {
  return {
    accessToken: session.accessToken,
    expiresIn: session.expiresIn,
    refreshExpiresAt: session.refreshExpiresAt.toISOString(),
    ...(refreshTokenInBody ? { refreshToken: session.refreshToken } : {}),
  };
}
