// The live connection feed of one bot's Baileys session (WatchConnection): the
// latest update first, then every change, for as long as the caller watches.
// Only bots with a Baileys provider have one; other providers have no session
// whose state changes on its own (GetConnection answers for them).
import { AppError } from "@fleet/service-kit";
import type { BotCache } from "../repositories/bot-cache.js";
import type { ConnectionUpdate, ConnectionUpdates } from "../sessions/connection-updates.js";

export interface WatchConnectionDeps {
  bots: Pick<BotCache, "find">;
  updates: Pick<ConnectionUpdates, "watch">;
  now?: () => number;
}

/** The bot's Baileys provider must exist, and the bot must be the tenant's. */
export async function requireBaileysBot(bots: Pick<BotCache, "find">, tenantId: string, botId: string): Promise<{ id: string; tenantId: string }> {
  const bot = await bots.find(tenantId, botId);
  if (!bot) throw new AppError("not_found", "BOT_NOT_FOUND", "Bot not found");
  if (!bot.providers.some((provider) => provider.kind === "baileys")) {
    throw new AppError("failed_precondition", "NO_LIVE_CONNECTION", "Only bots with a Baileys provider have a live connection; ask GetConnection for this one");
  }
  return { id: bot.id, tenantId: bot.tenantId };
}

/** What a watcher sees before the bot's session ever reported (seq 0: any real update comes after it). */
export function notReportedYet(bot: { id: string; tenantId: string }, at: number): ConnectionUpdate {
  return { botId: bot.id, tenantId: bot.tenantId, state: "disconnected", detail: "The bot's session has not reported its state yet", at, seq: 0 };
}

export function createWatchConnection({ bots, updates, now = Date.now }: WatchConnectionDeps) {
  return async function* watchConnection(tenantId: string, botId: string, signal: AbortSignal): AsyncGenerator<ConnectionUpdate> {
    const bot = await requireBaileysBot(bots, tenantId, botId);
    // Something to show at once when the session never reported.
    yield* updates.watch(bot.id, signal, notReportedYet(bot, now()));
  };
}

export type WatchConnection = ReturnType<typeof createWatchConnection>;
