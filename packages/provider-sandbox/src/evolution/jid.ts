// WhatsApp addressing as Evolution does it: `createJid` turns whatever the caller sent as `number`
// into a JID (strips +, spaces and brackets, keeps JIDs as they are, treats long ids as groups and
// applies the Mexican, Argentinian and Brazilian mobile-prefix rules), and message ids carry the
// sending device the way Baileys' getDevice reads them.
import { randomBytes } from "node:crypto";

export const USER_SERVER = "s.whatsapp.net";

export function createJid(input: string): string {
  const withoutDevice = input.replace(/:\d+/, "");
  if (["@g.us", "@s.whatsapp.net", "@lid", "@broadcast"].some((suffix) => withoutDevice.includes(suffix))) return withoutDevice;

  const bare = (withoutDevice.replace(/[\s+()]/g, "").split(":")[0] ?? "").split("@")[0] ?? "";
  if (bare.includes("-") && bare.length >= 23) return `${bare.replace(/[^\d-]/g, "")}@g.us`;

  const digits = bare.replace(/\D/g, "");
  if (digits.length >= 18) return `${digits}@g.us`;
  return `${brazilianMobile(mexicanOrArgentinianMobile(digits))}@${USER_SERVER}`;
}

/** 52 (MX) and 54 (AR) numbers of 13 digits lose the mobile marker after the country code. */
function mexicanOrArgentinianMobile(digits: string): string {
  const country = digits.slice(0, 2);
  return (country === "52" || country === "54") && digits.length === 13 ? country + digits.slice(3) : digits;
}

/** 13-digit Brazilian numbers drop the ninth digit unless the area code is below 31 or the subscriber number starts below 7. */
function brazilianMobile(digits: string): string {
  const match = /^(\d{2})(\d{2})\d(\d{8})$/.exec(digits);
  if (match === null || match[1] !== "55") return digits;
  const [, country = "", area = "", subscriber = ""] = match;
  return Number(subscriber[0]) < 7 || Number(area) < 31 ? digits : country + area + subscriber;
}

export function userOf(jid: string): string {
  return jid.split("@")[0] ?? jid;
}

export const isUserJid = (jid: string): boolean => jid.endsWith(`@${USER_SERVER}`);
export const isLidJid = (jid: string): boolean => jid.endsWith("@lid");
export const isGroupJid = (jid: string): boolean => jid.endsWith("@g.us");

const hex = (bytes: number): string => randomBytes(bytes).toString("hex").toUpperCase();

/** Ids Baileys gives messages this instance sends ("3EB0" + 18 hex digits; read as "web"). */
export const newOutgoingMessageId = (): string => `3EB0${hex(9)}`;

/** Ids of messages typed on phones: Android uses 32 hex digits, iOS "3A" + 18. */
export function newPhoneMessageId(device: "android" | "ios" = "android"): string {
  return device === "ios" ? `3A${hex(9)}` : hex(16);
}

/** Baileys' getDevice: the sender's platform, guessed from the shape of the message id. */
export function deviceOf(id: string): "ios" | "web" | "android" | "desktop" | "unknown" {
  if (/^3A.{18}$/.test(id)) return "ios";
  if (/^3E.{20}$/.test(id)) return "web";
  if (/^(.{21}|.{32})$/.test(id)) return "android";
  if (/^(3F|.{18}$)/.test(id)) return "desktop";
  return "unknown";
}
