// Access tokens already verified, remembered until shortly before they expire:
// a dashboard presents the same token for minutes, and checking its HMAC,
// issuer, audience and claims again on every request (twice, with the rate
// limiter) was a tenth of the gateway's CPU per request. Keyed by the whole
// token, signature included, so only the very same token is trusted again.
// Failures are never remembered.
import { LRUCache } from "lru-cache";
import { entriesBound } from "@fleet/service-kit";
import type { AccessClaims, Tokens } from "./tokens.js";

const MAX_REMEMBER_MS = 60_000;

export interface VerifiedTokens extends Pick<Tokens, "verifyAccessToken"> {
  /** The claims of a token verified recently and not expired, without waiting; undefined otherwise. */
  known(token: string): AccessClaims | undefined;
}

export function createVerifiedTokensCache(tokens: Pick<Tokens, "verifyAccessToken">, { max = 50_000, now = Date.now }: { max?: number; now?: () => number } = {}): VerifiedTokens {
  const cache = new LRUCache<string, AccessClaims>({ ...entriesBound(max), ttlAutopurge: false });
  return {
    known: (token) => cache.get(token),
    async verifyAccessToken(token: string): Promise<AccessClaims> {
      const known = cache.get(token);
      if (known) return known;
      const claims = await tokens.verifyAccessToken(token);
      // Forgotten at `exp` at the latest: an expired token is verified (and refused) again.
      const remaining = claims.expiresAt === undefined ? 0 : claims.expiresAt * 1000 - now();
      if (remaining > 0) cache.set(token, claims, { ttl: Math.min(remaining, MAX_REMEMBER_MS) });
      return claims;
    },
  };
}
