// Plays the WhatsApp user and the provider's webhook delivery: builds Cloud API webhook payloads
// (every inbound kind: text, replies, media, location, contacts, reactions, unsupported), signs
// them with the app secret (Meta) or not (a BSP) and posts exactly those bytes to the app.
import { createHmac } from "node:crypto";
import { SandboxError } from "../shared/sandbox-error.js";
import { errorTitle } from "./graph-error.js";
import type { MediaStore } from "./media-store.js";
import type { MediaKind } from "./media-types.js";
import { digitsOf, newWamid } from "./wamid.js";

export const DEFAULT_WABA_ID = "102290129340398";

/** Which business number a webhook is about; one callback URL receives all numbers. */
export interface WebhookMetadata {
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId?: string;
}

/** A media a customer sent, as the webhook describes it; `sha256` is base64, as in webhooks. */
export interface InboundMedia {
  id: string;
  mimeType: string;
  sha256: string;
  /** image, video and document only. */
  caption?: string;
  /** document only. */
  filename?: string;
  /** audio only: true for a voice note. */
  voice?: boolean;
  /** sticker only. */
  animated?: boolean;
}

export interface InboundLocation {
  latitude: number;
  longitude: number;
  name?: string;
  address?: string;
  url?: string;
}

/** A shared contact card, in the webhook's own field names. */
export interface InboundContactCard {
  name: { formatted_name: string; first_name?: string; last_name?: string; middle_name?: string; prefix?: string; suffix?: string };
  phones?: Array<{ phone: string; wa_id?: string; type?: string }>;
  emails?: Array<{ email: string; type?: string }>;
  org?: { company?: string; department?: string; title?: string };
  urls?: Array<{ url: string; type?: string }>;
  birthday?: string;
  addresses?: Array<{ street?: string; city?: string; state?: string; zip?: string; country?: string; country_code?: string; type?: string }>;
}

export type InboundContent =
  | { text: string }
  | { buttonReply: { id: string; title: string } }
  | { listReply: { id: string; title: string; description?: string } }
  | { image: InboundMedia }
  | { document: InboundMedia }
  | { audio: InboundMedia }
  | { video: InboundMedia }
  | { sticker: InboundMedia }
  | { location: InboundLocation }
  | { contacts: InboundContactCard[] }
  | { reaction: { messageId: string; emoji: string } }
  /** A tap on a template's quick-reply button (webhook type "button"). */
  | { quickReply: { payload: string; text: string } }
  /** A kind the Cloud API does not support (a poll, a view-once media…): arrives with error 131051. */
  | { unsupported: { type?: string } };

export type InboundMessage = InboundContent & {
  from: string;
  /** Profile name shown in `contacts`. */
  name?: string;
  /** Defaults to a fresh wamid. */
  id?: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  /** The business message this one replies to (set by WhatsApp for button and list replies). */
  context?: { from: string; id: string };
};

export interface WebhookMedia {
  id: string;
  mime_type: string;
  sha256: string;
  caption?: string;
  filename?: string;
  voice?: boolean;
  animated?: boolean;
}

export type WebhookMessage = { from: string; id: string; timestamp: string; context?: { from: string; id: string } } & (
  | { type: "text"; text: { body: string } }
  | { type: "interactive"; interactive: { type: "button_reply"; button_reply: { id: string; title: string } } }
  | { type: "interactive"; interactive: { type: "list_reply"; list_reply: { id: string; title: string; description?: string } } }
  | { type: "image"; image: WebhookMedia }
  | { type: "document"; document: WebhookMedia }
  | { type: "audio"; audio: WebhookMedia }
  | { type: "video"; video: WebhookMedia }
  | { type: "sticker"; sticker: WebhookMedia }
  | { type: "location"; location: InboundLocation }
  | { type: "contacts"; contacts: InboundContactCard[] }
  | { type: "reaction"; reaction: { message_id: string; emoji: string } }
  | { type: "button"; button: { payload: string; text: string } }
  | { type: "unsupported"; errors: WebhookStatusError[]; unsupported?: { type: string } }
);

export interface WebhookStatusError {
  code: number;
  title: string;
  message: string;
  error_data: { details: string };
}

export interface WebhookStatus {
  id: string;
  status: "sent" | "delivered" | "read" | "failed";
  timestamp: string;
  recipient_id: string;
  errors?: WebhookStatusError[];
}

export interface WebhookPayload {
  object: "whatsapp_business_account";
  entry: Array<{
    id: string;
    changes: Array<{
      field: "messages";
      value: {
        messaging_product: "whatsapp";
        metadata: { display_phone_number: string; phone_number_id: string };
        contacts?: Array<{ profile: { name: string }; wa_id: string }>;
        messages?: WebhookMessage[];
        statuses?: WebhookStatus[];
      };
    }>;
  }>;
}

export interface StatusUpdate {
  /** wamid of the business message the status is about. */
  id: string;
  status: WebhookStatus["status"];
  recipientId: string;
  timestamp?: number;
  errors?: WebhookStatusError[];
}

const unixNow = () => Math.floor(Date.now() / 1000);

function envelope(meta: WebhookMetadata, value: Omit<WebhookPayload["entry"][number]["changes"][number]["value"], "messaging_product" | "metadata">): WebhookPayload {
  return {
    object: "whatsapp_business_account",
    entry: [{
      id: meta.wabaId ?? DEFAULT_WABA_ID,
      changes: [{
        field: "messages",
        value: {
          messaging_product: "whatsapp",
          metadata: { display_phone_number: digitsOf(meta.displayPhoneNumber), phone_number_id: meta.phoneNumberId },
          ...value,
        },
      }],
    }],
  };
}

/** Only the fields a kind carries, so the JSON has no stray keys. */
function toWireMedia(media: InboundMedia): WebhookMedia {
  return {
    ...(media.caption === undefined ? {} : { caption: media.caption }),
    ...(media.filename === undefined ? {} : { filename: media.filename }),
    mime_type: media.mimeType,
    sha256: media.sha256,
    id: media.id,
    ...(media.voice === undefined ? {} : { voice: media.voice }),
    ...(media.animated === undefined ? {} : { animated: media.animated }),
  };
}

function toWireMessage(message: InboundMessage): WebhookMessage {
  const from = digitsOf(message.from);
  const base = {
    from,
    id: message.id ?? newWamid(from),
    timestamp: String(message.timestamp ?? unixNow()),
    context: message.context,
  };
  if ("text" in message) return { ...base, type: "text", text: { body: message.text } };
  if ("buttonReply" in message) {
    return { ...base, type: "interactive", interactive: { type: "button_reply", button_reply: message.buttonReply } };
  }
  if ("listReply" in message) return { ...base, type: "interactive", interactive: { type: "list_reply", list_reply: message.listReply } };
  if ("image" in message) return { ...base, type: "image", image: toWireMedia(message.image) };
  if ("document" in message) return { ...base, type: "document", document: toWireMedia(message.document) };
  if ("audio" in message) return { ...base, type: "audio", audio: toWireMedia(message.audio) };
  if ("video" in message) return { ...base, type: "video", video: toWireMedia(message.video) };
  if ("sticker" in message) return { ...base, type: "sticker", sticker: toWireMedia(message.sticker) };
  if ("location" in message) return { ...base, type: "location", location: message.location };
  if ("contacts" in message) return { ...base, type: "contacts", contacts: message.contacts };
  if ("reaction" in message) {
    return { ...base, type: "reaction", reaction: { message_id: message.reaction.messageId, emoji: message.reaction.emoji } };
  }
  if ("quickReply" in message) return { ...base, type: "button", button: message.quickReply };
  return {
    ...base,
    type: "unsupported",
    errors: [statusError(131051, "Message type is currently not supported.")],
    ...(message.unsupported.type === undefined ? {} : { unsupported: { type: message.unsupported.type } }),
  };
}

/** One webhook carrying several inbound messages (Meta may batch), with one contact per sender. */
export function buildMessagesWebhook(meta: WebhookMetadata, messages: readonly InboundMessage[]): WebhookPayload {
  const contacts = new Map<string, string>();
  for (const m of messages) {
    const waId = digitsOf(m.from);
    if (!contacts.has(waId)) contacts.set(waId, m.name ?? `Customer ${waId.slice(-4)}`);
  }
  return envelope(meta, {
    contacts: [...contacts].map(([waId, name]) => ({ profile: { name }, wa_id: waId })),
    messages: messages.map(toWireMessage),
  });
}

export function buildStatusWebhook(meta: WebhookMetadata, statuses: readonly StatusUpdate[]): WebhookPayload {
  return envelope(meta, {
    statuses: statuses.map((s) => ({
      id: s.id,
      status: s.status,
      timestamp: String(s.timestamp ?? unixNow()),
      recipient_id: digitsOf(s.recipientId),
      errors: s.errors,
    })),
  });
}

/** The `errors` entry of a failed status, worded like Meta's. */
export function statusError(code: number, details = errorTitle(code)): WebhookStatusError {
  return { code, title: errorTitle(code), message: errorTitle(code), error_data: { details } };
}

/** Value of X-Hub-Signature-256 for these exact bytes. */
export function signWebhookBody(appSecret: string, rawBody: Uint8Array | string): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody).digest("hex")}`;
}

/** Where a number's webhooks go, and how: Meta signs with the app secret; a BSP may add headers. */
export interface WebhookTarget {
  url: string;
  /** Signs each body (X-Hub-Signature-256); absent: the webhook is sent unsigned. */
  appSecret?: string;
  /** Extra headers sent with every webhook (e.g. the ones configured at 360dialog). */
  headers?: Readonly<Record<string, string>>;
}

export interface PostWebhookInput {
  callbackUrl: string;
  /** Signs the body; without it (and without `signature`) the webhook is unsigned. */
  appSecret?: string;
  /** Serialised once; a string or bytes are sent as they are (for malformed-body tests). */
  payload: WebhookPayload | string | Uint8Array;
  /** Sent instead of the computed signature, to test rejection of bad signatures. */
  signature?: string;
  /** Added to (and overriding) the default headers. */
  headers?: Readonly<Record<string, string>>;
  timeoutMs?: number;
}

export interface WebhookResponse {
  status: number;
  body: string;
}

export async function postWebhook(input: PostWebhookInput): Promise<WebhookResponse> {
  const { payload } = input;
  const raw = payload instanceof Uint8Array ? payload : Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload), "utf8");
  const signature = input.signature ?? (input.appSecret === undefined ? undefined : signWebhookBody(input.appSecret, raw));
  const response = await fetch(input.callbackUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "facebookexternalua",
      ...(signature === undefined ? {} : { "x-hub-signature-256": signature }),
      ...input.headers,
    },
    body: raw,
    signal: AbortSignal.timeout(input.timeoutMs ?? 10_000),
  });
  return { status: response.status, body: await response.text() };
}

export interface CustomerDeps {
  /** Signs customer webhooks sent to `callbackUrl` or to a per-request callback URL. */
  appSecret?: string;
  callbackUrl?: string;
  /** Per-number webhook target (a BSP's configured URL and headers), used before `callbackUrl`. */
  target?(phoneNumberId: string): WebhookTarget | undefined;
  wabaId: string;
  /** undefined for numbers the sandbox does not host. */
  displayPhoneNumberOf(phoneNumberId: string): string | undefined;
  /** Holds the files customers send, so the app can fetch them; needed for `upload` content. */
  media?: MediaStore;
  /** Told of every customer message (it opens the 24-hour service window). */
  onMessage?(phoneNumberId: string, waId: string): void;
  now?: () => number;
}

/** A file the customer sends: stored in the sandbox, then announced by id in the webhook. */
export interface CustomerUpload {
  upload: {
    kind: MediaKind;
    bytes: Uint8Array;
    mimeType: string;
    caption?: string;
    filename?: string;
    voice?: boolean;
    animated?: boolean;
  };
}

export interface CustomerMessageInput {
  phoneNumberId: string;
  from: string;
  name?: string;
  content: InboundContent | CustomerUpload;
  /** The business message this one answers (quick replies, button and list replies). */
  context?: { id: string; from?: string };
  /** Messages batched in the one webhook; default 1. */
  count?: number;
  /** Overrides the configured webhook target (signed with the app secret when there is one). */
  callbackUrl?: string;
}

export interface CustomerSendResult extends WebhookResponse {
  wamids: string[];
  /** Media id of an uploaded file (every message of the batch carries the same one). */
  mediaId?: string;
}

export interface Customer {
  send(input: CustomerMessageInput): Promise<CustomerSendResult>;
}

export function createCustomer(deps: CustomerDeps): Customer {
  const now = deps.now ?? Date.now;

  function storeUpload(phoneNumberId: string, { upload }: CustomerUpload): InboundContent {
    if (deps.media === undefined) throw new SandboxError("MEDIA_UNAVAILABLE", "this sandbox does not store customer media");
    const stored = deps.media.add({ phoneNumberId, bytes: upload.bytes, mimeType: upload.mimeType, filename: upload.filename });
    const media: InboundMedia = {
      id: stored.id,
      mimeType: stored.mimeType,
      sha256: Buffer.from(stored.sha256, "hex").toString("base64"),
      caption: upload.caption,
      filename: upload.filename,
      voice: upload.voice,
      animated: upload.animated,
    };
    switch (upload.kind) {
      case "image": return { image: media };
      case "document": return { document: media };
      case "audio": return { audio: media };
      case "video": return { video: media };
      case "sticker": return { sticker: media };
    }
  }

  return {
    async send(input) {
      const displayPhoneNumber = deps.displayPhoneNumberOf(input.phoneNumberId);
      if (displayPhoneNumber === undefined) {
        throw new SandboxError("UNKNOWN_PHONE_NUMBER", `phone_number_id ${input.phoneNumberId} is not hosted by this sandbox`);
      }
      const target: WebhookTarget | undefined = input.callbackUrl !== undefined
        ? { url: input.callbackUrl, appSecret: deps.appSecret }
        : (deps.target?.(input.phoneNumberId) ?? (deps.callbackUrl === undefined ? undefined : { url: deps.callbackUrl, appSecret: deps.appSecret }));
      if (target === undefined) throw new SandboxError("NO_CALLBACK_URL", "no callback_url given and no webhook configured");
      const content = "upload" in input.content ? storeUpload(input.phoneNumberId, input.content) : input.content;
      const mediaId = mediaIdOf(content);
      const context = input.context === undefined ? undefined : { from: input.context.from ?? digitsOf(displayPhoneNumber), id: input.context.id };
      const timestamp = Math.floor(now() / 1000);
      const messages = Array.from({ length: input.count ?? 1 }, () => ({ ...content, from: input.from, name: input.name, context, timestamp }));
      const payload = buildMessagesWebhook({ phoneNumberId: input.phoneNumberId, displayPhoneNumber, wabaId: deps.wabaId }, messages);
      const wamids = payload.entry.flatMap((e) => e.changes.flatMap((c) => (c.value.messages ?? []).map((m) => m.id)));
      // The customer did write, whatever the app answers: the window opens now.
      deps.onMessage?.(input.phoneNumberId, digitsOf(input.from));
      try {
        const response = await postWebhook({ callbackUrl: target.url, appSecret: target.appSecret, headers: target.headers, payload });
        return { wamids, ...(mediaId === undefined ? {} : { mediaId }), ...response };
      } catch (cause) {
        throw new SandboxError("CALLBACK_UNREACHABLE", `POST ${target.url} failed: ${cause instanceof Error ? cause.message : String(cause)}`, 502);
      }
    },
  };
}

function mediaIdOf(content: InboundContent): string | undefined {
  if ("image" in content) return content.image.id;
  if ("document" in content) return content.document.id;
  if ("audio" in content) return content.audio.id;
  if ("video" in content) return content.video.id;
  if ("sticker" in content) return content.sticker.id;
  return undefined;
}
