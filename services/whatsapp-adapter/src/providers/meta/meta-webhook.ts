// Cloud API webhooks: signature check over the raw bytes, the envelope schema,
// and normalisation of messages and statuses into the fleet's stream entries.
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { DeliveryStatus, InboundMessage } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";

/** Throws unless `header` is `sha256=<hex HMAC-SHA256(appSecret, rawBody)>`. */
export function verifyMetaSignature(appSecret: string, rawBody: Buffer, header: string | undefined): void {
  if (!header) throw new AppError("unauthenticated", "SIGNATURE_MISSING", "X-Hub-Signature-256 header is required");
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  const expected = createHmac("sha256", appSecret).update(rawBody).digest();
  const given = match?.[1] ? Buffer.from(match[1], "hex") : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError("permission_denied", "SIGNATURE_INVALID", "Webhook signature does not match");
  }
}

/** 9999-12-31T23:59:59Z: later instants have no ISO-8601 form the stream schema accepts (or none at all). */
const MAX_UNIX_SECONDS = 253_402_300_799;

/** Unix seconds as Meta sends them; one no ISO date can hold is a malformed item, not a crash. */
const unixSeconds = z
  .string()
  .regex(/^\d+$/)
  .refine((seconds) => Number(seconds) <= MAX_UNIX_SECONDS, "timestamp out of range");

const MessageSchema = z
  .object({
    from: z.string().min(1),
    id: z.string().min(1),
    timestamp: unixSeconds,
    type: z.string(),
    text: z.object({ body: z.string() }).optional(),
    interactive: z
      .object({
        type: z.string(),
        button_reply: z.object({ id: z.string(), title: z.string() }).optional(),
        list_reply: z.object({ id: z.string(), title: z.string(), description: z.string().optional() }).optional(),
      })
      .optional(),
    button: z.object({ payload: z.string().optional(), text: z.string() }).optional(),
  })
  .loose();

const StatusSchema = z
  .object({
    id: z.string().min(1),
    status: z.enum(["sent", "delivered", "read", "failed"]),
    timestamp: unixSeconds,
    recipient_id: z.string(),
    errors: z.array(z.object({ code: z.number(), title: z.string().optional() }).loose()).optional(),
  })
  .loose();

const ChangeSchema = z
  .object({
    field: z.string(),
    value: z
      .object({
        metadata: z.object({ phone_number_id: z.string(), display_phone_number: z.string().optional() }).loose().optional(),
        contacts: z.array(z.object({ wa_id: z.string(), profile: z.object({ name: z.string() }).loose().optional() }).loose()).optional(),
        messages: z.array(z.unknown()).optional(),
        statuses: z.array(z.unknown()).optional(),
      })
      .loose(),
  })
  .loose();

export const MetaWebhookSchema = z
  .object({
    object: z.string(),
    entry: z.array(z.object({ id: z.string().optional(), changes: z.array(ChangeSchema) }).loose()),
  })
  .loose();
export type MetaWebhook = z.infer<typeof MetaWebhookSchema>;
export type MetaChange = z.infer<typeof ChangeSchema>;

export interface BotRef {
  botId: string;
  tenantId: string;
}

export type Normalised =
  | { ok: true; entry: InboundMessage | DeliveryStatus }
  | { ok: false; reason: "unsupported_type"; type: string }
  /** `problem`: which field is wrong and how (never its value). */
  | { ok: false; reason: "malformed"; type: string; problem: string };

function problemOf(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "item"}: ${issue.message}`)
    .join("; ");
}

function isoFromUnix(seconds: string): string {
  return new Date(Number(seconds) * 1000).toISOString();
}

export function normaliseMessage(bot: BotRef, raw: unknown, contactNames: Map<string, string>): Normalised {
  const parsed = MessageSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: "malformed", type: "unknown", problem: problemOf(parsed.error) };
  const m = parsed.data;
  const base = {
    v: 1 as const,
    kind: "message" as const,
    id: `meta:${m.id}`,
    tenantId: bot.tenantId,
    botId: bot.botId,
    occurredAt: isoFromUnix(m.timestamp),
    provider: "meta" as const,
    providerMessageId: m.id,
    from: m.from,
    ...(contactNames.has(m.from) ? { contactName: contactNames.get(m.from) } : {}),
  };
  if (m.type === "text" && m.text) return { ok: true, entry: { ...base, type: "text", text: m.text.body } };
  const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
  if (m.type === "interactive" && reply) {
    return { ok: true, entry: { ...base, type: m.interactive?.button_reply ? "button_reply" : "list_reply", replyId: reply.id, text: reply.title } };
  }
  if (m.type === "button" && m.button) return { ok: true, entry: { ...base, type: "button_reply", replyId: m.button.payload ?? m.button.text, text: m.button.text } };
  return { ok: false, reason: "unsupported_type", type: m.type };
}

export function normaliseStatus(bot: BotRef, raw: unknown): Normalised {
  const parsed = StatusSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: "malformed", type: "status", problem: problemOf(parsed.error) };
  const s = parsed.data;
  return {
    ok: true,
    entry: {
      v: 1,
      kind: "status",
      // A message moves through several statuses: each is its own entry.
      id: `meta:${s.id}:${s.status}`,
      tenantId: bot.tenantId,
      botId: bot.botId,
      occurredAt: isoFromUnix(s.timestamp),
      provider: "meta",
      providerMessageId: s.id,
      recipient: s.recipient_id,
      status: s.status,
      ...(s.errors ? { errors: s.errors.map((e) => ({ code: String(e.code), ...(e.title ? { title: e.title } : {}) })) } : {}),
    },
  };
}
