// Twilio webhooks: form-encoded messages and status callbacks on one URL.
// A status callback carries MessageStatus and names our number in From; an
// incoming message names it in To. Fields Twilio adds later are ignored.
import { z } from "zod";
import type { InboundMessage } from "@fleet/contracts";
import type { BotRef, MediaKind, Normalised, ParsedWebhook, WebhookRequest, WebhookTarget } from "../provider.js";

const whatsapp = z.string().regex(/^whatsapp:\+\d{7,15}$/, "must be whatsapp:+E164").transform((value) => value.slice("whatsapp:".length));

const MessageFields = z
  .object({
    MessageSid: z.string().regex(/^(SM|MM)[0-9a-f]{32}$/),
    From: whatsapp,
    To: whatsapp,
    Body: z.string().default(""),
    NumMedia: z.coerce.number().int().min(0).max(10).default(0),
    ProfileName: z.string().optional(),
    ButtonPayload: z.string().optional(),
    ButtonText: z.string().optional(),
    Latitude: z.coerce.number().min(-90).max(90).optional(),
    Longitude: z.coerce.number().min(-180).max(180).optional(),
    Address: z.string().optional(),
    Label: z.string().optional(),
  })
  .loose();

const StatusFields = z
  .object({
    MessageSid: z.string().regex(/^(SM|MM)[0-9a-f]{32}$/),
    MessageStatus: z.string(),
    From: whatsapp,
    To: whatsapp,
    ErrorCode: z.string().optional(),
  })
  .loose();

const MEDIA_SID = /\/Messages\/(MM[0-9a-f]{32})\/Media\/(ME[0-9a-f]{32})$/;

function formOf(rawBody: Buffer): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(rawBody.toString("utf8")));
}

/** A status callback (about a message we sent) rather than a message from a contact. */
const isStatusCallback = (form: Record<string, string>) => form.MessageStatus !== undefined && form.MessageStatus !== "received";
const ourNumber = (form: Record<string, string>) => (isStatusCallback(form) ? form.From : form.To);

export function twilioTarget(request: WebhookRequest): WebhookTarget | null {
  const parsed = whatsapp.safeParse(ourNumber(formOf(request.rawBody)));
  return parsed.success ? { by: "routing_key", routingKey: parsed.data } : null;
}

function problemOf(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "item"}: ${issue.message}`)
    .join("; ");
}

function mediaKindOf(mimeType: string): MediaKind {
  if (mimeType.startsWith("image/")) return mimeType === "image/webp" ? "sticker" : "image";
  if (mimeType.startsWith("audio/")) return "audio";
  if (mimeType.startsWith("video/")) return "video";
  return "document";
}

function normaliseMessage(form: Record<string, string>, bot: BotRef, receivedAt: string): Normalised {
  const parsed = MessageFields.safeParse(form);
  if (!parsed.success) return { ok: false, reason: "malformed", type: "message", problem: problemOf(parsed.error) };
  const m = parsed.data;
  const base = {
    v: 1 as const,
    kind: "message" as const,
    id: `twilio:${m.MessageSid}`,
    tenantId: bot.tenantId,
    botId: bot.botId,
    // Twilio's inbound webhooks carry no time of their own.
    occurredAt: receivedAt,
    provider: "twilio" as const,
    providerMessageId: m.MessageSid,
    from: m.From.slice(1),
    ...(m.ProfileName ? { contactName: m.ProfileName } : {}),
  };
  let content: Pick<InboundMessage, "type" | "text" | "media" | "location" | "replyId">;
  if (m.ButtonPayload !== undefined) {
    content = { type: "button_reply", replyId: m.ButtonPayload, text: m.ButtonText ?? m.Body };
  } else if (m.NumMedia > 0) {
    const url = form.MediaUrl0 ?? "";
    const sids = MEDIA_SID.exec(url);
    const mimeType = form.MediaContentType0 ?? "application/octet-stream";
    if (!sids) return { ok: false, reason: "malformed", type: "media", problem: "MediaUrl0: not a Twilio media URL" };
    const kind = mediaKindOf(mimeType);
    content = { type: "media", ...(m.Body ? { text: m.Body } : {}), media: { kind, providerMediaId: `${sids[1]}${sids[2]}`, mimeType, ...(m.Body ? { caption: m.Body } : {}) } };
  } else if (m.Latitude !== undefined && m.Longitude !== undefined) {
    content = { type: "location", location: { latitude: m.Latitude, longitude: m.Longitude, ...(m.Label ? { name: m.Label } : {}), ...(m.Address ? { address: m.Address } : {}) } };
  } else if (m.Body !== "") {
    content = { type: "text", text: m.Body };
  } else {
    return { ok: false, reason: "unsupported_type", type: form.MessageType ?? "unknown" };
  }
  return { ok: true, entry: { ...base, ...content } };
}

const STATUSES: Record<string, "sent" | "delivered" | "read" | "failed"> = { sent: "sent", delivered: "delivered", read: "read", failed: "failed", undelivered: "failed" };

function normaliseStatus(form: Record<string, string>, bot: BotRef, receivedAt: string): Normalised {
  const parsed = StatusFields.safeParse(form);
  if (!parsed.success) return { ok: false, reason: "malformed", type: "status", problem: problemOf(parsed.error) };
  const s = parsed.data;
  const status = STATUSES[s.MessageStatus];
  // queued, accepted, sending: steps before WhatsApp has it.
  if (!status) return { ok: false, reason: "ignored", type: `status:${s.MessageStatus}`.slice(0, 32) };
  return {
    ok: true,
    entry: {
      v: 1,
      kind: "status",
      id: `twilio:${s.MessageSid}:${s.MessageStatus}`,
      tenantId: bot.tenantId,
      botId: bot.botId,
      occurredAt: receivedAt,
      provider: "twilio",
      providerMessageId: s.MessageSid,
      recipient: s.To.slice(1),
      status,
      ...(s.ErrorCode ? { errors: [{ code: s.ErrorCode }] } : {}),
    },
  };
}

export function parseTwilioWebhook(rawBody: Buffer): ParsedWebhook {
  const form = formOf(rawBody);
  if (!form.MessageSid) return { ok: false, reason: "not_a_notification", problem: "Not a Twilio webhook: MessageSid is missing" };
  const receivedAt = new Date().toISOString();
  const routingKey = ourNumber(form)?.replace(/^whatsapp:/, "");
  const isStatus = isStatusCallback(form);
  return {
    ok: true,
    batches: [
      {
        ...(routingKey ? { routingKey } : {}),
        items: [{ raw: form, normalise: (bot: BotRef) => (isStatus ? normaliseStatus(form, bot, receivedAt) : normaliseMessage(form, bot, receivedAt)) }],
      },
    ],
  };
}
