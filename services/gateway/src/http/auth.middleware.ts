// Bearer access tokens → the caller's identity ({userId, tenantId, role}) for
// the rest of the request. The user must still exist and be enabled, and the
// role is the one stored now: disabling or demoting a user takes effect on
// their next request, not when their token expires.
import type { Request, RequestHandler } from "express";
import { AppError, extendContext } from "@fleet/service-kit";
import { unauthenticated, type AccessClaims, type Role, type Tokens } from "../auth/tokens.js";
import type { UsersRepository } from "../repositories/users.repository.js";

export type Caller = AccessClaims;

const callers = new WeakMap<Request, Caller>();

/** The authenticated caller of a request that went through `authenticate`. */
export function callerOf(req: Request): Caller {
  const caller = callers.get(req);
  if (!caller) throw unauthenticated();
  return caller;
}

const BEARER = /^Bearer ([A-Za-z0-9_.~+/=-]+)$/i;

export interface AuthDeps {
  tokens: Pick<Tokens, "verifyAccessToken">;
  users: Pick<UsersRepository, "findActiveUser">;
}

export function authenticate({ tokens, users }: AuthDeps): RequestHandler {
  return async (req, _res, next) => {
    const token = BEARER.exec(req.header("authorization") ?? "")?.[1];
    if (!token) throw unauthenticated();
    const claims = await tokens.verifyAccessToken(token);
    const user = await users.findActiveUser(claims.tenantId, claims.userId);
    if (!user) throw unauthenticated();
    callers.set(req, { userId: user.id, tenantId: user.tenantId, role: user.role });
    extendContext({ tenantId: user.tenantId });
    next();
  };
}

export function requireRole(...allowed: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!allowed.includes(callerOf(req).role)) {
      throw new AppError("permission_denied", "FORBIDDEN", "Your role does not allow this action");
    }
    next();
  };
}
