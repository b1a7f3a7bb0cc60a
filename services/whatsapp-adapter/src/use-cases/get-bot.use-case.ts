// One bot of the caller's tenant as the dashboard shows it: its providers with
// the names of their secrets (never the values) and its connection state.
// Read from Postgres, not the bot cache: the dashboard must see its own edits.
import type { ConnectionStateName, ProviderKindName } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
import type { ProviderRegistry } from "../providers/provider-registry.js";
import type { BotHealthRepository, ProviderProblem } from "../repositories/bot-health.repository.js";
import type { BotsRepository, StoredBot } from "../repositories/bots.repository.js";
import { connectionOf } from "./get-connection.use-case.js";

export interface ProviderView {
  kind: ProviderKindName;
  settings: Record<string, string>;
  /** Names of the secrets that are set, sorted. */
  secretNames: string[];
}

export interface BotView {
  id: string;
  tenantId: string;
  displayName: string;
  /** In fallback order. */
  providers: ProviderView[];
  createdAt: Date;
  updatedAt: Date;
  connection: { state: ConnectionStateName; detail?: string };
}

/** The bot without its secret values; `problem` is what the adapter last learned about its primary provider's account. */
export function describeBot(bot: StoredBot, problem: ProviderProblem | null, registry: ProviderRegistry): BotView {
  const { state, detail } = connectionOf(bot, problem, registry);
  return {
    id: bot.id,
    tenantId: bot.tenantId,
    displayName: bot.displayName,
    providers: bot.providers.map((p) => ({ kind: p.kind, settings: p.settings, secretNames: Object.keys(p.secrets).sort() })),
    createdAt: bot.createdAt,
    updatedAt: bot.updatedAt,
    connection: detail === undefined ? { state } : { state, detail },
  };
}

export const botNotFound = () => new AppError("not_found", "BOT_NOT_FOUND", "Bot not found");

export interface GetBotDeps {
  bots: Pick<BotsRepository, "find">;
  botHealth: Pick<BotHealthRepository, "find">;
  providers: ProviderRegistry;
}

export function createGetBot({ bots, botHealth, providers }: GetBotDeps) {
  return async function getBot(tenantId: string, botId: string): Promise<BotView> {
    // find() also answers null for a malformed id: NOT_FOUND, never an internal error.
    const bot = await bots.find(tenantId, botId);
    if (!bot) throw botNotFound();
    return describeBot(bot, await botHealth.find(bot.id), providers);
  };
}

export type GetBot = ReturnType<typeof createGetBot>;
