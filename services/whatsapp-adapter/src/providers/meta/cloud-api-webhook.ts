// Cloud API webhooks (Meta, and BSPs that forward them as they are): the
// signature check over the raw bytes, the envelope schema, and normalisation
// of messages and statuses into the fleet's stream entries.
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { InboundMessage, ProviderKindName } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
import type { BotRef, MediaKind, Normalised, ParsedWebhook, WebhookBatch } from "../provider.js";

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

const MediaObject = z.object({ id: z.string().min(1), mime_type: z.string().optional(), sha256: z.string().optional(), caption: z.string().optional(), filename: z.string().optional() }).loose();

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
    image: MediaObject.optional(),
    document: MediaObject.optional(),
    audio: MediaObject.optional(),
    video: MediaObject.optional(),
    sticker: MediaObject.optional(),
    location: z.object({ latitude: z.coerce.number().min(-90).max(90), longitude: z.coerce.number().min(-180).max(180), name: z.string().optional(), address: z.string().optional() }).loose().optional(),
    contacts: z
      .array(z.object({ name: z.object({ formatted_name: z.string() }).loose(), phones: z.array(z.object({ phone: z.string().optional(), wa_id: z.string().optional() }).loose()).optional() }).loose())
      .optional(),
    reaction: z.object({ message_id: z.string().min(1), emoji: z.string().optional() }).loose().optional(),
  })
  .loose();

const MEDIA_KINDS = ["image", "document", "audio", "video", "sticker"] as const satisfies readonly MediaKind[];

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

function problemOf(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "item"}: ${issue.message}`)
    .join("; ");
}

function isoFromUnix(seconds: string): string {
  return new Date(Number(seconds) * 1000).toISOString();
}

type Message = z.infer<typeof MessageSchema>;

/** The entry's type-specific part, or null for a type the fleet does not take. */
function contentOf(m: Message): Pick<InboundMessage, "type" | "text" | "media" | "location" | "contacts" | "reaction" | "replyId"> | null {
  if (m.type === "text" && m.text) return { type: "text", text: m.text.body };
  const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
  if (m.type === "interactive" && reply) return { type: m.interactive?.button_reply ? "button_reply" : "list_reply", replyId: reply.id, text: reply.title };
  if (m.type === "button" && m.button) return { type: "button_reply", replyId: m.button.payload ?? m.button.text, text: m.button.text };
  const mediaKind = MEDIA_KINDS.find((kind) => kind === m.type);
  const media = mediaKind ? m[mediaKind] : undefined;
  if (mediaKind && media) {
    return {
      type: "media",
      ...(media.caption ? { text: media.caption } : {}),
      media: { kind: mediaKind, providerMediaId: media.id, ...(media.mime_type ? { mimeType: media.mime_type } : {}), ...(media.caption ? { caption: media.caption } : {}), ...(media.filename ? { filename: media.filename } : {}) },
    };
  }
  if (m.type === "location" && m.location) {
    const { latitude, longitude, name, address } = m.location;
    return { type: "location", location: { latitude, longitude, ...(name ? { name } : {}), ...(address ? { address } : {}) } };
  }
  if (m.type === "contacts" && m.contacts) {
    return { type: "contacts", contacts: m.contacts.map((c) => ({ name: c.name.formatted_name, phones: (c.phones ?? []).flatMap((p) => (p.phone ?? p.wa_id ? [p.phone ?? p.wa_id ?? ""] : [])) })) };
  }
  if (m.type === "reaction" && m.reaction) return { type: "reaction", reaction: { providerMessageId: m.reaction.message_id, emoji: m.reaction.emoji ?? "" } };
  return null;
}

export function normaliseMessage(provider: ProviderKindName, bot: BotRef, raw: unknown, contactNames: Map<string, string>): Normalised {
  const parsed = MessageSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: "malformed", type: "unknown", problem: problemOf(parsed.error) };
  const m = parsed.data;
  const content = contentOf(m);
  if (!content) return { ok: false, reason: "unsupported_type", type: m.type };
  return {
    ok: true,
    entry: {
      v: 1,
      kind: "message",
      id: `${provider}:${m.id}`,
      tenantId: bot.tenantId,
      botId: bot.botId,
      occurredAt: isoFromUnix(m.timestamp),
      provider,
      providerMessageId: m.id,
      from: m.from,
      ...(contactNames.has(m.from) ? { contactName: contactNames.get(m.from) } : {}),
      ...content,
    },
  };
}

export function normaliseStatus(provider: ProviderKindName, bot: BotRef, raw: unknown): Normalised {
  const parsed = StatusSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: "malformed", type: "status", problem: problemOf(parsed.error) };
  const s = parsed.data;
  return {
    ok: true,
    entry: {
      v: 1,
      kind: "status",
      // A message moves through several statuses: each is its own entry.
      id: `${provider}:${s.id}:${s.status}`,
      tenantId: bot.tenantId,
      botId: bot.botId,
      occurredAt: isoFromUnix(s.timestamp),
      provider,
      providerMessageId: s.id,
      recipient: s.recipient_id,
      status: s.status,
      ...(s.errors ? { errors: s.errors.map((e) => ({ code: String(e.code), ...(e.title ? { title: e.title } : {}) })) } : {}),
    },
  };
}

/**
 * A Cloud API notification body as batches per phone_number_id. Changes of other fields, or
 * without a number, carry nothing for the fleet and are left out.
 */
export function parseCloudApiWebhook(provider: ProviderKindName, rawBody: Buffer): ParsedWebhook {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString("utf8"));
  } catch {
    // The parser's message quotes the body: a fixed one instead.
    return { ok: false, reason: "not_json", problem: "Body is not JSON" };
  }
  const parsed = MetaWebhookSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: "not_a_notification", problem: `Not a Cloud API notification: ${problemOf(parsed.error)}`.slice(0, 200) };
  const batches: WebhookBatch[] = [];
  for (const entry of parsed.data.entry) {
    for (const { field, value } of entry.changes) {
      const phoneNumberId = value.metadata?.phone_number_id;
      if (field !== "messages" || !phoneNumberId) continue;
      const names = new Map((value.contacts ?? []).flatMap((c) => (c.profile?.name ? [[c.wa_id, c.profile.name] as const] : [])));
      batches.push({
        routingKey: phoneNumberId,
        items: [
          ...(value.messages ?? []).map((raw) => ({ raw, normalise: (bot: BotRef) => normaliseMessage(provider, bot, raw, names) })),
          ...(value.statuses ?? []).map((raw) => ({ raw, normalise: (bot: BotRef) => normaliseStatus(provider, bot, raw) })),
        ],
      });
    }
  }
  return { ok: true, batches };
}
