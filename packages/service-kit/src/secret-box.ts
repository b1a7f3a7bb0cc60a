// Encryption at rest of secrets a service keeps in its database (provider credentials, tenants'
// API tokens, linked-session keys): AES-256-GCM with a key derived by HKDF from the configured key
// material. Each use names its own HKDF salt and info, so one configured key yields a different AES
// key per use and a box of one use never opens another's.
//
// Keys rotate without downtime: the box seals with the current key and writes its id into the
// value; it opens values of the current key and of every previous key still configured
// (SECRETS_ENCRYPTION_PREVIOUS_KEYS), and `isCurrent` tells a re-seal command which values to
// rewrite. Layouts: version 2 = 2 | id length(1) | key id | iv(12) | tag(16) | ciphertext;
// version 1 (before rotation existed, no id) = 1 | iv | tag | ciphertext, opened by trying each key.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { z } from "zod";
import { AppError } from "./errors.js";

const LEGACY_VERSION = 1;
const VERSION = 2;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;

const SealedSecrets = z.record(z.string(), z.string());

/** A key of the ring: its id (written into what it seals) and its material. */
export interface SecretKey {
  id: string;
  material: string;
}

/** The configured keys: the current one and those that still open what they sealed. */
export interface SecretKeyring {
  /** The configured secret (e.g. SECRETS_ENCRYPTION_KEY): new values are sealed with it. */
  keyMaterial: string;
  /** The current key's id (SECRETS_ENCRYPTION_KEY_ID); default "1". */
  keyId?: string;
  /** Keys that still open what they sealed, never seal (SECRETS_ENCRYPTION_PREVIOUS_KEYS). */
  previousKeys?: readonly SecretKey[];
}

/** A bare key material (tests, one-key setups) as a keyring. */
export function asKeyring(keys: string | SecretKeyring): SecretKeyring {
  return typeof keys === "string" ? { keyMaterial: keys } : keys;
}

export interface SecretBoxOptions extends SecretKeyring {
  /** HKDF salt and info: together they name the use, and so its derived key. Never change them for stored data. */
  salt: string;
  info: string;
}

export interface SecretBox {
  /**
   * Seals `secrets`. A `context` (e.g. the owner's id and the secret's name) is authenticated, not
   * stored: the box opens only with the same context, so a sealed value copied to another row does not open.
   */
  seal(secrets: Record<string, string>, context?: string): Buffer;
  /** Opens a sealed value; throws SECRETS_UNREADABLE when the key, the context or the bytes do not match. */
  open(sealed: Buffer, context?: string): Record<string, string>;
  /** Whether a value is sealed with the current key (else a re-seal should rewrite it). */
  isCurrent(sealed: Buffer): boolean;
}

/**
 * Parses SECRETS_ENCRYPTION_PREVIOUS_KEYS: comma-separated `id:material` pairs (material of at least
 * 32 characters). Throws a message naming the bad entry by position, never its material.
 */
export function parsePreviousKeys(value: string): SecretKey[] {
  const keys: SecretKey[] = [];
  for (const [index, entry] of value.split(",").map((part) => part.trim()).filter((part) => part.length > 0).entries()) {
    const colon = entry.indexOf(":");
    const id = colon > 0 ? entry.slice(0, colon) : "";
    const material = colon > 0 ? entry.slice(colon + 1) : "";
    if (!KEY_ID.test(id)) throw new Error(`previous key ${index + 1}: the id must be 1–32 letters, digits, '.', '_' or '-' before a ':'`);
    if (material.length < 32) throw new Error(`previous key ${index + 1} (${id}): the material must be at least 32 characters`);
    keys.push({ id, material });
  }
  return keys;
}

function unreadable(reason: string, cause?: unknown): AppError {
  return new AppError("internal", "SECRETS_UNREADABLE", `Sealed secrets cannot be opened: ${reason}`, { cause });
}

export function createSecretBox({ keyMaterial, keyId = "1", previousKeys = [], salt, info }: SecretBoxOptions): SecretBox {
  if (!KEY_ID.test(keyId)) throw new Error("the secrets key id must be 1–32 letters, digits, '.', '_' or '-'");
  const derive = (material: string) => Buffer.from(hkdfSync("sha256", material, salt, info, 32));
  const key = derive(keyMaterial);
  const currentId = Buffer.from(keyId, "ascii");
  /** Every key that opens, by id; the current one first. */
  const ring = new Map<string, Buffer>([[keyId, key]]);
  for (const previous of previousKeys) if (!ring.has(previous.id)) ring.set(previous.id, derive(previous.material));

  function decryptWith(aesKey: Buffer, body: Buffer, context: string | undefined): string | null {
    if (body.length < IV_BYTES + TAG_BYTES) throw unreadable("too short");
    try {
      const decipher = createDecipheriv("aes-256-gcm", aesKey, body.subarray(0, IV_BYTES));
      decipher.setAuthTag(body.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      if (context !== undefined) decipher.setAAD(Buffer.from(context, "utf8"));
      return Buffer.concat([decipher.update(body.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      return null;
    }
  }

  function decrypt(sealed: Buffer, context: string | undefined): string {
    if (sealed.length < 1) throw unreadable("too short");
    if (sealed[0] === LEGACY_VERSION) {
      // No key id: each key of the ring is tried, the current one first.
      for (const aesKey of ring.values()) {
        const plain = decryptWith(aesKey, sealed.subarray(1), context);
        if (plain !== null) return plain;
      }
      throw unreadable("wrong key or context, or altered bytes");
    }
    if (sealed[0] !== VERSION) throw unreadable(`unknown version ${sealed[0]}`);
    const idLength = sealed[1] ?? 0;
    if (sealed.length < 2 + idLength) throw unreadable("too short");
    const id = sealed.subarray(2, 2 + idLength).toString("ascii");
    const aesKey = ring.get(id);
    if (!aesKey) throw unreadable(`sealed with key "${id}", which is not configured`);
    const plain = decryptWith(aesKey, sealed.subarray(2 + idLength), context);
    if (plain === null) throw unreadable("wrong key or context, or altered bytes");
    return plain;
  }

  return {
    seal(secrets, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      if (context !== undefined) cipher.setAAD(Buffer.from(context, "utf8"));
      const ciphertext = Buffer.concat([cipher.update(JSON.stringify(secrets), "utf8"), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION, currentId.length]), currentId, iv, cipher.getAuthTag(), ciphertext]);
    },
    isCurrent(sealed) {
      return sealed[0] === VERSION && sealed[1] === currentId.length && sealed.subarray(2, 2 + currentId.length).equals(currentId);
    },
    open(sealed, context) {
      const plain = decrypt(sealed, context);
      let value: unknown;
      try {
        value = JSON.parse(plain);
      } catch (error) {
        throw unreadable("not JSON", error);
      }
      const parsed = SealedSecrets.safeParse(value);
      if (!parsed.success) throw unreadable("not a map of strings");
      return parsed.data;
    },
  };
}
