// SendMessages: a turn's replies to one contact in one call. Each reply goes through SendMessage
// exactly as if it had been called alone (its own idempotency key, fallbacks, pacing, quota), one
// after the other, so they reach the contact in order. The first reply that fails stops the
// batch (the caller retries from there), except one whose outcome is unknown: it is never sent
// again, so the replies after it go on. What the batch saves is the call per reply between the
// orchestrator and the adapter, and a round trip to Redis per reply: each reply's result is
// written together with the next reply's claim, and the batch answers once all are written.
import { AppError, toAppError, type Logger } from "@fleet/service-kit";
import type { OutboundContent } from "../providers/provider.js";
import { SEND_OUTCOME_UNKNOWN, type SendMessage, type SendMessageResult } from "./send-message.use-case.js";

/** Most replies one call carries (a flow turn sends a handful). */
export const MAX_REPLIES_PER_CALL = 50;

export interface SendMessagesInput {
  tenantId: string;
  botId: string;
  recipient: string;
  replyToProviderMessageId?: string;
  replies: { content: OutboundContent | null; idempotencyKey: string }[];
  /** Absolute time after which the caller no longer waits (for the whole batch). */
  deadline: number;
}

export type ReplyResult = { sent: SendMessageResult } | { error: AppError };

export function createSendMessages({ sendMessage, logger }: { sendMessage: SendMessage; logger: Logger }) {
  return async function sendMessages(input: SendMessagesInput): Promise<ReplyResult[]> {
    if (input.replies.length === 0) throw new AppError("invalid_argument", "NO_REPLIES", "replies must hold at least one reply");
    if (input.replies.length > MAX_REPLIES_PER_CALL) throw new AppError("invalid_argument", "TOO_MANY_REPLIES", `At most ${MAX_REPLIES_PER_CALL} replies per call`);
    const results: ReplyResult[] = [];
    const records: Promise<void>[] = [];
    const deferRecord = (write: Promise<void>) => void records.push(write);
    for (const reply of input.replies) {
      try {
        const sent = await sendMessage({
          tenantId: input.tenantId,
          botId: input.botId,
          recipient: input.recipient,
          content: reply.content,
          idempotencyKey: reply.idempotencyKey,
          ...(input.replyToProviderMessageId ? { replyToProviderMessageId: input.replyToProviderMessageId } : {}),
          deadline: input.deadline,
        }, { deferRecord });
        results.push({ sent });
      } catch (caught) {
        const error = toAppError(caught);
        if (error.kind === "internal") logger.error("reply of a batch failed", { botId: input.botId, error: error.cause ?? error });
        results.push({ error });
        if (error.code !== SEND_OUTCOME_UNKNOWN) break;
      }
    }
    await Promise.all(records);
    return results;
  };
}

export type SendMessages = ReturnType<typeof createSendMessages>;
