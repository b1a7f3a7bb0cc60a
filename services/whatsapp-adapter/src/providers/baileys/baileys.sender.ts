// Sends through the bot's own linked session (sessions/baileys/), with the
// human-like pacing WhatsApp expects of a linked phone: "typing…" for a
// jittered time proportional to the message's length, capped. The fleet-wide
// rate per number (about one message a second) is the send use case's pacer.
// Baileys fetches media URLs itself, from inside the fleet's network: only
// public http(s) hosts are accepted (never loopback or private addresses).
import { isIP } from "node:net";
import type { AnyMessageContent } from "@whiskeysockets/baileys";
import { AppError } from "@fleet/service-kit";
import type { MessageSender, OutboundContent, ProviderAccount, SendRequest } from "../provider.js";
import type { BaileysSessions } from "../../sessions/baileys/baileys-sessions.js";

export interface TypingPolicy {
  msPerChar: number;
  /** Longest "typing…" before a message; a bot's `typing_max_ms` setting may lower it (0: no typing). */
  maxMs: number;
}

export interface BaileysSenderOptions {
  sessions: Pick<BaileysSessions, "send" | "has">;
  typing: TypingPolicy;
  /** Lets media URLs use plain http (tests); https only otherwise. */
  allowHttpMedia: boolean;
  /** Why a send landed on a replica that does not run the bot's session (e.g. who runs it). */
  notHere(botId: string): Promise<AppError>;
  random?: () => number;
}

/** "5215512345678" → its JID; JIDs (phone or LID) as they are. */
export function recipientJid(recipient: string): string {
  return /^\d{5,20}$/.test(recipient) ? `${recipient}@s.whatsapp.net` : recipient;
}

const PRIVATE_V4 = [/^10\./, /^127\./, /^0\./, /^169\.254\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./];

/** Why Baileys must not fetch `value`, or null. Host names resolving to private addresses are not caught here. */
export function mediaUrlProblem(value: string, allowHttp: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "media url is not a URL";
  }
  if (url.protocol !== "https:" && !(allowHttp && url.protocol === "http:")) return "media url must be https";
  if (url.username || url.password) return "media url must not carry credentials";
  if (allowHttp) return null;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host.endsWith(".internal") || host.endsWith(".local")) return "media url must name a public host";
  const ipVersion = isIP(host);
  if (ipVersion === 4 && PRIVATE_V4.some((range) => range.test(host))) return "media url must name a public host";
  if (ipVersion === 6 && (host === "::1" || host === "::" || /^f[cd]|^fe[89ab]|^::ffff:/.test(host))) return "media url must name a public host";
  return null;
}

function vcard(name: string, phone: string): string {
  const digits = phone.replace(/\D/g, "");
  return ["BEGIN:VCARD", "VERSION:3.0", `FN:${name.replace(/[\r\n]/g, " ")}`, `TEL;type=CELL;type=VOICE;waid=${digits}:+${digits}`, "END:VCARD"].join("\n");
}

function badContent(message: string): AppError {
  return new AppError("invalid_argument", "BAILEYS_CONTENT_INVALID", message);
}

/** The Baileys message content of what the fleet sends (buttons, lists and templates were degraded to text before). */
export function baileysContentOf(content: OutboundContent, allowHttpMedia: boolean): AnyMessageContent {
  switch (content.type) {
    case "text":
      return { text: content.body };
    case "media": {
      if (!content.url) throw new AppError("failed_precondition", "BAILEYS_MEDIA_NEEDS_URL", "Baileys sends media by URL only");
      const problem = mediaUrlProblem(content.url, allowHttpMedia);
      if (problem) throw badContent(problem);
      const media = { url: content.url };
      const caption = content.caption ? { caption: content.caption } : {};
      switch (content.kind) {
        case "image":
          return { image: media, ...caption };
        case "video":
          return { video: media, ...caption };
        case "audio":
          return { audio: media, mimetype: "audio/mpeg" };
        case "sticker":
          return { sticker: media };
        case "document":
          return { document: media, mimetype: "application/octet-stream", ...(content.filename ? { fileName: content.filename } : {}), ...caption };
      }
      break;
    }
    case "location":
      return { location: { degreesLatitude: content.latitude, degreesLongitude: content.longitude, ...(content.name ? { name: content.name } : {}), ...(content.address ? { address: content.address } : {}) } };
    case "contacts":
      return {
        contacts: {
          displayName: content.contacts.length === 1 ? content.contacts[0]?.name : `${content.contacts.length} contacts`,
          contacts: content.contacts.map((card) => ({ displayName: card.name, vcard: card.phones.map((phone) => vcard(card.name, phone)).join("\n") })),
        },
      };
    case "buttons":
    case "list":
    case "template":
      break;
  }
  throw new AppError("failed_precondition", "PROVIDER_CANNOT_SEND", `Baileys cannot send ${content.type} messages`);
}

function lengthOf(content: OutboundContent): number {
  if (content.type === "text") return content.body.length;
  if (content.type === "media") return content.caption?.length ?? 0;
  return 20;
}

export function createBaileysSender({ sessions, typing, allowHttpMedia, notHere, random = Math.random }: BaileysSenderOptions): MessageSender {
  function typingMs(account: ProviderAccount, content: OutboundContent): number {
    const configured = account.settings.typing_max_ms === undefined ? typing.maxMs : Math.min(typing.maxMs, Number(account.settings.typing_max_ms));
    if (!(configured > 0)) return 0;
    const natural = Math.max(400, lengthOf(content) * typing.msPerChar);
    // Jittered by ±30 %, so consecutive messages never show the same rhythm.
    return Math.round(Math.min(configured, natural * (0.7 + random() * 0.6)));
  }

  return {
    async send(account: ProviderAccount, request: SendRequest): Promise<{ providerMessageId: string }> {
      const botId = request.botId;
      if (!botId) throw new AppError("internal", "BAILEYS_SEND_WITHOUT_BOT", "A Baileys send must name its bot");
      const content = baileysContentOf(request.content, allowHttpMedia);
      if (!sessions.has(botId)) throw await notHere(botId);
      const providerMessageId = await sessions.send(botId, recipientJid(request.recipient), content, { typingMs: typingMs(account, request.content) });
      return { providerMessageId };
    },
  };
}
