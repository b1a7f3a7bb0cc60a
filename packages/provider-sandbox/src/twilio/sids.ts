// Identifiers and formats of Twilio's REST API: 34-character SIDs (two-letter prefix + 32 hex
// digits), RFC 2822 dates, and WhatsApp addresses ("whatsapp:+E164").
import { randomBytes } from "node:crypto";

export type SidPrefix = "AC" | "SM" | "MM" | "ME" | "MG" | "HX" | "XE" | "RQ";

export const API_VERSION = "2010-04-01";

const E164 = /^\+[1-9]\d{6,14}$/;
const WHATSAPP_ADDRESS = /^whatsapp:(\+[1-9]\d{6,14})$/;

export function newSid(prefix: SidPrefix): string {
  return `${prefix}${randomBytes(16).toString("hex")}`;
}

export function isSid(prefix: SidPrefix, value: string): boolean {
  return new RegExp(`^${prefix}[0-9a-fA-F]{32}$`).test(value);
}

export function isE164(value: string): boolean {
  return E164.test(value);
}

/** "+15550001111" for "whatsapp:+15550001111"; undefined for anything else. */
export function whatsappNumber(address: string): string | undefined {
  return WHATSAPP_ADDRESS.exec(address)?.[1];
}

/** Accepts "+15550001111" or "whatsapp:+15550001111"; undefined when neither. */
export function toE164(value: string): string | undefined {
  const trimmed = value.trim();
  if (isE164(trimmed)) return trimmed;
  return whatsappNumber(trimmed);
}

export function whatsappAddress(e164: string): string {
  return `whatsapp:${e164}`;
}

/** "Thu, 24 Aug 2023 05:01:45 +0000", the form of every date in the 2010-04-01 API. */
export function rfc2822(epochMs: number): string {
  return new Date(epochMs).toUTCString().replace(/GMT$/, "+0000");
}
