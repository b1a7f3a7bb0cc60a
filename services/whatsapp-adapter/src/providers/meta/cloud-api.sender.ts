// Sends through a Cloud API endpoint: Meta's Graph API or a BSP that speaks
// it. Only where the call goes and how it authenticates differ.
import type { ProviderKindName } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
import type { MessageSender, ProviderAccount } from "../provider.js";
import { callProvider, missingMessageId } from "../provider-http.js";
import { graphError } from "./cloud-api-errors.js";
import { CloudApiSuccessSchema, cloudApiMessage } from "./cloud-api-message.js";

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
