// Staff hands a paused conversation (a hand-off) back to the bot. The resume is not applied here:
// it is appended to the conversation's inbound partition as an entry, so it is ordered with the
// contact's messages and decided once like any other turn (the flow continues at the hand-off's
// next step). A conversation that is not paused is left alone.
import { STREAM_FIELD, inboundPartition, inboundStream, type ConversationResumed } from "@fleet/contracts";
import type { RedisClient } from "@fleet/service-kit";
import type { ConversationsRepository } from "../repositories/conversations.repository.js";

export interface ResumeConversationDeps {
  redis: RedisClient;
  conversations: Pick<ConversationsRepository, "view">;
  partitions: number;
  now?: () => number;
}

export function createResumeConversation({ redis, conversations, partitions, now = Date.now }: ResumeConversationDeps) {
  /** False when the contact has no conversation of this tenant's bot, or it is not paused. */
  return async function resumeConversation(tenantId: string, botId: string, contact: string, by?: string): Promise<boolean> {
    const view = await conversations.view(tenantId, botId, contact);
    if (!view || view.pausedUntil === null) return false;
    const at = now();
    const entry: ConversationResumed = {
      v: 1,
      kind: "resume",
      // One resume per pause: resuming twice before the bot took over again appends one entry each, the second finds nothing paused.
      id: `resume:${botId}:${contact}:${at}`,
      tenantId,
      occurredAt: new Date(at).toISOString(),
      botId,
      contact,
      ...(by === undefined ? {} : { by }),
    };
    await redis.xadd(inboundStream(inboundPartition(botId, contact, partitions)), "*", STREAM_FIELD, JSON.stringify(entry));
    return true;
  };
}

export type ResumeConversation = ReturnType<typeof createResumeConversation>;
