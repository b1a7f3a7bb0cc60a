// Sends a text message from the dashboard through a bot of the caller's
// tenant. The idempotency key is namespaced by user, so one user's retry
// replays their own send and can never collide with another's or the bots'.
// A message sent is a `message.sent` event (by the user, manual), so every
// dashboard of the shop sees it in the conversation and the KPIs count it; the
// event's id is the send's key, so a replay does not count it twice.
import type { ProviderKindName } from "@fleet/contracts";
import type { Logger } from "@fleet/service-kit";
import type { EventsRepository } from "../../repositories/events.repository.js";
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

/** As much of the text as the live feed shows (the orchestrator's replies carry the same). */
const FEED_TEXT = 500;

export function createSendMessage({ adapter, events, logger }: { adapter: Pick<AdapterClient, "sendMessage">; events: Pick<EventsRepository, "emit">; logger: Logger }) {
  return async function sendMessage(actor: Actor, input: SendMessageInput): Promise<SendMessageResult> {
    authorize(actor, "messages:send");
    const idempotencyKey = `dashboard:${actor.userId}:${input.idempotencyKey}`;
    const response = await adapter.sendMessage({
      tenantId: actor.tenantId,
      botId: input.botId,
      recipient: input.to,
      content: { kind: { case: "text", value: { body: input.text } } },
      idempotencyKey,
    });
    const provider = providerName(response.provider);
    // Sent already: a lost event must not turn a sent message into an error for the user.
    await events
      .emit({ id: idempotencyKey, type: "message.sent", tenantId: actor.tenantId, botId: input.botId, contact: input.to, attributes: { provider, text: input.text.slice(0, FEED_TEXT), by: actor.userId, manual: true } })
      .catch((error: unknown) => logger.warn("manual message event not published", { botId: input.botId, error: error instanceof Error ? error.message : String(error) }));
    return { providerMessageId: response.providerMessageId, provider, replayed: response.replayed };
  };
}

export type SendMessage = ReturnType<typeof createSendMessage>;
