// /api/auth: signing in.
import { z } from "zod";
import { publicRoute, type Route } from "../../http/routes.js";
import { EmailSchema, RoleSchema, TenantSlugSchema } from "../../http/schemas.js";
import type { Login } from "../../use-cases/login.use-case.js";

const LoginBody = z
  .object({
    email: EmailSchema,
    password: z.string().min(1).max(1024),
    tenant: TenantSlugSchema.optional().meta({ description: "Needed only when the email has accounts in several tenants" }),
  })
  // Lenient on purpose: extra fields (say, a `role`) are ignored, never believed.
  .strip();

const SessionSchema = z
  .object({
    accessToken: z.string(),
    expiresIn: z.number().int(),
    user: z.object({ id: z.uuid(), email: z.string(), role: RoleSchema, tenantId: z.uuid() }),
  })
  .meta({ id: "Session" });

export function accountsRoutes({ login }: { login: Login }): Route[] {
  const tags = ["auth"];
  return [
    publicRoute({
      method: "post",
      path: "/auth/login",
      operationId: "login",
      summary: "Sign in with email and password",
      tags,
      body: LoginBody,
      responses: { 200: { description: "Signed in", schema: SessionSchema }, 401: { description: "INVALID_CREDENTIALS" } },
      handle: async ({ body, req }) => ({
        status: 200,
        body: await login({ ...body, ip: req.ip ?? req.socket.remoteAddress ?? "unknown" }),
        headers: { "cache-control": "no-store" },
      }),
    }),
  ];
}
