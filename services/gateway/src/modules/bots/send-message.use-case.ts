// Sends a text message from the dashboard through a bot of the caller's
// tenant. The idempotency key is namespaced by user, so one user's retry
// replays their own send and can never collide with another's or the bots'.
import type { ProviderKindName } from "@fleet/contracts";
import { authorize, type Actor } from "../../auth/permissions.js";
import { providerName, type AdapterClient } from "../../clients/adapter.client.js";

export interface SendMessageInput {
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
  return async function sendMessage(actor: Actor, input: SendMessageInput): Promise<SendMessageResult> {
    authorize(actor, "messages:send");
    const response = await adapter.sendMessage({
      tenantId: actor.tenantId,
      botId: input.botId,
      recipient: input.to,
      content: { kind: { case: "text", value: { body: input.text } } },
      idempotencyKey: `dashboard:${actor.userId}:${input.idempotencyKey}`,
    });
    return { providerMessageId: response.providerMessageId, provider: providerName(response.provider), replayed: response.replayed };
  };
}

export type SendMessage = ReturnType<typeof createSendMessage>;
