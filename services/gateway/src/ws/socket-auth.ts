// Who is opening a dashboard WebSocket. Browsers cannot set an Authorization
// header on a WebSocket, and a token in the URL would land in proxy and access
// logs, so the access token travels as a subprotocol the client offers beside
// the real one: `new WebSocket(url, ["fleet.v1", "bearer.<token>"])` (a JWT is
// made of characters a subprotocol may hold). The server answers with
// "fleet.v1" only, so the token is never echoed. The check is the one of the
// REST API: a valid access token, and a user that still exists, is enabled,
// and with the role stored now.
import type { IncomingMessage } from "node:http";
import { decodeJwt } from "jose";
import type { Actor } from "../auth/permissions.js";
import type { Tokens } from "../auth/tokens.js";
import type { UsersRepository } from "../repositories/users.repository.js";
import { DASHBOARD_PROTOCOL } from "./dashboard-messages.schema.js";
import type { UpgradeRefusalReason } from "./dashboard.metrics.js";

const BEARER_PREFIX = "bearer.";

export interface SocketAuthDeps {
  tokens: Pick<Tokens, "verifyAccessToken">;
  users: Pick<UsersRepository, "findActiveUser">;
}

export type SocketAuthResult =
  | { ok: true; actor: Actor; /** When the token expires (ms since epoch); the socket is closed then. */ expiresAt: number | null }
  | { ok: false; status: 400 | 401; reason: UpgradeRefusalReason };

/** The subprotocols a client offered, in its order. */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const joined = Array.isArray(header) ? header.join(",") : (header ?? "");
  return joined
    .split(",")
    .map((protocol) => protocol.trim())
    .filter((protocol) => protocol.length > 0);
}

/** Authenticates an upgrade request; throws only when the check itself failed (e.g. Postgres is down). */
export function createSocketAuth({ tokens, users }: SocketAuthDeps) {
  return async function authenticateUpgrade(req: IncomingMessage): Promise<SocketAuthResult> {
    const offered = offeredProtocols(req.headers["sec-websocket-protocol"]);
    const bearers = offered.filter((protocol) => protocol.startsWith(BEARER_PREFIX));
    const token = bearers.length === 1 ? bearers[0]?.slice(BEARER_PREFIX.length) : undefined;
    if (!token) return { ok: false, status: 401, reason: "missing_token" };
    if (!offered.includes(DASHBOARD_PROTOCOL)) return { ok: false, status: 400, reason: "unsupported_protocol" };

    let claims;
    try {
      claims = await tokens.verifyAccessToken(token);
    } catch {
      return { ok: false, status: 401, reason: "invalid_token" };
    }
    const user = await users.findActiveUser(claims.tenantId, claims.userId);
    if (!user) return { ok: false, status: 401, reason: "inactive_user" };
    // Already verified above: decoding only reads its expiry.
    const { exp } = decodeJwt(token);
    return { ok: true, actor: { userId: user.id, tenantId: user.tenantId, role: user.role }, expiresAt: typeof exp === "number" ? exp * 1000 : null };
  };
}

export type SocketAuth = ReturnType<typeof createSocketAuth>;
