// Handles one entry of wa.inbound. A message gets its replies sent through the
// adapter with idempotency key = inbound id + reply index, so a redelivered
// entry never sends twice; the entry is acked only once every reply was
// accepted. Transient failures are retried in place (keeping the
// conversation's order) and then left pending for a later redelivery.
import { ExponentialBackoff, handleWhen, retry } from "cockatiel";
import type { InboundEntry, InboundMessage } from "@fleet/contracts";
import { AppError, toAppError, type Logger } from "@fleet/service-kit";
import type { EventsRepository } from "../repositories/events.repository.js";
import { greetingReplies } from "./reply.js";

export interface ReplySender {
  sendText(message: InboundMessage, text: string, idempotencyKey: string): Promise<{ providerMessageId: string; provider: string }>;
}

export type Outcome = "replied" | "failed" | "retry_later" | "recorded";

export interface HandleInboundDeps {
  sender: ReplySender;
  events: EventsRepository;
  logger: Logger;
  now?: () => number;
}

export function createHandleInbound({ sender, events, logger, now = Date.now }: HandleInboundDeps) {
  const transient = retry(
    handleWhen((error) => error instanceof AppError && error.retryable),
    { maxAttempts: 3, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }) },
  );

  async function handleMessage(message: InboundMessage): Promise<Outcome> {
    const context = { tenantId: message.tenantId, botId: message.botId, contact: message.from };
    await events.emit({ id: `${message.id}:received`, type: "message.received", ...context, attributes: { provider: message.provider, type: message.type } });
    const replies = greetingReplies(message);
    for (const [index, reply] of replies.entries()) {
      try {
        const sent = await transient.execute(() => sender.sendText(message, reply.text, `${message.id}:${index}`));
        await events.emit({
          id: `${message.id}:reply:${index}`,
          type: "message.sent",
          ...context,
          attributes: { provider: sent.provider, response_ms: Math.max(now() - Date.parse(message.occurredAt), 0) },
        });
      } catch (error) {
        const appError = toAppError(error);
        if (appError.retryable) {
          logger.warn("reply not accepted yet; entry left for redelivery", { botId: message.botId, code: appError.code });
          return "retry_later";
        }
        logger.error("reply rejected", { botId: message.botId, code: appError.code });
        await events.emit({ id: `${message.id}:reply:${index}:failed`, type: "message.send_failed", ...context, attributes: { code: appError.code } });
        return "failed";
      }
    }
    return "replied";
  }

  return async function handleInbound(entry: InboundEntry): Promise<Outcome> {
    if (entry.kind === "status") {
      await events.emit({
        id: entry.id,
        type: "message.status",
        tenantId: entry.tenantId,
        botId: entry.botId,
        contact: entry.recipient,
        occurredAt: entry.occurredAt,
        attributes: { status: entry.status, provider: entry.provider, error_code: entry.errors?.[0]?.code ?? null },
      });
      return "recorded";
    }
    return handleMessage(entry);
  };
}

export type HandleInbound = ReturnType<typeof createHandleInbound>;
