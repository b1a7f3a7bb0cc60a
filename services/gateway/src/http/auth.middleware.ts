// Bearer access tokens → the acting user ({userId, tenantId, role}). The user
// must still exist and be enabled, and the role is the one stored now:
// disabling or demoting a user takes effect on their next request, not when
// their token expires.
import type { Request } from "express";
import type { Actor } from "../auth/permissions.js";
import { unauthenticated, type Tokens } from "../auth/tokens.js";
import type { UsersRepository } from "../repositories/users.repository.js";
import type { Authenticate } from "./routes.js";

const BEARER = /^Bearer ([A-Za-z0-9_.~+/=-]+)$/i;

export interface AuthDeps {
  tokens: Pick<Tokens, "verifyAccessToken">;
  users: Pick<UsersRepository, "findActiveUser">;
}

export function createAuthenticate({ tokens, users }: AuthDeps): Authenticate {
  return async (req: Request): Promise<Actor> => {
    const token = BEARER.exec(req.header("authorization") ?? "")?.[1];
    if (!token) throw unauthenticated();
    const claims = await tokens.verifyAccessToken(token);
    const user = await users.findActiveUser(claims.tenantId, claims.userId);
    if (!user) throw unauthenticated();
    return { userId: user.id, tenantId: user.tenantId, role: user.role };
  };
}
