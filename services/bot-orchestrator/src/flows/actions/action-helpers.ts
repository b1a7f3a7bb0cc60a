// What the action families share: the typed shape of a runner, the keys that make each side effect
// happen once per step of an inbound entry, and phone numbers as digits.
import { createHash } from "node:crypto";
import type { z } from "zod";
import type { JsonValue } from "../language/index.js";
import type { ActionContext } from "../runtime/call-runner.js";
import type { ActionName, actionDefinitions } from "./definitions.js";

/** The input of an action after its schema (defaults applied). */
export type ActionInput<N extends ActionName> = z.output<(typeof actionDefinitions)[N]["input"]>;
export type ActionRun<N extends ActionName> = (input: ActionInput<N>, context: ActionContext) => Promise<JsonValue>;
/** The runners of a family of actions, by name. */
export type ActionRuns<N extends ActionName> = { [K in N]: ActionRun<K> };

/**
 * The idempotency key (or event id) of one side effect of a step: the step's key with a suffix.
 * A key longer than the receiver accepts is replaced by its hash, still stable across redeliveries.
 */
export function effectKey(context: Pick<ActionContext, "idempotencyKey">, suffix: string, maxLength = 180): string {
  const key = `${context.idempotencyKey}:${suffix}`;
  if (key.length <= maxLength) return key;
  const hash = createHash("sha256").update(context.idempotencyKey).digest("base64url");
  return `${hash}:${suffix}`.slice(0, maxLength);
}

/** Event ids may be longer than the gateway's keys. */
export const EVENT_ID_MAX = 256;

/** The phone digits of a WhatsApp address: "+52 1 55…", "5215…", or a JID "5215…@s.whatsapp.net" / "5215…:3@…". */
export function phoneDigits(address: string): string {
  const user = address.split(/[@:]/, 1)[0] ?? "";
  return user.replace(/\D/g, "");
}

/** A seller as the flows read it: the phone with its "+" and the wa.me link. */
export function sellerView(seller: { id: string; name: string; phone: string }): { id: string; name: string; phone: string; wa_link: string } {
  const digits = phoneDigits(seller.phone);
  return { id: seller.id, name: seller.name, phone: digits ? `+${digits}` : "", wa_link: digits ? `https://wa.me/${digits}` : "" };
}

/** A count as typed: 2, "2", " 2 ", "2️⃣", "🔟"; null when it is not a whole non-negative number. */
export function parseCount(value: number | string): number | null {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : null;
  const text = value
    .replace(/\u{1F51F}/gu, "10")
    .replace(/[\uFE0F\u20E3]/g, "")
    .trim();
  if (!/^\d{1,9}$/.test(text)) return null;
  return Number(text);
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Epoch ms of a protobuf Timestamp. */
export function timestampMs(timestamp: { seconds: bigint; nanos: number }): number {
  return Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000);
}
