// Deletes one of the caller's tenant's bots with its provider configuration.
// Afterwards sends through it answer NOT_FOUND and webhooks for its numbers
// find no bot, on every replica once the bot cache caught up (see bot-cache.ts).
import type { BotCache } from "../repositories/bot-cache.js";
import type { BotHealthRepository } from "../repositories/bot-health.repository.js";
import type { BotsRepository } from "../repositories/bots.repository.js";
import { botNotFound } from "./get-bot.use-case.js";

export interface DeleteBotDeps {
  bots: Pick<BotsRepository, "delete">;
  cache: Pick<BotCache, "invalidate">;
  botHealth: Pick<BotHealthRepository, "clear">;
}

export function createDeleteBot({ bots, cache, botHealth }: DeleteBotDeps) {
  return async function deleteBot(tenantId: string, botId: string): Promise<void> {
    // Another tenant's bot, an unknown id and a malformed one all read as "no such bot".
    if (!(await bots.delete(tenantId, botId))) throw botNotFound();
    await cache.invalidate();
    await botHealth.clear(botId);
  };
}

export type DeleteBot = ReturnType<typeof createDeleteBot>;
