// /api/auth and /api/me: registering a shop, signing in and out, keeping a
// session alive with rotating refresh tokens, and the caller's own account.
// Browsers get the refresh token as an httpOnly cookie scoped to /api/auth;
// non-browser clients may also get it in the body (REFRESH_TOKEN_IN_BODY).
import { z } from "zod";
import { PERMISSIONS } from "../../auth/permissions.js";
import { publicRoute, userRoute, type Route } from "../../http/routes.js";
import { EmailSchema, RoleSchema, TenantSlugSchema } from "../../http/schemas.js";
import type { Login } from "./login.use-case.js";
import type { GetMe } from "./me.use-case.js";
import { clearedRefreshCookie, presentedRefreshToken, refreshCookie, sessionBody } from "./refresh-cookie.js";
import type { RefreshSession } from "./refresh-session.use-case.js";
import { RefreshTokenSchema } from "./refresh-token.js";
import { RegisterInputSchema, type Register } from "./register.use-case.js";
import type { Logout } from "./revoke-sessions.use-case.js";

const LoginBody = z
  .object({
    email: EmailSchema,
    password: z.string().min(1).max(1024),
    tenant: TenantSlugSchema.optional().meta({ description: "Needed only when the email has accounts in several tenants" }),
  })
  // Lenient on purpose: extra fields (say, a `role`) are ignored, never believed.
  .strip();

const UserSummarySchema = z.object({ id: z.uuid(), email: z.string(), role: RoleSchema, tenantId: z.uuid() });

const SessionFields = {
  accessToken: z.string(),
  expiresIn: z.number().int().meta({ description: "Seconds the access token is valid for" }),
  refreshExpiresAt: z.iso.datetime({ offset: true }),
  refreshToken: z.string().optional().meta({ description: "Only for non-browser clients when the fleet is configured so; browsers get the httpOnly cookie" }),
};
const SessionSchema = z.object({ ...SessionFields, user: UserSummarySchema }).meta({ id: "Session" });
const TenantSchema = z.object({ id: z.uuid(), name: z.string(), slug: z.string() }).meta({ id: "Tenant" });
const RegisteredSchema = z.object({ ...SessionFields, user: UserSummarySchema, tenant: TenantSchema }).meta({ id: "Registration" });
const RefreshedSchema = z.object(SessionFields).meta({ id: "RefreshedSession" });
const TokenBody = z.object({ refreshToken: RefreshTokenSchema.optional() }).strict().optional();

const MeSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    displayName: z.string(),
    role: RoleSchema,
    tenant: TenantSchema,
    permissions: z.array(z.enum(Object.keys(PERMISSIONS) as [string, ...string[]])),
  })
  .meta({ id: "Me" });

const NO_STORE = { "cache-control": "no-store" };

export interface AccountsRoutesDeps {
  login: Login;
  register: Register;
  refresh: RefreshSession;
  logout: Logout;
  me: GetMe;
  refreshTokenInBody: boolean;
}

export function accountsRoutes(deps: AccountsRoutesDeps): Route[] {
  const tags = ["auth"];
  const inBody = { refreshTokenInBody: deps.refreshTokenInBody };
  return [
    publicRoute({
      method: "post",
      path: "/auth/register",
      operationId: "register",
      summary: "Register a shop and its owner; signs the owner in",
      tags,
      body: RegisterInputSchema,
      responses: { 201: { description: "Registered and signed in", schema: RegisteredSchema }, 409: { description: "SLUG_TAKEN" } },
      handle: async ({ body, res }) => {
        const { user, tenant, session } = await deps.register(body);
        res.setHeader("set-cookie", refreshCookie(session.refreshToken, session.refreshExpiresAt));
        return {
          status: 201,
          body: { ...sessionBody(session, inBody), user: { id: user.id, email: user.email, role: user.role, tenantId: user.tenantId }, tenant: { id: tenant.id, name: tenant.name, slug: tenant.slug } },
          headers: NO_STORE,
        };
      },
    }),
    publicRoute({
      method: "post",
      path: "/auth/login",
      operationId: "login",
      summary: "Sign in with email and password",
      tags,
      body: LoginBody,
      responses: { 200: { description: "Signed in", schema: SessionSchema }, 401: { description: "INVALID_CREDENTIALS" } },
      handle: async ({ body, req, res }) => {
        const { session, user } = await deps.login({ ...body, ip: req.ip ?? req.socket.remoteAddress ?? "unknown" });
        res.setHeader("set-cookie", refreshCookie(session.refreshToken, session.refreshExpiresAt));
        return { status: 200, body: { ...sessionBody(session, inBody), user }, headers: NO_STORE };
      },
    }),
    publicRoute({
      method: "post",
      path: "/auth/refresh",
      operationId: "refreshSession",
      summary: "Trade the refresh token (cookie, or body for non-browser clients) for a new access token and a new refresh token",
      tags,
      body: TokenBody,
      responses: { 200: { description: "A new session", schema: RefreshedSchema }, 401: { description: "INVALID_REFRESH_TOKEN or REFRESH_TOKEN_REUSED (the whole session family is revoked)" } },
      handle: async ({ body, req, res }) => {
        // Cleared first: whatever goes wrong, the browser drops a token that no longer works.
        res.setHeader("set-cookie", clearedRefreshCookie());
        const session = await deps.refresh(presentedRefreshToken(req.header("cookie"), body?.refreshToken) ?? "");
        res.setHeader("set-cookie", refreshCookie(session.refreshToken, session.refreshExpiresAt));
        return { status: 200, body: sessionBody(session, inBody), headers: NO_STORE };
      },
    }),
    publicRoute({
      method: "post",
      path: "/auth/logout",
      operationId: "logout",
      summary: "End the session the refresh token belongs to",
      tags,
      body: TokenBody,
      responses: { 204: { description: "Signed out (also when the token was already unknown)" } },
      handle: async ({ body, req, res }) => {
        const token = presentedRefreshToken(req.header("cookie"), body?.refreshToken);
        if (token) await deps.logout(token);
        res.setHeader("set-cookie", clearedRefreshCookie());
        return { status: 204 };
      },
    }),
    userRoute({
      method: "get",
      path: "/auth/me",
      operationId: "getMe",
      summary: "The caller's account, tenant and permissions",
      tags,
      permission: "account:read",
      responses: { 200: { description: "The caller", schema: MeSchema } },
      handle: async ({ actor }) => ({ status: 200, body: await deps.me(actor), headers: NO_STORE }),
    }),
  ];
}
