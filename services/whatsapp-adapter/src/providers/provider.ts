// What a provider is to the adapter: one descriptor per provider folder
// (`providers/<kind>/`) with its settings schema, secret names, default rate,
// capabilities, sender, webhook reader and connection check. `compose.ts`
// lists the descriptors; the use cases only ever see this interface.
import type { DeliveryStatus, InboundMessage, ProviderKindName } from "@fleet/contracts";
import type { z } from "zod";
import { AppError, type AppErrorOptions } from "@fleet/service-kit";

export type MediaKind = "image" | "document" | "audio" | "video" | "sticker";

export interface ReplyOption {
  /** What comes back when the contact chooses it (a button id or list row id). */
  id: string;
  title: string;
  description?: string;
}

export type OutboundContent =
  | { type: "text"; body: string; previewUrl: boolean }
  /** By `url`, or a file `uploaded` earlier to one provider (then sent through that provider only). */
  | { type: "media"; kind: MediaKind; url?: string; uploaded?: { provider: ProviderKindName; mediaId: string }; caption?: string; filename?: string }
  | { type: "buttons"; body: string; header?: string; footer?: string; buttons: ReplyOption[] }
  | { type: "list"; body: string; header?: string; footer?: string; button: string; sections: { title?: string; rows: ReplyOption[] }[] }
  /** A template approved for the account; `parameters` fill the body's {{1}}, {{2}}… in order. */
  | { type: "template"; name: string; language: string; parameters: string[] }
  | { type: "location"; latitude: number; longitude: number; name?: string; address?: string }
  | { type: "contacts"; contacts: { name: string; phones: string[] }[] };

export type OutboundType = OutboundContent["type"];

export interface SendRequest {
  recipient: string;
  content: OutboundContent;
  replyToProviderMessageId?: string;
  /** The bot sending: providers with a session per bot (Baileys) send through that bot's session. */
  botId?: string;
}

export interface ProviderAccount {
  settings: Record<string, string>;
  secrets: Record<string, string>;
}

export interface MessageSender {
  /**
   * Sends one message; throws AppError (retryable or not) on failure, and MaybeSentError when the
   * failure came after the provider may have accepted the message.
   */
  send(account: ProviderAccount, request: SendRequest, signal: AbortSignal): Promise<{ providerMessageId: string }>;
}

/**
 * A send failure after which the provider may or may not have accepted the message (a timeout, a
 * connection lost after the request was written, a success answer without a message id). Sending
 * it again, here or through another provider, could deliver it twice: it is never retried, and the
 * idempotency key remembers it as ambiguous.
 */
export class MaybeSentError extends AppError {
  constructor(
    readonly provider: ProviderKindName,
    code: string,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super("unavailable", code, message, options);
  }
}

export function isMaybeSent(error: unknown): error is MaybeSentError {
  return error instanceof MaybeSentError;
}

/** What a provider can deliver as such; anything else is degraded to text before sending (see degrade.ts). */
export type Capabilities = Record<OutboundType, boolean>;

/** A webhook request as a provider sent it: the raw bytes (signatures are over them) and where it came in. */
export interface WebhookRequest {
  rawBody: Buffer;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The path segment after `/webhooks/<kind>/`, for providers whose webhook URL names the bot. */
  key?: string;
  /** The public URL the provider called (signatures over the URL must not trust the Host header). */
  publicUrl: string;
}

/**
 * Whom a webhook claims to be for, before it is trusted:
 * - platform: one secret of ours verifies every bot's webhooks (Meta's app secret); bots are found per batch;
 * - bot: the URL names the bot (a key the adapter made, see webhook-keys.ts);
 * - routing_key: the body names the bot's number or account.
 */
export type WebhookTarget = { by: "platform" } | { by: "bot"; botId: string } | { by: "routing_key"; routingKey: string };

export interface BotRef {
  botId: string;
  tenantId: string;
}

export type Normalised =
  | { ok: true; entry: InboundMessage | DeliveryStatus }
  /** An item of a kind the fleet does not take (e.g. Meta's "system" messages): counted and skipped. */
  | { ok: false; reason: "unsupported_type" | "ignored"; type: string }
  /** `problem`: which field is wrong and how (never its value). */
  | { ok: false; reason: "malformed"; type: string; problem: string };

export interface WebhookItem {
  /** The item as received, kept if it has to be dead-lettered. */
  raw: unknown;
  normalise(bot: BotRef): Normalised;
}

/** Items of one webhook for one bot: `routingKey` names the bot when the target is the platform. */
export interface WebhookBatch {
  routingKey?: string;
  items: WebhookItem[];
}

export type ParsedWebhook =
  | { ok: true; batches: WebhookBatch[] }
  /** The whole body is unusable: not_json, or not the provider's notification shape. */
  | { ok: false; reason: "not_json" | "not_a_notification"; problem: string };

export interface InboundProvider {
  /** Whom the request is for; null when it names no bot (answered 404, nothing kept). */
  target(request: WebhookRequest): WebhookTarget | null;
  /**
   * Throws AppError (unauthenticated / permission_denied) unless the request is authentic: with the
   * platform's secret, or with the credentials of `account` (the bot the target named).
   */
  verify(request: WebhookRequest, account: ProviderAccount | null): void | Promise<void>;
  /** Reads a verified request into batches of items. */
  parse(request: WebhookRequest): ParsedWebhook;
  /** The answer the provider expects for an accepted webhook (default: JSON). */
  answer?: { contentType: string; body: string };
}

export interface MediaFile {
  data: Buffer;
  mimeType: string;
  filename?: string;
}

export interface ConnectionCheck {
  state: "connected" | "connecting" | "awaiting_pairing" | "disconnected" | "misconfigured";
  qr?: string;
  pairingCode?: string;
  detail?: string;
}

export interface ProviderDescriptor {
  kind: ProviderKindName;
  /** Non-secret settings of a bot's provider; strict, so a typo is an error. */
  settings: z.ZodType<Record<string, string>>;
  /** Names of the write-only secrets; every one is required. */
  secrets: readonly string[];
  /** Key that routes webhooks to the bot and paces its sends (e.g. Meta's phone_number_id); null: the bot id. */
  routingKey(settings: Record<string, string>): string | null;
  /** Sends per second per routing key unless the bot's `messages_per_second` says otherwise. */
  defaultRatePerSecond: number;
  capabilities: Capabilities;
  /** Absent: the provider cannot send yet (the send falls back to the bot's next provider). */
  sender?: MessageSender;
  /** Absent: the provider has no webhooks here. */
  inbound?: InboundProvider;
  /**
   * Sets the provider up for the bot once it is configured: registers our webhook URL with the
   * provider (360dialog), creates the bot's instance (Evolution API). Throws AppError when the
   * provider refuses; absent: nothing to set up.
   */
  prepare?(account: ProviderAccount, botId: string, signal: AbortSignal): Promise<void>;
  /** Undoes prepare() when the bot is deleted (logs out and deletes the Evolution instance); best effort. */
  release?(account: ProviderAccount, botId: string, signal: AbortSignal): Promise<void>;
  /** The bytes of a contact's media by the reference its webhook gave (media.providerMediaId); absent: not available. */
  media?(account: ProviderAccount, providerMediaId: string, signal: AbortSignal): Promise<MediaFile>;
  /** Uploads a file to the account for sending by id; absent: the provider sends media by URL only. */
  upload?(account: ProviderAccount, file: MediaFile, signal: AbortSignal): Promise<string>;
  /** Marks a contact's message as read; absent: the provider has no read receipts. */
  markRead?(account: ProviderAccount, message: { providerMessageId: string; contact: string }, signal: AbortSignal): Promise<void>;
  /** The live state of an account; absent: credentials present means connected. */
  connection?(account: ProviderAccount, botId: string, signal: AbortSignal): Promise<ConnectionCheck>;
}
