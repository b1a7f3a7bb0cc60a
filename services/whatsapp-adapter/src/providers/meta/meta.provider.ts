// Meta WhatsApp Cloud API: sends with the bot's access token to
// {base}/{version}/{phone_number_id}/messages; webhooks for every bot come to
// one URL, signed with the platform app's secret, and name their bot by
// phone_number_id.
import { z } from "zod";
import { type BaseUrlPolicy, baseUrlSetting, rootOf } from "../base-url.js";
import type { ProviderDescriptor } from "../provider.js";
import { createCloudApiSender, notConfigured } from "./cloud-api.sender.js";
import { parseCloudApiWebhook, verifyMetaSignature } from "./cloud-api-webhook.js";
import { digits, messagesPerSecond } from "../settings.js";

export interface MetaProviderOptions {
  baseUrl: string;
  version: string;
  timeoutMs: number;
  appSecret: string;
  baseUrls: BaseUrlPolicy;
}

export const CLOUD_API_CAPABILITIES = { text: true, media: true, buttons: true, list: true, template: true, location: true, contacts: true } as const;

export function metaProvider({ baseUrl, version, timeoutMs, appSecret, baseUrls }: MetaProviderOptions): ProviderDescriptor {
  const label = "Meta Cloud API";
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
    sender: createCloudApiSender({
      provider: "meta",
      label,
      timeoutMs,
      endpoint({ settings, secrets }) {
        const phoneNumberId = settings.phone_number_id;
        const token = secrets.access_token;
        if (!phoneNumberId || !token) throw notConfigured(label, "phone_number_id or access_token");
        return {
          url: `${rootOf(settings, baseUrl)}/${settings.api_version ?? version}/${encodeURIComponent(phoneNumberId)}/messages`,
          headers: { authorization: `Bearer ${token}` },
        };
      },
    }),
    inbound: {
      target: () => ({ by: "platform" }),
      verify: (request) => verifyMetaSignature(appSecret, request.rawBody, request.headers["x-hub-signature-256"]),
      parse: (request) => parseCloudApiWebhook("meta", request.rawBody),
    },
  };
}
