// Access tokens: JWT HS256 signed with JWT_SECRET. Verification pins the
// algorithm, issuer and audience so no other token (or `alg: none`) passes.
import { SignJWT, jwtVerify } from "jose";
import { z } from "zod";
import { AppError } from "@fleet/service-kit";

export const ISSUER = "fleet-gateway";
export const AUDIENCE = "fleet-dashboard";
const ALGORITHM = "HS256";
const CLOCK_TOLERANCE_S = 5;

export const roles = ["owner", "admin", "agent", "viewer"] as const;
export const RoleSchema = z.enum(roles);
export type Role = z.infer<typeof RoleSchema>;

export interface AccessClaims {
  userId: string;
  tenantId: string;
  role: Role;
  /** Seconds since the epoch (the token's `exp`), when known. */
  expiresAt?: number;
}

const ClaimsSchema = z.object({ sub: z.uuid(), tid: z.uuid(), role: RoleSchema, exp: z.number() });

export interface TokenOptions {
  secret: string;
  ttlSeconds: number;
}

export function createTokens({ secret, ttlSeconds }: TokenOptions) {
  const key = new TextEncoder().encode(secret);

  async function issueAccessToken(claims: AccessClaims): Promise<{ token: string; expiresIn: number }> {
    const token = await new SignJWT({ tid: claims.tenantId, role: claims.role })
      .setProtectedHeader({ alg: ALGORITHM, typ: "JWT" })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(key);
    return { token, expiresIn: ttlSeconds };
  }

  /** The claims of a valid access token; anything else (expired, forged, other alg/iss/aud) is UNAUTHENTICATED. */
  async function verifyAccessToken(token: string): Promise<AccessClaims> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ["exp", "sub"],
      }));
    } catch (error) {
      throw unauthenticated(error);
    }
    const claims = ClaimsSchema.safeParse(payload);
    if (!claims.success) throw unauthenticated(claims.error);
    return { userId: claims.data.sub, tenantId: claims.data.tid, role: claims.data.role, expiresAt: claims.data.exp };
  }

  return { issueAccessToken, verifyAccessToken };
}

export type Tokens = ReturnType<typeof createTokens>;

export function unauthenticated(cause?: unknown): AppError {
  return new AppError("unauthenticated", "UNAUTHENTICATED", "Missing, invalid or expired access token", { cause });
}
