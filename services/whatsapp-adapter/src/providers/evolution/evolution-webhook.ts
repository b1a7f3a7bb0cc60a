// Evolution API webhooks: one JSON envelope per event. Messages a contact
// sent (messages.upsert, not fromMe) and delivery updates (messages.update)
// become stream entries; our own sends echoed back, group chats and the
// connection events are acknowledged and left out.
import { z } from "zod";
import type { InboundMessage } from "@fleet/contracts";
import type { BotRef, MediaKind, Normalised, ParsedWebhook, WebhookItem } from "../provider.js";

/** Events an instance is subscribed to when the adapter creates it. */
export const EVOLUTION_EVENTS = ["MESSAGES_UPSERT", "MESSAGES_UPDATE", "CONNECTION_UPDATE", "QRCODE_UPDATED"];

const EnvelopeSchema = z.object({ event: z.string(), instance: z.string().optional(), data: z.unknown() }).loose();

const MediaMessage = z.object({ mimetype: z.string().optional(), caption: z.string().optional(), fileName: z.string().optional() }).loose();

const UpsertSchema = z
  .object({
    key: z.object({ remoteJid: z.string().min(1), fromMe: z.boolean(), id: z.string().min(1) }).loose(),
    pushName: z.string().nullish(),
    messageTimestamp: z.coerce.number().int().positive().max(253_402_300_799).optional(),
    message: z
      .object({
        conversation: z.string().optional(),
        extendedTextMessage: z.object({ text: z.string() }).loose().optional(),
        imageMessage: MediaMessage.optional(),
        videoMessage: MediaMessage.optional(),
        audioMessage: MediaMessage.optional(),
        documentMessage: MediaMessage.optional(),
        stickerMessage: MediaMessage.optional(),
        locationMessage: z.object({ degreesLatitude: z.number().min(-90).max(90), degreesLongitude: z.number().min(-180).max(180), name: z.string().optional(), address: z.string().optional() }).loose().optional(),
        buttonsResponseMessage: z.object({ selectedButtonId: z.string(), selectedDisplayText: z.string().optional() }).loose().optional(),
        listResponseMessage: z.object({ title: z.string().optional(), singleSelectReply: z.object({ selectedRowId: z.string() }).loose() }).loose().optional(),
        reactionMessage: z.object({ key: z.object({ id: z.string() }).loose(), text: z.string().optional() }).loose().optional(),
      })
      .loose()
      .nullish(),
    messageType: z.string().optional(),
  })
  .loose();

const UpdateSchema = z
  .object({
    keyId: z.string().min(1).optional(),
    messageId: z.string().optional(),
    remoteJid: z.string().min(1),
    fromMe: z.boolean().optional(),
    status: z.string(),
  })
  .loose();

const MEDIA: [keyof NonNullable<z.infer<typeof UpsertSchema>["message"]>, MediaKind][] = [
  ["imageMessage", "image"],
  ["videoMessage", "video"],
  ["audioMessage", "audio"],
  ["documentMessage", "document"],
  ["stickerMessage", "sticker"],
];

const STATUSES: Record<string, "sent" | "delivered" | "read" | "failed"> = { SERVER_ACK: "sent", DELIVERY_ACK: "delivered", READ: "read", PLAYED: "read", ERROR: "failed" };

function problemOf(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "item"}: ${issue.message}`)
    .join("; ");
}

/** A contact's address from a JID: digits for a person, null for a group or broadcast. */
function contactOf(jid: string): string | null {
  const match = /^(\d{5,20})(:\d+)?@s\.whatsapp\.net$/.exec(jid);
  return match?.[1] ?? null;
}

function normaliseUpsert(raw: unknown, bot: BotRef, receivedAt: string): Normalised {
  const parsed = UpsertSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: "malformed", type: "messages.upsert", problem: problemOf(parsed.error) };
  const m = parsed.data;
  // Our own sends (and the phone owner typing on the phone) come back as fromMe.
  if (m.key.fromMe) return { ok: false, reason: "ignored", type: "from_me" };
  const from = contactOf(m.key.remoteJid);
  if (!from) return { ok: false, reason: "ignored", type: "group" };
  const message = m.message ?? {};
  let content: Pick<InboundMessage, "type" | "text" | "media" | "location" | "reaction" | "replyId"> | null = null;
  const text = message.conversation ?? message.extendedTextMessage?.text;
  const media = MEDIA.find(([field]) => message[field] !== undefined);
  if (message.buttonsResponseMessage) {
    content = { type: "button_reply", replyId: message.buttonsResponseMessage.selectedButtonId, ...(message.buttonsResponseMessage.selectedDisplayText ? { text: message.buttonsResponseMessage.selectedDisplayText } : {}) };
  } else if (message.listResponseMessage) {
    content = { type: "list_reply", replyId: message.listResponseMessage.singleSelectReply.selectedRowId, ...(message.listResponseMessage.title ? { text: message.listResponseMessage.title } : {}) };
  } else if (media) {
    const [field, kind] = media;
    const value = MediaMessage.parse(message[field]);
    content = {
      type: "media",
      ...(value.caption ? { text: value.caption } : {}),
      // Evolution serves a message's media by the message id (getBase64FromMediaMessage).
      media: { kind, providerMediaId: m.key.id, ...(value.mimetype ? { mimeType: value.mimetype } : {}), ...(value.caption ? { caption: value.caption } : {}), ...(value.fileName ? { filename: value.fileName } : {}) },
    };
  } else if (message.locationMessage) {
    const l = message.locationMessage;
    content = { type: "location", location: { latitude: l.degreesLatitude, longitude: l.degreesLongitude, ...(l.name ? { name: l.name } : {}), ...(l.address ? { address: l.address } : {}) } };
  } else if (message.reactionMessage) {
    content = { type: "reaction", reaction: { providerMessageId: message.reactionMessage.key.id, emoji: message.reactionMessage.text ?? "" } };
  } else if (text !== undefined) {
    content = { type: "text", text };
  }
  if (!content) return { ok: false, reason: "unsupported_type", type: (m.messageType ?? "unknown").slice(0, 32) };
  return {
    ok: true,
    entry: {
      v: 1,
      kind: "message",
      id: `evolution:${m.key.id}`,
      tenantId: bot.tenantId,
      botId: bot.botId,
      occurredAt: m.messageTimestamp ? new Date(m.messageTimestamp * 1000).toISOString() : receivedAt,
      provider: "evolution",
      providerMessageId: m.key.id,
      from,
      ...(m.pushName ? { contactName: m.pushName } : {}),
      ...content,
    },
  };
}

function normaliseUpdate(raw: unknown, bot: BotRef, receivedAt: string): Normalised {
  const parsed = UpdateSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: "malformed", type: "messages.update", problem: problemOf(parsed.error) };
  const u = parsed.data;
  const id = u.keyId ?? u.messageId;
  const status = STATUSES[u.status];
  const recipient = contactOf(u.remoteJid);
  // Updates of messages the contact sent, or steps we do not report (PENDING), are left out.
  if (!id || !status || u.fromMe === false || !recipient) return { ok: false, reason: "ignored", type: `status:${u.status}`.slice(0, 32) };
  return {
    ok: true,
    entry: { v: 1, kind: "status", id: `evolution:${id}:${status}`, tenantId: bot.tenantId, botId: bot.botId, occurredAt: receivedAt, provider: "evolution", providerMessageId: id, recipient, status },
  };
}

export function parseEvolutionWebhook(rawBody: Buffer): ParsedWebhook {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString("utf8"));
  } catch {
    return { ok: false, reason: "not_json", problem: "Body is not JSON" };
  }
  const envelope = EnvelopeSchema.safeParse(json);
  if (!envelope.success) return { ok: false, reason: "not_a_notification", problem: `Not an Evolution API event: ${problemOf(envelope.error)}`.slice(0, 200) };
  const receivedAt = new Date().toISOString();
  const { event, data, instance } = envelope.data;
  const raws = Array.isArray(data) ? data : [data];
  const kind = event.toLowerCase().replace(/_/g, ".");
  const items: WebhookItem[] = raws.map((raw) => ({
    raw,
    normalise: (bot: BotRef): Normalised =>
      kind === "messages.upsert" ? normaliseUpsert(raw, bot, receivedAt) : kind === "messages.update" ? normaliseUpdate(raw, bot, receivedAt) : { ok: false, reason: "ignored", type: kind.slice(0, 32) },
  }));
  // The instance must be the bot's own (checked against the bot the URL names).
  return { ok: true, batches: [{ ...(instance ? { routingKey: instance } : {}), items }] };
}
