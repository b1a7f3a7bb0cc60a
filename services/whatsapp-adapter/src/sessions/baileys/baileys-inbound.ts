// What a Baileys message is to the fleet: a WAMessage received by a linked
// session → the fleet's InboundMessage (the same shape every provider's
// webhook produces), and who sent it. Contacts may be addressed by LID
// (`<id>@lid`): the sender's phone comes from the key's alternate JID or the
// stored LID↔phone mapping, and is never guessed from the LID itself.
// Baileys' JID and message helpers come with the library, loaded on first
// need (baileys-library.ts): the functions here are made from it.
import type { WAMessage, proto } from "@whiskeysockets/baileys";
import type { InboundMessage } from "@fleet/contracts";
import type { BotRef, MediaKind } from "../../providers/provider.js";
import type { BaileysLibrary } from "./baileys-library.js";

export type BaileysContent = Pick<InboundMessage, "type" | "text" | "media" | "location" | "contacts" | "reaction" | "replyId">;

/** What this file uses of the library. */
export type BaileysMessageTools = Pick<
  BaileysLibrary,
  "getContentType" | "isJidBroadcast" | "isJidGroup" | "isJidNewsletter" | "isJidStatusBroadcast" | "isLidUser" | "jidDecode" | "jidNormalizedUser" | "normalizeMessageContent"
>;

const MEDIA: Record<string, MediaKind> = {
  imageMessage: "image",
  videoMessage: "video",
  audioMessage: "audio",
  documentMessage: "document",
  documentWithCaptionMessage: "document",
  stickerMessage: "sticker",
  ptvMessage: "video",
};

/** Phone numbers of a vCard (TEL lines; WhatsApp adds `waid=<digits>`). */
function vcardPhones(vcard: string | null | undefined): string[] {
  if (!vcard) return [];
  const phones: string[] = [];
  for (const line of vcard.split(/\r?\n/)) {
    if (!/^(item\d+\.)?TEL/i.test(line)) continue;
    const waid = /waid=(\d+)/i.exec(line)?.[1];
    const value = line.slice(line.lastIndexOf(":") + 1).replace(/[^\d+]/g, "");
    const phone = waid ? `+${waid}` : value;
    if (/^\+?\d{5,20}$/.test(phone)) phones.push(phone);
  }
  return phones;
}

function contactCard(card: proto.Message.IContactMessage | null | undefined): { name: string; phones: string[] } | null {
  if (!card) return null;
  return { name: card.displayName ?? "", phones: vcardPhones(card.vcard) };
}

function optional<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null && v !== "")) as T;
}

/** The id every replica gives one Baileys message, so a redelivery (or a second socket) is appended once. */
export function baileysEntryId(botId: string, messageId: string): string {
  return `baileys:${botId}:${messageId}`;
}

/** Baileys' messages read with the library's helpers. */
export function baileysMessages({ getContentType, isJidBroadcast, isJidGroup, isJidNewsletter, isJidStatusBroadcast, isLidUser, jidDecode, jidNormalizedUser, normalizeMessageContent }: BaileysMessageTools) {
  /** The user part of a JID ("5215512345678:12@s.whatsapp.net" → "5215512345678"). */
  function jidUser(jid: string | null | undefined): string | undefined {
    if (!jid) return undefined;
    return jidDecode(jid)?.user;
  }

  function isPhoneJid(jid: string | null | undefined): jid is string {
    return typeof jid === "string" && /@s\.whatsapp\.net$/.test(jid) && /^\d{5,20}$/.test(jidUser(jid) ?? "");
  }

  /** Chats the bot does not talk in: status updates, broadcasts, newsletters. */
  function isNotAChat(jid: string): boolean {
    return isJidStatusBroadcast(jid) || isJidBroadcast(jid) || isJidNewsletter(jid) === true;
  }

  function isGroup(jid: string): boolean {
    return isJidGroup(jid) === true;
  }

  /** The sender's JIDs in a chat: its own (phone or LID) and the alternate Baileys 7 reports beside it. */
  function senderJids(message: WAMessage): { jid: string | undefined; alt: string | undefined } {
    const key = message.key;
    if (key.remoteJid && isGroup(key.remoteJid)) return { jid: key.participant ?? undefined, alt: key.participantAlt };
    return { jid: key.remoteJid ?? undefined, alt: key.remoteJidAlt };
  }

  /** A LID and the phone it stands for, when the key names both. */
  function lidPhonePair(message: WAMessage): { lid: string; phone: string } | null {
    const { jid, alt } = senderJids(message);
    if (jid && alt) {
      if (isLidUser(jid) && isPhoneJid(alt)) return { lid: jid, phone: alt };
      if (isPhoneJid(jid) && isLidUser(alt)) return { lid: alt, phone: jid };
    }
    return null;
  }

  /** The content of a message; null when it carries nothing for a conversation (protocol and key-distribution messages). */
  function contentOf(raw: proto.IMessage | null | undefined): BaileysContent | null {
    const message = normalizeMessageContent(raw);
    if (!message) return null;
    const type = getContentType(message);
    if (!type) return null;
    if (type === "conversation") return { type: "text", text: message.conversation ?? "" };
    if (type === "extendedTextMessage") return { type: "text", text: message.extendedTextMessage?.text ?? "" };
    const mediaKind = MEDIA[type];
    if (mediaKind) {
      const media =
        type === "documentWithCaptionMessage"
          ? message.documentWithCaptionMessage?.message?.documentMessage
          : (message[type as "imageMessage" | "videoMessage" | "audioMessage" | "documentMessage" | "stickerMessage" | "ptvMessage"] as
              | (proto.Message.IImageMessage & proto.Message.IDocumentMessage)
              | null
              | undefined);
      const caption = media?.caption ?? undefined;
      return {
        type: "media",
        ...(caption ? { text: caption } : {}),
        media: optional({ kind: mediaKind, mimeType: media?.mimetype ?? undefined, caption, filename: media?.fileName ?? undefined }),
      };
    }
    if (type === "locationMessage" || type === "liveLocationMessage") {
      const location = type === "locationMessage" ? message.locationMessage : message.liveLocationMessage;
      const latitude = location?.degreesLatitude;
      const longitude = location?.degreesLongitude;
      if (typeof latitude !== "number" || typeof longitude !== "number" || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return { type: "unsupported" };
      const named = type === "locationMessage" ? message.locationMessage : null;
      return { type: "location", location: optional({ latitude, longitude, name: named?.name ?? undefined, address: named?.address ?? undefined }) };
    }
    if (type === "contactMessage") {
      const card = contactCard(message.contactMessage);
      return card ? { type: "contacts", contacts: [card] } : { type: "unsupported" };
    }
    if (type === "contactsArrayMessage") {
      const cards = (message.contactsArrayMessage?.contacts ?? []).map(contactCard).filter((card): card is { name: string; phones: string[] } => card !== null);
      return { type: "contacts", contacts: cards };
    }
    if (type === "buttonsResponseMessage") {
      const reply = message.buttonsResponseMessage;
      return { type: "button_reply", ...optional({ text: reply?.selectedDisplayText ?? undefined, replyId: reply?.selectedButtonId ?? undefined }) };
    }
    if (type === "templateButtonReplyMessage") {
      const reply = message.templateButtonReplyMessage;
      return { type: "button_reply", ...optional({ text: reply?.selectedDisplayText ?? undefined, replyId: reply?.selectedId ?? undefined }) };
    }
    if (type === "listResponseMessage") {
      const reply = message.listResponseMessage;
      return { type: "list_reply", ...optional({ text: reply?.title ?? undefined, replyId: reply?.singleSelectReply?.selectedRowId ?? undefined }) };
    }
    if (type === "reactionMessage") {
      const reaction = message.reactionMessage;
      const target = reaction?.key?.id;
      return target ? { type: "reaction", reaction: { providerMessageId: target, emoji: reaction?.text ?? "" } } : { type: "unsupported" };
    }
    if (type === "protocolMessage" || type === "senderKeyDistributionMessage" || type === "messageContextInfo") return null;
    return { type: "unsupported" };
  }

  /** The InboundMessage of a contact's message; null when it has no content for the conversation. */
  function inboundMessageOf(message: WAMessage, bot: BotRef, from: string, receivedAt: Date): InboundMessage | null {
    const id = message.key.id;
    if (!id) return null;
    const content = contentOf(message.message);
    if (!content) return null;
    const seconds = Number(message.messageTimestamp ?? 0);
    const occurredAt = seconds > 0 ? new Date(seconds * 1000) : receivedAt;
    return {
      v: 1,
      kind: "message",
      id: baileysEntryId(bot.botId, id),
      tenantId: bot.tenantId,
      botId: bot.botId,
      occurredAt: occurredAt.toISOString(),
      provider: "baileys",
      providerMessageId: id,
      from,
      ...(message.pushName ? { contactName: message.pushName } : {}),
      ...content,
    };
  }

  return { jidUser, isPhoneJid, isNotAChat, isGroup, isLidUser: (jid: string) => isLidUser(jid) === true, jidNormalizedUser, senderJids, lidPhonePair, contentOf, inboundMessageOf };
}

export type BaileysMessages = ReturnType<typeof baileysMessages>;
