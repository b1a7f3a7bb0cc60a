// Staff pauses the bot for a contact (from the dashboard, or a seller's chat command). Like a
// resume, the pause is not applied here: it is appended to the conversation's inbound partition
// as an entry, ordered with the contact's messages and decided once like any other turn. Only a
// bot that runs a flow can be paused (an echo bot keeps no conversation to hold the pause).
import { STREAM_FIELD, inboundPartition, inboundStream, type ConversationPaused } from "@fleet/contracts";
import { AppError, type RedisClient } from "@fleet/service-kit";
import type { FlowsRepository } from "../repositories/flows.repository.js";

/** A pause lasts at most a week. */
export const MAX_PAUSE_MINUTES = 7 * 24 * 60;

export interface PauseConversationDeps {
  redis: RedisClient;
  flows: Pick<FlowsRepository, "activeForBot">;
  partitions: number;
  now?: () => number;
}

export function createPauseConversation({ redis, flows, partitions, now = Date.now }: PauseConversationDeps) {
  /** The instant the pause ends, or null when the bot runs no flow. */
  return async function pauseConversation(tenantId: string, botId: string, contact: string, minutes: number, by?: string): Promise<Date | null> {
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_PAUSE_MINUTES) {
      throw new AppError("invalid_argument", "INVALID_PAUSE", `minutes must be a whole number from 1 to ${MAX_PAUSE_MINUTES}`);
    }
    if (!(await flows.activeForBot(tenantId, botId))) return null;
    const at = now();
    const until = at + minutes * 60_000;
    const entry: ConversationPaused = {
      v: 1,
      kind: "pause",
      id: `pause:${botId}:${contact}:${at}`,
      tenantId,
      occurredAt: new Date(at).toISOString(),
      botId,
      contact,
      until,
      ...(by === undefined ? {} : { by }),
    };
    await redis.xadd(inboundStream(inboundPartition(botId, contact, partitions)), "*", STREAM_FIELD, JSON.stringify(entry));
    return new Date(until);
  };
}

export type PauseConversation = ReturnType<typeof createPauseConversation>;
