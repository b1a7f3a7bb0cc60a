// Plays the WhatsApp user and Twilio's inbound webhook: a customer message becomes the signed,
// form-encoded POST Twilio sends to the sender's messaging webhook, with any media stored and
// served back at the MediaUrl Twilio would give. Writing to a sender opens the 24 h window.
import { digitsOf } from "../meta/wamid.js";
import type { ServiceWindows } from "../meta/service-window.js";
import { SandboxError } from "../shared/sandbox-error.js";
import type { TwilioAccounts } from "./accounts.js";
import { mediaPath, type TwilioMediaStore } from "./media-store.js";
import { postTwilioWebhook, type TwilioWebhookResponse } from "./signed-webhook.js";
import { API_VERSION, newSid, toE164, whatsappAddress } from "./sids.js";

export const MAX_INBOUND_MEDIA = 10;

export interface TwilioCustomerMedia {
  contentType: string;
  /** Defaults to a few placeholder bytes. */
  bytes?: Uint8Array;
}

export interface TwilioCustomerMessage {
  /** The customer: "+5511987654321" or "whatsapp:+5511987654321". */
  from: string;
  /** The hosted sender number the customer writes to. */
  to: string;
  /** WhatsApp profile name; defaults to "Customer <last 4 digits>". */
  profileName?: string;
  body?: string;
  media?: readonly TwilioCustomerMedia[];
  /** A tapped quick-reply button (Body carries its text, like Twilio sends it). */
  button?: { text: string; payload: string };
  /** SID of the business message this one replies to (OriginalRepliedMessageSid). */
  repliedMessageSid?: string;
  /** Overrides the configured callback URL. */
  callbackUrl?: string;
}

export interface TwilioCustomerSendResult extends TwilioWebhookResponse {
  messageSid: string;
  /** The MediaUrl{N} values sent, in order. */
  mediaUrls: string[];
}

export interface TwilioCustomer {
  send(input: TwilioCustomerMessage): Promise<TwilioCustomerSendResult>;
}

export interface TwilioInboundParamsInput {
  messageSid: string;
  accountSid: string;
  messagingServiceSid?: string;
  /** E.164 of the customer and of the hosted sender. */
  from: string;
  to: string;
  profileName: string;
  body: string;
  media: ReadonlyArray<{ url: string; contentType: string }>;
  button?: { text: string; payload: string };
  repliedMessageSid?: string;
}

/** MessageType as Twilio reports it for WhatsApp: text, button, or the kind of the first media. */
export function twilioInboundMessageType(input: Pick<TwilioInboundParamsInput, "media" | "button">): string {
  if (input.button !== undefined) return "button";
  const [first] = input.media;
  if (first === undefined) return "text";
  const kind = first.contentType.split("/")[0];
  return kind === "image" || kind === "video" || kind === "audio" ? kind : "document";
}

/** The form of Twilio's inbound WhatsApp webhook, in the order captured from real requests. */
export function buildTwilioInboundParams(input: TwilioInboundParamsInput): Record<string, string> {
  const media = Object.fromEntries(input.media.flatMap((m, i) => [[`MediaContentType${i}`, m.contentType], [`MediaUrl${i}`, m.url]]));
  return {
    ...media,
    SmsMessageSid: input.messageSid,
    NumMedia: String(input.media.length),
    ProfileName: input.profileName,
    MessageType: twilioInboundMessageType(input),
    SmsSid: input.messageSid,
    WaId: digitsOf(input.from),
    SmsStatus: "received",
    Body: input.body,
    ...(input.button === undefined ? {} : { ButtonText: input.button.text, ButtonPayload: input.button.payload }),
    To: whatsappAddress(input.to),
    ...(input.repliedMessageSid === undefined
      ? {}
      : { OriginalRepliedMessageSender: whatsappAddress(input.to), OriginalRepliedMessageSid: input.repliedMessageSid }),
    NumSegments: "1",
    ReferralNumMedia: "0",
    MessageSid: input.messageSid,
    AccountSid: input.accountSid,
    ...(input.messagingServiceSid === undefined ? {} : { MessagingServiceSid: input.messagingServiceSid }),
    From: whatsappAddress(input.from),
    ApiVersion: API_VERSION,
  };
}

export interface TwilioCustomerDeps {
  accounts: TwilioAccounts;
  media: TwilioMediaStore;
  windows: ServiceWindows;
  callbackUrl?: string;
  /** Where the fake is reachable; MediaUrl links are built on it. */
  publicBaseUrl?: string;
}

export function createTwilioCustomer(deps: TwilioCustomerDeps): TwilioCustomer {
  return {
    async send(input) {
      const to = toE164(input.to);
      const sender = to === undefined ? undefined : deps.accounts.hosted(to);
      if (to === undefined || sender === undefined) throw new SandboxError("UNKNOWN_NUMBER", `${input.to} is not a sender number of this sandbox`);
      const from = toE164(input.from);
      if (from === undefined) throw new SandboxError("INVALID_REQUEST", `from: not an E.164 number: ${input.from}`);
      const mediaInput = input.media ?? [];
      if (input.body === undefined && mediaInput.length === 0 && input.button === undefined) {
        throw new SandboxError("INVALID_REQUEST", "a customer message needs a body, media or a button");
      }
      if (input.button !== undefined && mediaInput.length > 0) throw new SandboxError("INVALID_REQUEST", "a button reply carries no media");
      if (mediaInput.length > MAX_INBOUND_MEDIA) throw new SandboxError("INVALID_REQUEST", `at most ${MAX_INBOUND_MEDIA} media per message`);
      if (mediaInput.length > 0 && deps.publicBaseUrl === undefined) {
        throw new SandboxError("NO_PUBLIC_BASE_URL", "media needs the sandbox's publicBaseUrl to build MediaUrl links");
      }
      const callbackUrl = input.callbackUrl ?? deps.callbackUrl;
      if (callbackUrl === undefined) throw new SandboxError("NO_CALLBACK_URL", "no callbackUrl given and none configured");

      const messageSid = newSid(mediaInput.length > 0 ? "MM" : "SM");
      const stored = deps.media.add(sender.accountSid, messageSid, mediaInput.map((m) => ({
        contentType: m.contentType,
        bytes: m.bytes ?? Buffer.from(`sandbox media (${m.contentType})`, "utf8"),
      })));
      const base = (deps.publicBaseUrl ?? "").replace(/\/+$/, "");
      const media = stored.map((m) => ({ url: `${base}${mediaPath(m)}`, contentType: m.contentType }));
      const params = buildTwilioInboundParams({
        messageSid,
        accountSid: sender.accountSid,
        ...(sender.messagingServiceSid === undefined ? {} : { messagingServiceSid: sender.messagingServiceSid }),
        from,
        to,
        profileName: input.profileName ?? `Customer ${digitsOf(from).slice(-4)}`,
        body: input.body ?? input.button?.text ?? "",
        media,
        ...(input.button === undefined ? {} : { button: input.button }),
        ...(input.repliedMessageSid === undefined ? {} : { repliedMessageSid: input.repliedMessageSid }),
      });

      // WhatsApp opens the window when the customer writes, whatever the app answers.
      deps.windows.open(to, from);
      const authToken = deps.accounts.tokenOf(sender.accountSid);
      if (authToken === undefined) throw new SandboxError("UNKNOWN_NUMBER", `no account owns ${to}`);
      try {
        const response = await postTwilioWebhook({ url: callbackUrl, authToken, params });
        return { messageSid, mediaUrls: media.map((m) => m.url), ...response };
      } catch (cause) {
        throw new SandboxError("CALLBACK_UNREACHABLE", `POST ${callbackUrl} failed: ${cause instanceof Error ? cause.message : String(cause)}`, 502);
      }
    },
  };
}
