// Plays the WhatsApp user and Meta's webhook delivery: builds Cloud API webhook payloads,
// signs them with the app secret and posts exactly the signed bytes to an app's callback URL.
import { createHmac } from "node:crypto";
import { errorTitle } from "./graph-error.js";
import { SandboxError } from "./sandbox-error.js";
import { digitsOf, newWamid } from "./wamid.js";

export const DEFAULT_WABA_ID = "102290129340398";

/** Which business number a webhook is about; one callback URL receives all numbers. */
export interface WebhookMetadata {
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId?: string;
}

export type InboundContent =
  | { text: string }
  | { buttonReply: { id: string; title: string } }
  | { listReply: { id: string; title: string; description?: string } };

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

export type WebhookMessage = { from: string; id: string; timestamp: string; context?: { from: string; id: string } } & (
  | { type: "text"; text: { body: string } }
  | { type: "interactive"; interactive: { type: "button_reply"; button_reply: { id: string; title: string } } }
  | { type: "interactive"; interactive: { type: "list_reply"; list_reply: { id: string; title: string; description?: string } } }
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
  return { ...base, type: "interactive", interactive: { type: "list_reply", list_reply: message.listReply } };
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

export interface PostWebhookInput {
  callbackUrl: string;
  appSecret: string;
  /** Serialised once; a string or bytes are sent as they are (for malformed-body tests). */
  payload: WebhookPayload | string | Uint8Array;
  /** Sent instead of the computed signature, to test rejection of bad signatures. */
  signature?: string;
  timeoutMs?: number;
}

export interface WebhookResponse {
  status: number;
  body: string;
}

export async function postWebhook(input: PostWebhookInput): Promise<WebhookResponse> {
  const { payload } = input;
  const raw = payload instanceof Uint8Array ? payload : Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload), "utf8");
  const response = await fetch(input.callbackUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "user-agent": "facebookexternalua",
      "x-hub-signature-256": input.signature ?? signWebhookBody(input.appSecret, raw),
    },
    body: raw,
    signal: AbortSignal.timeout(input.timeoutMs ?? 10_000),
  });
  return { status: response.status, body: await response.text() };
}

export interface CustomerDeps {
  appSecret: string;
  callbackUrl?: string;
  wabaId: string;
  /** undefined for numbers the sandbox does not host. */
  displayPhoneNumberOf(phoneNumberId: string): string | undefined;
}

export interface CustomerMessageInput {
  phoneNumberId: string;
  from: string;
  name?: string;
  content: InboundContent;
  /** Messages batched in the one webhook; default 1. */
  count?: number;
  /** Overrides the configured callback URL. */
  callbackUrl?: string;
}

export interface CustomerSendResult extends WebhookResponse {
  wamids: string[];
}

export interface Customer {
  send(input: CustomerMessageInput): Promise<CustomerSendResult>;
}

export function createCustomer(deps: CustomerDeps): Customer {
  return {
    async send(input) {
      const displayPhoneNumber = deps.displayPhoneNumberOf(input.phoneNumberId);
      if (displayPhoneNumber === undefined) {
        throw new SandboxError("UNKNOWN_PHONE_NUMBER", `phone_number_id ${input.phoneNumberId} is not hosted by this sandbox`);
      }
      const callbackUrl = input.callbackUrl ?? deps.callbackUrl;
      if (callbackUrl === undefined) throw new SandboxError("NO_CALLBACK_URL", "no callback_url given and none configured");
      const messages = Array.from({ length: input.count ?? 1 }, () => ({ ...input.content, from: input.from, name: input.name }));
      const payload = buildMessagesWebhook({ phoneNumberId: input.phoneNumberId, displayPhoneNumber, wabaId: deps.wabaId }, messages);
      const wamids = payload.entry.flatMap((e) => e.changes.flatMap((c) => (c.value.messages ?? []).map((m) => m.id)));
      try {
        return { wamids, ...(await postWebhook({ callbackUrl, appSecret: deps.appSecret, payload })) };
      } catch (cause) {
        throw new SandboxError("CALLBACK_UNREACHABLE", `POST ${callbackUrl} failed: ${cause instanceof Error ? cause.message : String(cause)}`, 502);
      }
    },
  };
}
