// The pairing material Evolution hands out: the Baileys QR string ("2@ref,noiseKey,identityKey,
// adv"), its PNG data URL drawn by the `qrcode` package with Evolution's options, and the
// 8-character pairing code WhatsApp returns when a phone number is given.
import { randomBytes } from "node:crypto";
import QRCode from "qrcode";

/** Evolution's defaults (QRCODE_COLOR '#175197' on white, margin 3, scale 4, level H). */
export const QR_IMAGE_OPTIONS = {
  margin: 3,
  scale: 4,
  errorCorrectionLevel: "H",
  color: { light: "#ffffff", dark: "#175197" },
} as const;

export function newQrCodeString(): string {
  const b64 = (bytes: number) => randomBytes(bytes).toString("base64");
  return [`2@${b64(48)}`, b64(32), b64(32), b64(32)].join(",");
}

export function qrCodeDataUrl(code: string): Promise<string> {
  return QRCode.toDataURL(code, { ...QR_IMAGE_OPTIONS, type: "image/png" });
}

/** Baileys encodes 5 random bytes in this Crockford-like alphabet (no 0, I, O, U). */
const PAIRING_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTVWXYZ";

export function newPairingCode(): string {
  const bytes = randomBytes(5);
  let bits = 0;
  let value = 0;
  let code = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      code += PAIRING_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return code;
}
