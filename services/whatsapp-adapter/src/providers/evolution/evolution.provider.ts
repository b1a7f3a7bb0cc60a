// Evolution API v2 (a shop's own server running WhatsApp-Baileys instances):
// one instance per bot, created with its webhook pointing at
// /webhooks/evolution/<key> (the key names the bot and proves the URL is
// ours), linked by QR or pairing code surfaced through GetConnection, and
// sending text and media. Buttons and lists do not reach linked devices:
// the capability table degrades them to numbered text.
import { z } from "zod";
import { AppError } from "@fleet/service-kit";
import { type BaseUrlPolicy, baseUrlSetting } from "../base-url.js";
import type { ConnectionCheck, ProviderAccount, ProviderDescriptor, SendRequest } from "../provider.js";
import { missingMessageId } from "../provider-http.js";
import { messagesPerSecond } from "../settings.js";
import { keyedWebhook, type WebhookKeys } from "../webhook-keys.js";
import { evolutionClient, evolutionError } from "./evolution-api.js";
import { EVOLUTION_EVENTS, parseEvolutionWebhook } from "./evolution-webhook.js";

export interface EvolutionProviderOptions {
  timeoutMs: number;
  baseUrls: BaseUrlPolicy;
  webhookKeys: WebhookKeys;
  /** PUBLIC_BASE_URL: where instances post their webhooks. */
  publicBaseUrl: string;
  mediaMaxBytes: number;
}

const SentSchema = z.object({ key: z.object({ id: z.string().min(1) }).loose() }).loose();
const StateSchema = z.object({ instance: z.object({ state: z.string() }).loose() }).loose();
const ConnectSchema = z.object({ code: z.string().nullish(), pairingCode: z.string().nullish() }).loose();

const MIME_BY_KIND = { image: "image/jpeg", video: "video/mp4", audio: "audio/ogg", document: "application/pdf", sticker: "image/webp" } as const;

function sendCall(instance: string, request: SendRequest): { path: string; body: Record<string, unknown> } {
  const number = request.recipient.replace(/@.*$/, "");
  const quoted = request.replyToProviderMessageId ? { quoted: { key: { id: request.replyToProviderMessageId } } } : {};
  const { content } = request;
  if (content.type === "text") return { path: `/message/sendText/${encodeURIComponent(instance)}`, body: { number, text: content.body, linkPreview: content.previewUrl, ...quoted } };
  if (content.type === "media") {
    if (!content.url) throw new AppError("failed_precondition", "PROVIDER_CANNOT_SEND", "Evolution API sends media by URL only here");
    return {
      path: `/message/sendMedia/${encodeURIComponent(instance)}`,
      body: {
        number,
        // Evolution has no sticker media type: a sticker goes as an image.
        mediatype: content.kind === "sticker" ? "image" : content.kind,
        mimetype: MIME_BY_KIND[content.kind],
        media: content.url,
        ...(content.caption ? { caption: content.caption } : {}),
        ...(content.filename ? { fileName: content.filename } : {}),
        ...quoted,
      },
    };
  }
  // The capability table degrades everything else to text before it gets here.
  throw new AppError("failed_precondition", "PROVIDER_CANNOT_SEND", `Evolution API cannot send ${content.type} messages`);
}

const MediaSchema = z.object({ base64: z.string().min(1), mimetype: z.string().min(1), fileName: z.string().nullish() }).loose();

export function evolutionProvider({ timeoutMs, baseUrls, webhookKeys, publicBaseUrl, mediaMaxBytes }: EvolutionProviderOptions): ProviderDescriptor {
  const baseUrlOf = (account: ProviderAccount) => (account.settings.base_url ?? "").replace(/\/+$/, "");
  const call = evolutionClient(baseUrlOf, timeoutMs);
  const instanceOf = (account: ProviderAccount) => {
    const instance = account.settings.instance;
    if (!instance || !account.settings.base_url) throw new AppError("failed_precondition", "PROVIDER_NOT_CONFIGURED", "Evolution provider lacks base_url or instance");
    return instance;
  };
  const ourWebhook = keyedWebhook(webhookKeys, "evolution", publicBaseUrl);

  /** Creates the bot's instance with our webhook, or points an existing one's webhook at us. */
  async function prepare(account: ProviderAccount, botId: string, signal: AbortSignal): Promise<void> {
    const instance = instanceOf(account);
    const webhook = { url: ourWebhook.url(botId), byEvents: false, base64: false, events: EVOLUTION_EVENTS };
    const state = await call(account, { method: "GET", path: `/instance/connectionState/${encodeURIComponent(instance)}`, signal });
    const answer =
      state.status === 404
        ? await call(account, {
            method: "POST",
            path: "/instance/create",
            signal,
            // With the phone's number the instance also offers a pairing code (fixed when its socket starts).
            body: { instanceName: instance, integration: "WHATSAPP-BAILEYS", qrcode: true, ...(account.settings.phone_number ? { number: account.settings.phone_number } : {}), webhook },
          })
        : state.ok
          ? await call(account, { method: "POST", path: `/webhook/set/${encodeURIComponent(instance)}`, signal, body: { webhook: { enabled: true, ...webhook } } })
          : state;
    if (!answer.ok) throw evolutionError(answer);
  }

  async function connection(account: ProviderAccount, botId: string, signal: AbortSignal): Promise<ConnectionCheck> {
    const instance = encodeURIComponent(instanceOf(account));
    let state = await call(account, { method: "GET", path: `/instance/connectionState/${instance}`, signal });
    if (state.status === 404) {
      // Deleted on the server since the bot was configured: created again, with our webhook.
      await prepare(account, botId, signal);
      state = await call(account, { method: "GET", path: `/instance/connectionState/${instance}`, signal });
    }
    if (!state.ok) {
      const error = evolutionError(state);
      if (error.code === "PROVIDER_CREDENTIALS_INVALID") return { state: "misconfigured", detail: "Evolution API refused the api_key" };
      throw error;
    }
    const parsed = StateSchema.safeParse(state.body);
    if (!parsed.success) throw new AppError("unavailable", "PROVIDER_BAD_RESPONSE", "Evolution API answered the connection state in an unknown shape");
    if (parsed.data.instance.state === "open") return { state: "connected" };
    const number = account.settings.phone_number ? `?number=${encodeURIComponent(account.settings.phone_number)}` : "";
    const connect = await call(account, { method: "GET", path: `/instance/connect/${instance}${number}`, signal });
    if (!connect.ok) throw evolutionError(connect);
    const codes = ConnectSchema.safeParse(connect.body);
    if (!codes.success || !codes.data.code) return { state: "connecting" };
    return { state: "awaiting_pairing", qr: codes.data.code, ...(codes.data.pairingCode ? { pairingCode: codes.data.pairingCode } : {}) };
  }

  return {
    kind: "evolution",
    settings: z.strictObject({
      base_url: baseUrlSetting(baseUrls),
      instance: z.string().regex(/^[\w-]{1,64}$/, "must be 1-64 letters, digits, _ or -"),
      phone_number: z.string().regex(/^\d{7,15}$/, "must be digits").optional(),
      messages_per_second: messagesPerSecond.optional(),
    }),
    secrets: ["api_key"],
    routingKey: (settings) => settings.instance ?? null,
    // A linked device that sends fast risks a ban; shops lower it with messages_per_second.
    defaultRatePerSecond: 20,
    capabilities: { text: true, media: true, buttons: false, list: false, template: false, location: false, contacts: false },
    sender: {
      async send(account, request, signal) {
        const { path, body } = sendCall(instanceOf(account), request);
        const answer = await call(account, { method: "POST", path, body, signal });
        if (!answer.ok) throw evolutionError(answer);
        const sent = SentSchema.safeParse(answer.body);
        if (!sent.success) throw missingMessageId("evolution", "Evolution API", answer.status);
        return { providerMessageId: sent.data.key.id };
      },
    },
    async media(account, providerMediaId, signal) {
      if (!/^[\w-]{1,128}$/.test(providerMediaId)) throw new AppError("invalid_argument", "INVALID_MEDIA_ID", "Not an Evolution message id");
      // Evolution hands media out base64-encoded by the id of the message that carried it.
      const answer = await call(account, { method: "POST", path: `/chat/getBase64FromMediaMessage/${encodeURIComponent(instanceOf(account))}`, body: { message: { key: { id: providerMediaId } }, convertToMp4: false }, signal });
      if (!answer.ok) throw answer.status === 404 || answer.status === 400 ? new AppError("not_found", "MEDIA_NOT_FOUND", "Evolution API no longer has this media") : evolutionError(answer);
      const media = MediaSchema.safeParse(answer.body);
      if (!media.success) throw new AppError("unavailable", "PROVIDER_BAD_RESPONSE", "Evolution API answered the media in an unknown shape");
      const data = Buffer.from(media.data.base64.replace(/^data:[^,]*,/, ""), "base64");
      if (data.byteLength > mediaMaxBytes) throw new AppError("failed_precondition", "MEDIA_TOO_LARGE", `The media is larger than ${mediaMaxBytes} bytes`);
      return { data, mimeType: media.data.mimetype, ...(media.data.fileName ? { filename: media.data.fileName } : {}) };
    },
    inbound: {
      target: ourWebhook.target,
      verify: ourWebhook.verify,
      parse: (request) => parseEvolutionWebhook(request.rawBody),
    },
    prepare,
    async release(account, _botId, signal) {
      const instance = encodeURIComponent(instanceOf(account));
      // Logging out of a closed instance answers 400; deleting one already gone answers 404: both are fine.
      const logout = await call(account, { method: "DELETE", path: `/instance/logout/${instance}`, signal });
      if (!logout.ok && logout.status !== 400 && logout.status !== 404) throw evolutionError(logout);
      const removed = await call(account, { method: "DELETE", path: `/instance/delete/${instance}`, signal });
      if (!removed.ok && removed.status !== 404) throw evolutionError(removed);
    },
    connection,
  };
}
