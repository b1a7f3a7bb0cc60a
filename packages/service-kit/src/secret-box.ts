// Encryption at rest of secrets a service keeps in its database (provider credentials, tenants'
// API tokens): AES-256-GCM with a key derived by HKDF from the configured key material.
// Each use names its own HKDF salt and info, so one configured key yields a different AES key
// per use and a box of one use never opens another's. Layout: version(1) | iv(12) | tag(16) | ciphertext.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { z } from "zod";
import { AppError } from "./errors.js";

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

const SealedSecrets = z.record(z.string(), z.string());

export interface SecretBoxOptions {
  /** The configured secret (e.g. SECRETS_ENCRYPTION_KEY). */
  keyMaterial: string;
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
}

function unreadable(reason: string, cause?: unknown): AppError {
  return new AppError("internal", "SECRETS_UNREADABLE", `Sealed secrets cannot be opened: ${reason}`, { cause });
}

export function createSecretBox({ keyMaterial, salt, info }: SecretBoxOptions): SecretBox {
  const key = Buffer.from(hkdfSync("sha256", keyMaterial, salt, info, 32));

  function decrypt(sealed: Buffer, context: string | undefined): string {
    if (sealed.length < HEADER_BYTES) throw unreadable("too short");
    if (sealed[0] !== VERSION) throw unreadable(`unknown version ${sealed[0]}`);
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(1, 1 + IV_BYTES));
      decipher.setAuthTag(sealed.subarray(1 + IV_BYTES, HEADER_BYTES));
      if (context !== undefined) decipher.setAAD(Buffer.from(context, "utf8"));
      return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]).toString("utf8");
    } catch (error) {
      throw unreadable("wrong key or context, or altered bytes", error);
    }
  }

  return {
    seal(secrets, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      if (context !== undefined) cipher.setAAD(Buffer.from(context, "utf8"));
      const ciphertext = Buffer.concat([cipher.update(JSON.stringify(secrets), "utf8"), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ciphertext]);
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
