// Refresh tokens are opaque: 32 random bytes, base64url. The database keeps
// only their SHA-256 (the token has 256 bits of entropy, so a plain fast hash
// is enough: there is nothing to brute-force, unlike a password).
import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";

const TOKEN_BYTES = 32;

/** What a refresh token looks like on the wire; anything else is refused before any lookup. */
export const RefreshTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "must be a refresh token");

export interface MintedRefreshToken {
  token: string;
  hash: Buffer;
  expiresAt: Date;
}

export function hashRefreshToken(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** A new token valid for `ttlSeconds` from `now`. */
export function mintRefreshToken(now: Date, ttlSeconds: number): MintedRefreshToken {
  const token = randomBytes(TOKEN_BYTES).toString("base64url");
  return { token, hash: hashRefreshToken(token), expiresAt: new Date(now.getTime() + ttlSeconds * 1000) };
}
