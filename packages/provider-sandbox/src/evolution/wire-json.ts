// How Baileys values look once Evolution has serialised them to JSON: protobuf 64-bit integers
// become Long objects {low, high, unsigned}, and byte fields (hashes, media keys) become
// Uint8Arrays, which JSON.stringify writes as {"0": b0, "1": b1, ...}.
import { createHash, randomBytes } from "node:crypto";

export interface LongJson {
  low: number;
  high: number;
  unsigned: boolean;
}

export type BytesJson = Record<string, number>;

export function longJson(value: number, unsigned: boolean): LongJson {
  const TWO_32 = 2 ** 32;
  return { low: (value % TWO_32) | 0, high: Math.floor(value / TWO_32) | 0, unsigned };
}

export function bytesJson(bytes: Uint8Array): BytesJson {
  return Object.fromEntries(Array.from(bytes, (byte, index) => [String(index), byte]));
}

export const sha256 = (bytes: Uint8Array): Buffer => createHash("sha256").update(bytes).digest();

export const unixSeconds = (ms: number): number => Math.floor(ms / 1000);

/** Ids like the cuid() Prisma gives Evolution's rows ("c" + 24 base-36 characters). */
export function newRecordId(): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
  return `c${Array.from(randomBytes(24), (byte) => alphabet[byte % 36]).join("")}`;
}
