// A Cloud-API-compatible BSP (360dialog style): the Cloud API bodies sent to
// {base}/messages with the number's `D360-API-KEY` — no version or
// phone_number_id in the path. Its webhooks are Cloud API notifications,
// unsigned: they come to /webhooks/official/<key>, where the key names the
// bot and proves the URL was made by this adapter (webhook-keys.ts).
import { z } from "zod";
import { type BaseUrlPolicy, baseUrlSetting, rootOf } from "../base-url.js";
import { CLOUD_API_CAPABILITIES } from "../meta/meta.provider.js";
import { cloudApiExtras, createCloudApiSender, notConfigured } from "../meta/cloud-api.sender.js";
import { graphError } from "../meta/cloud-api-errors.js";
import { cloudApiMedia } from "../meta/cloud-api-media.js";
import { parseCloudApiWebhook } from "../meta/cloud-api-webhook.js";
import { callProvider } from "../provider-http.js";
import type { ProviderAccount, ProviderDescriptor } from "../provider.js";
import { digits, messagesPerSecond } from "../settings.js";
import { keyedWebhook, type WebhookKeys } from "../webhook-keys.js";

export interface OfficialProviderOptions {
  baseUrl: string;
  timeoutMs: number;
  baseUrls: BaseUrlPolicy;
  webhookKeys: WebhookKeys;
  /** PUBLIC_BASE_URL: the origin the BSP posts webhooks to. */
  publicBaseUrl: string;
  mediaMaxBytes: number;
}

export function officialProvider({ baseUrl, timeoutMs, baseUrls, webhookKeys, publicBaseUrl, mediaMaxBytes }: OfficialProviderOptions): ProviderDescriptor {
  const label = "the WhatsApp BSP";
  const cloudApi = {
    provider: "official" as const,
    label,
    timeoutMs,
    endpoint({ settings, secrets }: ProviderAccount) {
      if (!secrets.api_key) throw notConfigured(label, "api_key");
      return { url: `${rootOf(settings, baseUrl)}/messages`, headers: { "d360-api-key": secrets.api_key } };
    },
  };
  const webhook = keyedWebhook(webhookKeys, "official", publicBaseUrl);
  return {
    kind: "official",
    settings: z.strictObject({ phone_number_id: digits, base_url: baseUrlSetting(baseUrls).optional(), messages_per_second: messagesPerSecond.optional() }),
    secrets: ["api_key"],
    routingKey: (settings) => settings.phone_number_id ?? null,
    defaultRatePerSecond: 80,
    capabilities: CLOUD_API_CAPABILITIES,
    sender: createCloudApiSender(cloudApi),
    ...cloudApiExtras({ ...cloudApi, uploadUrl: ({ settings }) => `${rootOf(settings, baseUrl)}/media` }),
    async prepare({ settings, secrets }, botId, signal) {
      if (!secrets.api_key) throw notConfigured(label, "api_key");
      const answer = await callProvider({
        provider: "official",
        label,
        url: `${rootOf(settings, baseUrl)}/v1/configs/webhook`,
        timeoutMs,
        // Setting the same URL twice is harmless: retried like a read.
        idempotent: true,
        init: { method: "POST", headers: { "d360-api-key": secrets.api_key, "content-type": "application/json" }, body: JSON.stringify({ url: webhook.url(botId) }), signal },
      });
      if (!answer.ok) throw graphError(answer.status, answer.body, "official", label);
    },
    media: cloudApiMedia({
      provider: "official",
      label,
      timeoutMs,
      maxBytes: mediaMaxBytes,
      lookup: ({ settings, secrets }, mediaId) => {
        if (!secrets.api_key) throw notConfigured(label, "api_key");
        return { url: `${rootOf(settings, baseUrl)}/${encodeURIComponent(mediaId)}`, headers: { "d360-api-key": secrets.api_key } };
      },
      // The answer names Meta's lookaside host; the BSP serves the same path and query itself.
      downloadUrl: ({ settings }, answered) => `${rootOf(settings, baseUrl)}${answered.pathname}${answered.search}`,
    }),
    inbound: {
      target: webhook.target,
      verify: webhook.verify,
      parse: (request) => parseCloudApiWebhook("official", request.rawBody),
    },
  };
}
