// Encryption at rest of provider credentials: AES-256-GCM with a key derived
// from the configured secret. Layout: version(1) | iv(12) | tag(16) | ciphertext.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = 1;

export interface SecretBox {
  seal(secrets: Record<string, string>): Buffer;
  open(sealed: Buffer): Record<string, string>;
}

export function createSecretBox(keyMaterial: string): SecretBox {
  const key = Buffer.from(hkdfSync("sha256", keyMaterial, "fleet.adapter", "provider-secrets-v1", 32));
  return {
    seal(secrets) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const ciphertext = Buffer.concat([cipher.update(JSON.stringify(secrets), "utf8"), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ciphertext]);
    },
    open(sealed) {
      if (sealed[0] !== VERSION) throw new Error(`unknown secret box version ${sealed[0]}`);
      const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(1, 13));
      decipher.setAuthTag(sealed.subarray(13, 29));
      const plain = Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]).toString("utf8");
      return JSON.parse(plain) as Record<string, string>;
    },
  };
}
