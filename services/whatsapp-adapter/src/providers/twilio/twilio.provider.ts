// Twilio WhatsApp through the official `twilio` SDK (its HTTP client swapped
// for twilio-http.client.ts): text, media by URL, and templates as Content
// SIDs mapped from the template's name and language in the bot's settings.
// Webhooks (messages and status callbacks) all come to /webhooks/twilio,
// name the bot by its WhatsApp number, and are verified with that account's
// auth token over the public URL Twilio called (never the Host header).
import type Twilio from "twilio";
import { z } from "zod";
import { AppError } from "@fleet/service-kit";
import { type BaseUrlPolicy, baseUrlSetting, rootOf } from "../base-url.js";
import { isMaybeSent, type ProviderDescriptor, type SendRequest } from "../provider.js";
import { downloadFromProvider, missingMessageId } from "../provider-http.js";
import { e164, messagesPerSecond } from "../settings.js";
import { twilioError } from "./twilio-errors.js";
import { twilioFetchClient } from "./twilio-http.client.js";
import { parseTwilioWebhook, twilioTarget } from "./twilio-webhook.js";

export interface TwilioProviderOptions {
  baseUrl: string;
  timeoutMs: number;
  baseUrls: BaseUrlPolicy;
  /** Where Twilio posts status callbacks (PUBLIC_BASE_URL + /webhooks/twilio). */
  statusCallbackUrl: string;
  mediaMaxBytes: number;
}

/** `{"order_update:es_MX": "HX…"}`: the Content SID of each template, by name and language. */
const templatesSetting = z.string().superRefine((value, ctx) => {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    ctx.addIssue({ code: "custom", message: "must be a JSON object" });
    return;
  }
  const parsed = z.record(z.string().regex(/^[a-z0-9_]+:[a-z]{2,3}(_[A-Z]{2})?$/, "keys must be name:language"), z.string().regex(/^HX[0-9a-f]{32}$/, "values must be Content SIDs (HX…)")).safeParse(json);
  if (!parsed.success) ctx.addIssue({ code: "custom", message: parsed.error.issues[0]?.message ?? "must map name:language to HX… Content SIDs" });
});

const MessageSchema = z.object({ sid: z.string().regex(/^(SM|MM)[0-9a-f]{32}$/) }).loose();

function contentSidOf(settings: Record<string, string>, name: string, language: string): string {
  const templates: unknown = settings.templates ? JSON.parse(settings.templates) : {};
  const sid = z.record(z.string(), z.string()).catch({}).parse(templates)[`${name}:${language}`];
  if (!sid) throw new AppError("failed_precondition", "TEMPLATE_NOT_CONFIGURED", `No Content SID is configured for template ${name}:${language}`);
  return sid;
}

/** The Messages API parameters for one message. */
function messageParams(settings: Record<string, string>, request: SendRequest, statusCallback: string) {
  const base = { from: `whatsapp:${settings.from_number}`, to: `whatsapp:+${request.recipient.replace(/^\+/, "")}`, statusCallback };
  const { content } = request;
  switch (content.type) {
    case "text":
      return { ...base, body: content.body };
    case "media":
      if (!content.url) throw new AppError("failed_precondition", "PROVIDER_CANNOT_SEND", "Twilio sends media by URL only");
      return { ...base, mediaUrl: [content.url], ...(content.caption ? { body: content.caption } : {}) };
    case "template":
      return {
        ...base,
        contentSid: contentSidOf(settings, content.name, content.language),
        ...(content.parameters.length > 0 ? { contentVariables: JSON.stringify(Object.fromEntries(content.parameters.map((value, index) => [String(index + 1), value]))) } : {}),
      };
    default:
      // The capability table degrades everything else to text before it gets here.
      throw new AppError("failed_precondition", "PROVIDER_CANNOT_SEND", `Twilio cannot send ${content.type} messages`);
  }
}

/** A media reference as the webhook normalised it: the message SID then the media SID. */
const MEDIA_REF = /^(MM[0-9a-f]{32})(ME[0-9a-f]{32})$/;

/** The SDK, loaded on first use: it is large (startup time and memory) and many fleets never use Twilio. */
let sdk: Promise<typeof Twilio> | null = null;
const loadSdk = (): Promise<typeof Twilio> => (sdk ??= import("twilio").then((module) => module.default));

export function twilioProvider({ baseUrl, timeoutMs, baseUrls, statusCallbackUrl, mediaMaxBytes }: TwilioProviderOptions): ProviderDescriptor {
  let httpClient: ReturnType<typeof twilioFetchClient> | null = null;
  return {
    kind: "twilio",
    settings: z.strictObject({
      account_sid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, "must be an account SID (AC + 32 hex)"),
      from_number: e164,
      base_url: baseUrlSetting(baseUrls).optional(),
      messages_per_second: messagesPerSecond.optional(),
      templates: templatesSetting.optional(),
    }),
    secrets: ["auth_token"],
    routingKey: (settings) => settings.from_number ?? null,
    defaultRatePerSecond: 80,
    capabilities: { text: true, media: true, template: true, buttons: false, list: false, location: false, contacts: false },
    sender: {
      async send({ settings, secrets }, request) {
        const accountSid = settings.account_sid;
        const authToken = secrets.auth_token;
        if (!accountSid || !authToken || !settings.from_number) throw new AppError("failed_precondition", "PROVIDER_NOT_CONFIGURED", "Twilio provider lacks account_sid, from_number or auth_token");
        const params = messageParams(settings, request, statusCallbackUrl);
        const twilio = await loadSdk();
        httpClient ??= twilioFetchClient(twilio, timeoutMs);
        const client = twilio(accountSid, authToken, { httpClient, accountSid, env: {} });
        client.api.baseUrl = rootOf(settings, baseUrl);
        let message: unknown;
        try {
          message = await client.messages.create(params);
        } catch (error) {
          throw error instanceof AppError || isMaybeSent(error) ? error : twilioError(error);
        }
        const parsed = MessageSchema.safeParse(message);
        if (!parsed.success) throw missingMessageId("twilio", "Twilio", 201);
        return { providerMessageId: parsed.data.sid };
      },
    },
    async media({ settings, secrets }, providerMediaId, signal) {
      const ref = MEDIA_REF.exec(providerMediaId);
      if (!ref) throw new AppError("invalid_argument", "INVALID_MEDIA_ID", "Not a Twilio media reference");
      if (!settings.account_sid || !secrets.auth_token) throw new AppError("failed_precondition", "PROVIDER_NOT_CONFIGURED", "Twilio provider lacks account_sid or auth_token");
      const file = await downloadFromProvider({
        label: "Twilio",
        url: `${rootOf(settings, baseUrl)}/2010-04-01/Accounts/${settings.account_sid}/Messages/${ref[1]}/Media/${ref[2]}`,
        headers: { authorization: `Basic ${Buffer.from(`${settings.account_sid}:${secrets.auth_token}`).toString("base64")}` },
        timeoutMs,
        maxBytes: mediaMaxBytes,
        signal,
        // Twilio answers with a short-lived signed link on its CDN: followed without the credentials.
        redirectAllowed: (url) => url.protocol === "https:" || (baseUrls.allowHttp && url.protocol === "http:"),
      });
      return file;
    },
    inbound: {
      target: twilioTarget,
      async verify(request, account) {
        const token = account?.secrets.auth_token;
        const signature = request.headers["x-twilio-signature"];
        if (!signature) throw new AppError("unauthenticated", "SIGNATURE_MISSING", "X-Twilio-Signature header is required");
        const params = Object.fromEntries(new URLSearchParams(request.rawBody.toString("utf8")));
        if (!token || !(await loadSdk()).validateRequest(token, signature, request.publicUrl, params)) throw new AppError("permission_denied", "SIGNATURE_INVALID", "Webhook signature does not match");
      },
      parse: (request) => parseTwilioWebhook(request.rawBody),
      // Twilio reads the answer as TwiML: an empty one sends nothing back.
      answer: { contentType: "text/xml", body: "<Response/>" },
    },
  };
}
