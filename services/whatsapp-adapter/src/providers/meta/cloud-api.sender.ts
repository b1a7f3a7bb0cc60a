// Sends through a Cloud API endpoint: Meta's Graph API or a BSP that speaks
// it (also read receipts and media uploads). Only where the calls go and how
// they authenticate differ.
import { z } from "zod";
import type { ProviderKindName } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
import type { MediaFile, MessageSender, ProviderAccount } from "../provider.js";
import { callProvider, missingMessageId } from "../provider-http.js";
import { graphError } from "./cloud-api-errors.js";
import { CloudApiSuccessSchema, cloudApiMessage, cloudApiReadReceipt } from "./cloud-api-message.js";

export interface CloudApiEndpoint {
  provider: ProviderKindName;
  label: string;
  timeoutMs: number;
  /** The messages URL and auth headers of an account; throws PROVIDER_NOT_CONFIGURED when it lacks what they need. */
  endpoint(account: ProviderAccount): { url: string; headers: Record<string, string> };
}

export function notConfigured(label: string, missing: string): AppError {
  return new AppError("failed_precondition", "PROVIDER_NOT_CONFIGURED", `${label} provider lacks ${missing}`);
}

export function createCloudApiSender({ provider, label, timeoutMs, endpoint }: CloudApiEndpoint): MessageSender {
  return {
    async send(account, request, signal) {
      const { url, headers } = endpoint(account);
      const answer = await callProvider({
        provider,
        label,
        url,
        timeoutMs,
        init: { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(cloudApiMessage(request)), signal },
      });
      if (!answer.ok) throw graphError(answer.status, answer.body, provider, label);
      const success = CloudApiSuccessSchema.safeParse(answer.body);
      const id = success.success ? success.data.messages[0]?.id : undefined;
      if (id === undefined) throw missingMessageId(provider, label, answer.status);
      return { providerMessageId: id };
    },
  };
}

const UploadedSchema = z.object({ id: z.string().min(1) }).loose();

export interface CloudApiExtras extends Omit<CloudApiEndpoint, "endpoint"> {
  /** The messages URL and auth headers of an account (read receipts go there too). */
  endpoint: CloudApiEndpoint["endpoint"];
  /** The media upload URL of an account (same auth headers). */
  uploadUrl(account: ProviderAccount): string;
}

/** Read receipts and media uploads on a Cloud API endpoint. */
export function cloudApiExtras({ provider, label, timeoutMs, endpoint, uploadUrl }: CloudApiExtras) {
  return {
    async markRead(account: ProviderAccount, { providerMessageId }: { providerMessageId: string }, signal: AbortSignal): Promise<void> {
      const { url, headers } = endpoint(account);
      const answer = await callProvider({
        provider,
        label,
        url,
        timeoutMs,
        // Marking twice is harmless: retried like a read.
        idempotent: true,
        init: { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(cloudApiReadReceipt(providerMessageId)), signal },
      });
      if (!answer.ok) throw graphError(answer.status, answer.body, provider, label);
    },
    async upload(account: ProviderAccount, file: MediaFile, signal: AbortSignal): Promise<string> {
      const { headers } = endpoint(account);
      const form = new FormData();
      form.append("messaging_product", "whatsapp");
      form.append("type", file.mimeType);
      form.append("file", new Blob([file.data], { type: file.mimeType }), file.filename ?? "file");
      // An upload that may have happened only leaves an unused file behind: retried like a read.
      const answer = await callProvider({ provider, label, url: uploadUrl(account), timeoutMs, idempotent: true, init: { method: "POST", headers, body: form, signal } });
      if (!answer.ok) throw graphError(answer.status, answer.body, provider, label);
      const uploaded = UploadedSchema.safeParse(answer.body);
      if (!uploaded.success) throw new AppError("unavailable", "PROVIDER_BAD_RESPONSE", `${label} answered the upload without a media id`);
      return uploaded.data.id;
    },
  };
}
