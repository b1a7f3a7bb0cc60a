// Sends a text message from the dashboard through a bot of the caller's
// tenant. The idempotency key is namespaced by user, so one user's retry
// replays their own send and can never collide with another's or the bots'.
import type { ProviderKindName } from "@fleet/contracts";
import { providerName, type AdapterClient } from "../clients/adapter.client.js";

export interface SendMessageInput {
  tenantId: string;
  userId: string;
  botId: string;
  /** Recipient phone number, digits only. */
  to: string;
  text: string;
  idempotencyKey: string;
}

export interface SendMessageResult {
  providerMessageId: string;
  provider: ProviderKindName | null;
  /** True when this key was already used and nothing new was sent. */
  replayed: boolean;
}

export function createSendMessage({ adapter }: { adapter: Pick<AdapterClient, "sendMessage"> }) {
  return async function sendMessage(input: SendMessageInput): Promise<SendMessageResult> {
    const response = await adapter.sendMessage({
      tenantId: input.tenantId,
      botId: input.botId,
      recipient: input.to,
      content: { kind: { case: "text", value: { body: input.text } } },
      idempotencyKey: `dashboard:${input.userId}:${input.idempotencyKey}`,
    });
    return { providerMessageId: response.providerMessageId, provider: providerName(response.provider), replayed: response.replayed };
  };
}

export type SendMessage = ReturnType<typeof createSendMessage>;
