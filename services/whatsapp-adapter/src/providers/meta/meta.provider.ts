// Meta WhatsApp Cloud API: sends with the bot's access token to
// {base}/{version}/{phone_number_id}/messages; webhooks for every bot come to
// one URL, signed with the platform app's secret, and name their bot by
// phone_number_id.
import { z } from "zod";
import { type BaseUrlPolicy, baseUrlProblem, baseUrlSetting, rootOf } from "../base-url.js";
import { cloudApiMedia } from "./cloud-api-media.js";
import type { ProviderAccount, ProviderDescriptor } from "../provider.js";
import { cloudApiExtras, createCloudApiSender, notConfigured } from "./cloud-api.sender.js";
import { parseCloudApiWebhook, verifyMetaSignature } from "./cloud-api-webhook.js";
import { digits, messagesPerSecond } from "../settings.js";

export interface MetaProviderOptions {
  baseUrl: string;
  version: string;
  timeoutMs: number;
  appSecret: string;
  baseUrls: BaseUrlPolicy;
  /** MEDIA_MAX_BYTES: the largest contact media the adapter downloads. */
  mediaMaxBytes: number;
}

export const CLOUD_API_CAPABILITIES = { text: true, media: true, buttons: true, list: true, template: true, location: true, contacts: true } as const;

/** Where Meta serves media files from, besides the hosts a bot's base_url may use. */
const META_MEDIA_HOSTS = ["lookaside.fbsbx.com"];

export function metaProvider({ baseUrl, version, timeoutMs, appSecret, baseUrls, mediaMaxBytes }: MetaProviderOptions): ProviderDescriptor {
  const label = "Meta Cloud API";
  const mediaHosts = { ...baseUrls, allowedHosts: [...baseUrls.allowedHosts, ...META_MEDIA_HOSTS] };
  const cloudApi = {
    provider: "meta" as const,
    label,
    timeoutMs,
    endpoint({ settings, secrets }: ProviderAccount) {
      const phoneNumberId = settings.phone_number_id;
      const token = secrets.access_token;
      if (!phoneNumberId || !token) throw notConfigured(label, "phone_number_id or access_token");
      return {
        url: `${rootOf(settings, baseUrl)}/${settings.api_version ?? version}/${encodeURIComponent(phoneNumberId)}/messages`,
        headers: { authorization: `Bearer ${token}` },
      };
    },
  };
  return {
    kind: "meta",
    settings: z.strictObject({
      phone_number_id: digits,
      waba_id: digits.optional(),
      display_phone_number: z.string().max(32).optional(),
      api_version: z.string().regex(/^v\d+\.\d+$/, "must look like v23.0").optional(),
      base_url: baseUrlSetting(baseUrls).optional(),
      messages_per_second: messagesPerSecond.optional(),
    }),
    secrets: ["access_token"],
    routingKey: (settings) => settings.phone_number_id ?? null,
    defaultRatePerSecond: 80,
    capabilities: CLOUD_API_CAPABILITIES,
    sender: createCloudApiSender(cloudApi),
    ...cloudApiExtras({
      ...cloudApi,
      uploadUrl: ({ settings }) => `${rootOf(settings, baseUrl)}/${settings.api_version ?? version}/${encodeURIComponent(settings.phone_number_id ?? "")}/media`,
    }),
    media: cloudApiMedia({
      provider: "meta",
      label,
      timeoutMs,
      maxBytes: mediaMaxBytes,
      lookup: ({ settings, secrets }, mediaId) => {
        if (!secrets.access_token) throw notConfigured(label, "access_token");
        return { url: `${rootOf(settings, baseUrl)}/${settings.api_version ?? version}/${encodeURIComponent(mediaId)}`, headers: { authorization: `Bearer ${secrets.access_token}` } };
      },
      downloadUrl: (_account, answered) => (baseUrlProblem(answered.origin, mediaHosts) === null ? answered.href : null),
    }),
    inbound: {
      target: () => ({ by: "platform" }),
      verify: (request) => verifyMetaSignature(appSecret, request.rawBody, request.headers["x-hub-signature-256"]),
      parse: (request) => parseCloudApiWebhook("meta", request.rawBody),
    },
  };
}
