// Password hashing with node:crypto scrypt. Stored as `scrypt$N$r$p$salt$hash`
// (salt and hash base64url) so the cost can be raised later while old hashes
// still verify.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

const SCHEME = "scrypt";
/** 2^15 × r=8 → 32 MiB and roughly 0.1 s per hash: slow for guessing, fine for one login. */
const DEFAULT_COST = { N: 2 ** 15, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Bounds on parameters read back from storage, so a corrupt row cannot make a login allocate gigabytes. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function derive(password: string, salt: Buffer, keyLength: number, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 128 * cost.N * cost.r * 2 + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;
}

function parse(stored: string): ParsedHash | null {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== SCHEME) return null;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  if (!isPowerOfTwo(N) || N > MAX_N || !Number.isInteger(R) || R < 1 || R > MAX_R || !Number.isInteger(P) || P < 1 || P > MAX_P) return null;
  const saltBytes = Buffer.from(salt, "base64url");
  const hashBytes = Buffer.from(hash, "base64url");
  if (saltBytes.length < 8 || hashBytes.length < 16) return null;
  return { N, r: R, p: P, salt: saltBytes, hash: hashBytes };
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, DEFAULT_COST);
  return [SCHEME, DEFAULT_COST.N, DEFAULT_COST.r, DEFAULT_COST.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** True when `password` matches `stored`; false for a wrong password or an unreadable hash. Compares in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.hash.length, parsed);
  return timingSafeEqual(key, parsed.hash);
}

/**
 * A hash of a random password nobody kept, with the default cost (regenerate it
 * when the cost changes; a test checks). A constant, so the first unknown email
 * costs the same as every later one.
 */
export const DUMMY_HASH = "scrypt$32768$8$1$IlpcSV4fJGovUdeY0zhBTQ$3XYxAX1bd620yP0-h03sYq3HEYBpvV8hd4-_D9rGrCA";

/**
 * Spends the same time as verifying a real password, for logins whose email
 * matches no user: the response time must not tell which emails exist.
 */
export async function verifyDummyPassword(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_HASH);
  return false;
}
