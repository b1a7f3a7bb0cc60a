// Bearer access tokens → the acting user ({userId, tenantId, role}). The user
// must still exist and be enabled, and the role is the one stored now:
// disabling or demoting a user takes effect on their next request, not when
// their token expires. A token verified moments ago for a user read moments
// ago (both remembered, and forgotten on every replica when the user changes)
// is answered without waiting for anything.
import type { Request } from "express";
import type { Actor } from "../auth/permissions.js";
import { unauthenticated } from "../auth/tokens.js";
import type { VerifiedTokens } from "../auth/verified-tokens.cache.js";
import type { ActiveUsersCache } from "../repositories/active-users.cache.js";
import type { ActiveUser } from "../repositories/users.repository.js";
import type { Authenticate } from "./routes.js";

const BEARER = /^Bearer ([A-Za-z0-9_.~+/=-]+)$/i;

/** The request's bearer token, or undefined when it has none (or a malformed one). */
export const bearerToken = (req: Request): string | undefined => BEARER.exec(req.header("authorization") ?? "")?.[1];

export interface AuthDeps {
  tokens: VerifiedTokens;
  users: Pick<ActiveUsersCache, "findActiveUser" | "known">;
}

const actorOf = (user: ActiveUser): Actor => ({ userId: user.id, tenantId: user.tenantId, role: user.role });

export function createAuthenticate({ tokens, users }: AuthDeps): Authenticate {
  async function verified(token: string): Promise<Actor> {
    const claims = await tokens.verifyAccessToken(token);
    const user = await users.findActiveUser(claims.tenantId, claims.userId);
    if (!user) throw unauthenticated();
    return actorOf(user);
  }
  return (req: Request): Actor | Promise<Actor> => {
    const token = bearerToken(req);
    if (!token) throw unauthenticated();
    const claims = tokens.known(token);
    const user = claims && users.known(claims.tenantId, claims.userId);
    return user ? actorOf(user) : verified(token);
  };
}
