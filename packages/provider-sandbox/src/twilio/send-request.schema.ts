// Parses the form parameters of POST /2010-04-01/Accounts/{sid}/Messages.json into a typed
// send, or the Twilio error the API answers for them. Only format rules live here; what the
// account owns (sender numbers, Messaging Services) is checked by the use case.
import { z } from "zod";
import { isSid, whatsappNumber } from "./sids.js";
import { twilioError, type TwilioFailure } from "./twilio-error.js";

export const MAX_BODY_LENGTH = 1600;
export const MAX_MEDIA_URLS = 10;

/** The form as body parsing leaves it: repeated keys become arrays. */
const formSchema = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
export type FormParams = z.infer<typeof formSchema>;

const httpUrl = z.url({ protocol: /^https?$/ });

/** ContentVariables: a JSON object of template variable → non-empty value. */
const contentVariablesSchema = z.record(z.string(), z.union([z.string().min(1), z.number(), z.boolean()]).transform(String));

export type SendKind = "text" | "media" | "template";

export interface SendRequest {
  /** "whatsapp:+15550002222", as sent. */
  to: string;
  toNumber: string;
  /** Absent when only MessagingServiceSid names the sender. */
  from?: string;
  fromNumber?: string;
  messagingServiceSid?: string;
  /** "" when no Body was sent. */
  body: string;
  mediaUrls: string[];
  contentSid?: string;
  contentVariables?: Record<string, string>;
  statusCallback?: string;
  /** A template (ContentSid) may open a conversation; text and media need the 24 h window. */
  kind: SendKind;
}

export type ParsedSend = { ok: true; request: SendRequest } | { ok: false; failure: TwilioFailure };

/** Reads the form as received; anything that is not a form is treated as an empty one. */
export function toFormParams(body: unknown): FormParams {
  const parsed = formSchema.safeParse(body);
  return parsed.success ? parsed.data : {};
}

/** The first value of a parameter (Twilio takes one value for scalar parameters). */
export function firstValue(params: FormParams, key: string): string | undefined {
  const value = params[key];
  return Array.isArray(value) ? value[0] : value;
}

export function allValues(params: FormParams, key: string): string[] {
  const value = params[key];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function parseSendRequest(params: FormParams): ParsedSend {
  const fail = (failure: TwilioFailure): ParsedSend => ({ ok: false, failure });
  const to = firstValue(params, "To")?.trim() ?? "";
  const from = firstValue(params, "From")?.trim() || undefined;
  const messagingServiceSid = firstValue(params, "MessagingServiceSid")?.trim() || undefined;

  if (to === "") return fail(twilioError(21604));
  if (from === undefined && messagingServiceSid === undefined) return fail(twilioError(21603));

  const toNumber = whatsappNumber(to);
  const toIsWhatsapp = to.startsWith("whatsapp:");
  if (toNumber === undefined && (toIsWhatsapp || !/^\+[1-9]\d{6,14}$/.test(to))) {
    return fail(twilioError(21211, { message: `The 'To' number ${to} is not a valid phone number.` }));
  }
  const fromNumber = from === undefined ? undefined : whatsappNumber(from);
  // A plain-number recipient from a WhatsApp sender (or the reverse) mixes channels.
  if (from !== undefined && toIsWhatsapp !== from.startsWith("whatsapp:")) return fail(twilioError(21910));
  if (toNumber === undefined) return fail(twilioError(63007)); // SMS to SMS: this fake hosts WhatsApp senders only.
  if (from !== undefined && fromNumber === undefined) return fail(twilioError(63007));
  if (messagingServiceSid !== undefined && !isSid("MG", messagingServiceSid)) return fail(twilioError(21705));

  const body = firstValue(params, "Body") ?? "";
  const mediaUrls = allValues(params, "MediaUrl").map((u) => u.trim()).filter((u) => u !== "");
  const contentSid = firstValue(params, "ContentSid")?.trim() || undefined;
  if (body === "" && mediaUrls.length === 0 && contentSid === undefined) return fail(twilioError(21602));
  if (body.length > MAX_BODY_LENGTH) return fail(twilioError(21617));
  if (mediaUrls.length > MAX_MEDIA_URLS) return fail(twilioError(21623));
  if (mediaUrls.some((u) => !httpUrl.safeParse(u).success)) return fail(twilioError(21620));

  let contentVariables: Record<string, string> | undefined;
  if (contentSid !== undefined) {
    if (!isSid("HX", contentSid)) return fail(twilioError(21655));
    const raw = firstValue(params, "ContentVariables");
    if (raw !== undefined && raw.trim() !== "") {
      const variables = contentVariablesSchema.safeParse(parseJson(raw));
      if (!variables.success) return fail(twilioError(21656));
      contentVariables = variables.data;
    }
  }

  const statusCallback = firstValue(params, "StatusCallback")?.trim() || undefined;
  if (statusCallback !== undefined && !httpUrl.safeParse(statusCallback).success) return fail(twilioError(21609));

  return {
    ok: true,
    request: {
      to,
      toNumber,
      ...(from === undefined || fromNumber === undefined ? {} : { from, fromNumber }),
      ...(messagingServiceSid === undefined ? {} : { messagingServiceSid }),
      body,
      mediaUrls,
      ...(contentSid === undefined ? {} : { contentSid }),
      ...(contentVariables === undefined ? {} : { contentVariables }),
      ...(statusCallback === undefined ? {} : { statusCallback }),
      kind: contentSid !== undefined ? "template" : mediaUrls.length > 0 ? "media" : "text",
    },
  };
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
