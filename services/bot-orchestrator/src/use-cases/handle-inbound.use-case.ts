// Handles one inbound entry. A message gets its replies sent through the
// adapter with idempotency key = inbound id + reply index, so a redelivered
// entry never sends twice; the entry is acked only once every reply was
// accepted. Transient failures are retried in place (keeping the
// conversation's order) and then left pending for a later redelivery. A reply
// the provider may or may not have accepted (SEND_OUTCOME_UNKNOWN) is never
// retried: the adapter answers the same for that key for as long as a
// redelivery can happen, so it is recorded and the entry goes on.
import { ExponentialBackoff, handleWhen, retry } from "cockatiel";
import type { InboundEntry, InboundMessage } from "@fleet/contracts";
import { AppError, toAppError, type Logger } from "@fleet/service-kit";
import type { EventsRepository } from "../repositories/events.repository.js";
import { greetingReplies } from "./reply.js";

export interface ReplySender {
  sendText(message: InboundMessage, text: string, idempotencyKey: string): Promise<{ providerMessageId: string; provider: string }>;
}

/**
 * What became of an entry. Three outcomes leave it for a retry in place: "retry_later" (a reply
 * failed and that counts as a failed attempt), "throttled" (the bot's provider pacing or rate
 * limit held the reply back: not a failure, but a sign to send less at once for this bot) and
 * "unavailable" (the adapter or the provider is away for everybody: not this entry's failure).
 * Every other outcome acks it. "ambiguous": every reply was handled, but at least one may or
 * may not have reached the contact.
 */
export type Outcome = "replied" | "ambiguous" | "failed" | "retry_later" | "throttled" | "unavailable" | "recorded";

/** Retryable failures that say "not now for this bot", not "this reply failed". */
const THROTTLED = new Set(["GRPC_DEADLINE_EXCEEDED", "PACING_DEADLINE", "TENANT_QUOTA_DEADLINE", "SEND_IN_PROGRESS", "PROVIDER_RATE_LIMITED"]);
/** Retryable failures that hit every conversation alike (adapter unreachable, provider's circuit open). */
const UNAVAILABLE = new Set(["GRPC_UNAVAILABLE", "PROVIDER_CIRCUIT_OPEN"]);

function retryOutcome(code: string): Outcome {
  if (THROTTLED.has(code)) return "throttled";
  if (UNAVAILABLE.has(code)) return "unavailable";
  return "retry_later";
}

/** The adapter's answer when the provider may have accepted a message: asking again sends nothing. */
export const SEND_OUTCOME_UNKNOWN = "SEND_OUTCOME_UNKNOWN";

function providerCodeOf(details: unknown): string | null {
  if (typeof details !== "object" || details === null || !("providerCode" in details)) return null;
  return typeof details.providerCode === "string" ? details.providerCode : null;
}

export interface HandleInboundDeps {
  sender: ReplySender;
  events: EventsRepository;
  logger: Logger;
  now?: () => number;
}

export function createHandleInbound({ sender, events, logger, now = Date.now }: HandleInboundDeps) {
  const transient = retry(
    // Throttled replies are not retried here: waiting is the scheduler's job, with the bot's slot given back.
    handleWhen((error) => error instanceof AppError && error.retryable && error.code !== SEND_OUTCOME_UNKNOWN && !THROTTLED.has(error.code)),
    { maxAttempts: 3, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }) },
  );

  async function handleMessage(message: InboundMessage): Promise<Outcome> {
    const context = { tenantId: message.tenantId, botId: message.botId, contact: message.from };
    await events.emit({ id: `${message.id}:received`, type: "message.received", ...context, attributes: { provider: message.provider, type: message.type } });
    const replies = greetingReplies(message);
    let ambiguous = false;
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
        if (appError.code === SEND_OUTCOME_UNKNOWN) {
          logger.warn("reply may or may not have reached the contact; not sent again", { botId: message.botId, code: appError.code });
          await events.emit({
            id: `${message.id}:reply:${index}:ambiguous`,
            type: "message.send_ambiguous",
            ...context,
            attributes: { code: appError.code, provider_code: providerCodeOf(appError.details) },
          });
          ambiguous = true;
          continue;
        }
        if (appError.retryable) {
          const outcome = retryOutcome(appError.code);
          if (outcome === "retry_later") logger.warn("reply not accepted yet; entry retried later", { botId: message.botId, code: appError.code });
          return outcome;
        }
        logger.error("reply rejected", { botId: message.botId, code: appError.code });
        await events.emit({ id: `${message.id}:reply:${index}:failed`, type: "message.send_failed", ...context, attributes: { code: appError.code } });
        return "failed";
      }
    }
    return ambiguous ? "ambiguous" : "replied";
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
