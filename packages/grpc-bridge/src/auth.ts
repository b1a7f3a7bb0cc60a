// Service-to-service authentication of gRPC calls. Every call carries a short-lived token
// (`authorization: Bearer <JWT>`, HS256 with the fleet key) naming the calling service (`iss`) and
// the service it calls (`aud`); a server accepts a call only with a valid token addressed to it
// from a service its policy lets call that method (see @fleet/contracts grpc-callers). Nothing else
// on the network — nginx, Prometheus, a compromised neighbour — can call ConfigureBot or SendMessage
// for any tenant.
//
// The fleet key rotates like the secrets key: FLEET_KEY signs (its id in the token header),
// FLEET_PREVIOUS_KEYS still verify, so replicas on the old and the new key talk to each other during
// a rollout. Signing and verifying cost microseconds, not per call: a client reuses its token for
// half its lifetime, a server remembers a verified token until it expires.
import { SignJWT, decodeProtectedHeader, jwtVerify } from "jose";
import { AppError, type SecretKey } from "@fleet/service-kit";

/** The fleet's services: who may sign a token, and whom it may be for. */
export const FLEET_SERVICES = ["gateway", "whatsapp-adapter", "bot-orchestrator", "analytics-worker"] as const;
export type FleetServiceName = (typeof FLEET_SERVICES)[number];

/** The fleet key (FLEET_KEY, FLEET_KEY_ID) and the previous ones that still verify (FLEET_PREVIOUS_KEYS). */
export interface FleetKeyring {
  current: SecretKey;
  previous?: readonly SecretKey[];
}

const ALGORITHM = "HS256";
const CLOCK_TOLERANCE_S = 30;
const DEFAULT_TTL_S = 300;

const encodeKey = (material: string) => new TextEncoder().encode(material);

export interface TokenSigner {
  /** A token from this service to `audience`, reused until half its lifetime has passed. */
  tokenFor(audience: FleetServiceName): Promise<string>;
}

export function createTokenSigner({ service, keys, ttlSeconds = DEFAULT_TTL_S, now = Date.now }: { service: FleetServiceName; keys: FleetKeyring; ttlSeconds?: number; now?: () => number }): TokenSigner {
  const secret = encodeKey(keys.current.material);
  const cached = new Map<FleetServiceName, { token: Promise<string>; refreshAt: number }>();
  return {
    tokenFor(audience) {
      const at = now();
      const entry = cached.get(audience);
      if (entry && at < entry.refreshAt) return entry.token;
      const issuedAt = Math.floor(at / 1000);
      const token = new SignJWT({})
        .setProtectedHeader({ alg: ALGORITHM, kid: keys.current.id })
        .setIssuer(service)
        .setAudience(audience)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ttlSeconds)
        .sign(secret);
      cached.set(audience, { token, refreshAt: at + (ttlSeconds * 1000) / 2 });
      // A failed signing is not kept: the next call tries again.
      token.catch(() => cached.delete(audience));
      return token;
    },
  };
}

export interface TokenVerifier {
  /** The calling service, or UNAUTHENTICATED (missing, malformed, expired, wrong key or not for this service). */
  verify(authorization: string | undefined): Promise<FleetServiceName>;
}

const unauthenticated = (message: string) => new AppError("unauthenticated", "SERVICE_TOKEN_INVALID", message);

function isFleetService(value: unknown): value is FleetServiceName {
  return typeof value === "string" && (FLEET_SERVICES as readonly string[]).includes(value);
}

/** Verifies tokens addressed to `service`; remembers up to `maxRemembered` verified tokens until they expire. */
export function createTokenVerifier({ service, keys, maxRemembered = 1000, now = Date.now }: { service: FleetServiceName; keys: FleetKeyring; maxRemembered?: number; now?: () => number }): TokenVerifier {
  const byId = new Map<string, Uint8Array>();
  for (const key of [keys.current, ...(keys.previous ?? [])]) if (!byId.has(key.id)) byId.set(key.id, encodeKey(key.material));
  const remembered = new Map<string, { caller: FleetServiceName; expiresAt: number }>();

  async function verifyToken(token: string): Promise<FleetServiceName> {
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      throw unauthenticated("The service token is malformed");
    }
    const key = typeof kid === "string" ? byId.get(kid) : undefined;
    if (!key) throw unauthenticated("The service token is signed with a key this service does not know");
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [ALGORITHM],
        audience: service,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ["iss", "aud", "exp", "iat"],
        currentDate: new Date(now()),
      });
      if (!isFleetService(payload.iss)) throw unauthenticated("The service token names no fleet service");
      const expiresAt = (payload.exp ?? 0) * 1000;
      if (remembered.size >= maxRemembered) remembered.clear();
      remembered.set(token, { caller: payload.iss, expiresAt });
      return payload.iss;
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw unauthenticated("The service token is invalid, expired or not for this service");
    }
  }

  return {
    async verify(authorization) {
      const token = authorization?.startsWith("Bearer ") ? authorization.slice("Bearer ".length) : undefined;
      if (!token) throw unauthenticated("The call carries no service token");
      const known = remembered.get(token);
      if (known && now() < known.expiresAt) return known.caller;
      if (known) remembered.delete(token);
      return verifyToken(token);
    },
  };
}

/** Who may call each method of one gRPC service: method local name (e.g. sendMessage) → callers. */
export type MethodCallers = Readonly<Record<string, readonly FleetServiceName[]>>;

/** A server's authentication: its verifier and, per service type name, who may call each method. */
export interface ServerAuth {
  verifier: TokenVerifier;
  callers: Readonly<Record<string, MethodCallers>>;
}

/** The caller of a call, or the error that refuses it (UNAUTHENTICATED, PERMISSION_DENIED). */
export async function authorizeCall(auth: ServerAuth, serviceTypeName: string, methodLocalName: string, authorization: string | undefined): Promise<FleetServiceName> {
  const caller = await auth.verifier.verify(authorization);
  const allowed = auth.callers[serviceTypeName]?.[methodLocalName] ?? [];
  if (!allowed.includes(caller)) throw new AppError("permission_denied", "SERVICE_NOT_ALLOWED", `${caller} may not call ${serviceTypeName}/${methodLocalName}`);
  return caller;
}

/** A client's authentication: a token for each call to the service it talks to. */
export interface ClientAuth {
  token(): Promise<string>;
}

export function clientAuth(signer: TokenSigner, audience: FleetServiceName): ClientAuth {
  return { token: () => signer.tokenFor(audience) };
}

/** One service's side of the fleet's authentication: its server's checks and its clients' tokens. */
export interface FleetAuth {
  server: ServerAuth;
  /** Tokens for calls to `audience`. */
  client(audience: FleetServiceName): ClientAuth;
}

export function createFleetAuth({ service, keys, callers }: { service: FleetServiceName; keys: FleetKeyring; callers: ServerAuth["callers"] }): FleetAuth {
  const signer = createTokenSigner({ service, keys });
  return {
    server: { verifier: createTokenVerifier({ service, keys }), callers },
    client: (audience) => clientAuth(signer, audience),
  };
}
