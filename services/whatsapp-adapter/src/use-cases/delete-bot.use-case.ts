// Deletes one of the caller's tenant's bots with its provider configuration.
// Afterwards sends through it answer NOT_FOUND and webhooks for its numbers
// find no bot, on every replica once the bot cache caught up (see bot-cache.ts).
// Providers that keep something for the bot (an Evolution instance linked to
// the shop's phone) are asked to release it; that is best effort: the bot is
// gone either way, and a failure is logged for the operator.
import type { Logger } from "@fleet/service-kit";
import type { ProviderRegistry } from "../providers/provider-registry.js";
import type { BotCache } from "../repositories/bot-cache.js";
import type { BotHealthRepository } from "../repositories/bot-health.repository.js";
import type { BotsRepository } from "../repositories/bots.repository.js";
import { botNotFound } from "./get-bot.use-case.js";

export interface DeleteBotDeps {
  bots: Pick<BotsRepository, "find" | "delete">;
  cache: Pick<BotCache, "invalidate">;
  botHealth: Pick<BotHealthRepository, "clear">;
  providers: ProviderRegistry;
  logger: Pick<Logger, "warn">;
  timeoutMs: number;
}

export function createDeleteBot({ bots, cache, botHealth, providers, logger, timeoutMs }: DeleteBotDeps) {
  return async function deleteBot(tenantId: string, botId: string): Promise<void> {
    const bot = await bots.find(tenantId, botId);
    // Another tenant's bot, an unknown id and a malformed one all read as "no such bot".
    if (!bot || !(await bots.delete(tenantId, botId))) throw botNotFound();
    await cache.invalidate();
    await botHealth.clear(botId);
    for (const provider of bot.providers) {
      const release = providers.get(provider.kind)?.release;
      if (!release) continue;
      await release({ settings: provider.settings, secrets: provider.secrets }, botId, AbortSignal.timeout(timeoutMs)).catch((error: unknown) =>
        logger.warn("deleted bot's provider not released", { botId, provider: provider.kind, error: error instanceof Error ? error.message : String(error) }),
      );
    }
  };
}

export type DeleteBot = ReturnType<typeof createDeleteBot>;
