// Connection state of a bot's primary provider. Cloud API providers are
// "connected" when credentials are present and the provider has not rejected
// them; session providers (Baileys, Evolution) report their live state later.
import type { ConnectionStateName, ProviderKindName } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
import type { BotCache } from "../repositories/bot-cache.js";
import type { BotHealthRepository, ProviderProblem } from "../repositories/bot-health.repository.js";
import type { BotRecord } from "../repositories/bots.repository.js";

export interface ConnectionView {
  state: ConnectionStateName;
  provider: ProviderKindName;
  qr?: string;
  pairingCode?: string;
  detail?: string;
}

const REQUIRED_SECRET: Partial<Record<ProviderKindName, string>> = { meta: "access_token", official: "api_key", twilio: "auth_token", evolution: "api_key" };

/** The state of the bot's primary provider, given what the adapter last learned about its account. */
export function connectionOf(bot: Pick<BotRecord, "providers">, problem: ProviderProblem | null): ConnectionView {
  const primary = bot.providers[0];
  if (!primary) return { state: "misconfigured", provider: "meta", detail: "The bot has no provider configured" };
  if (problem?.kind === primary.kind) {
    return { state: "misconfigured", provider: primary.kind, detail: `The provider refused the bot's account (${problem.code}) at ${problem.at}; update its credentials` };
  }
  if (primary.kind === "meta" || primary.kind === "official") {
    const secret = REQUIRED_SECRET[primary.kind];
    return secret && primary.secrets[secret] ? { state: "connected", provider: primary.kind } : { state: "misconfigured", provider: primary.kind, detail: `Missing ${secret}` };
  }
  return { state: "disconnected", provider: primary.kind, detail: `${primary.kind} sessions are not available yet` };
}

export function createGetConnection({ bots, botHealth }: { bots: Pick<BotCache, "find">; botHealth: Pick<BotHealthRepository, "find"> }) {
  return async function getConnection(tenantId: string, botId: string): Promise<ConnectionView> {
    const bot = await bots.find(tenantId, botId);
    if (!bot) throw new AppError("not_found", "BOT_NOT_FOUND", "Bot not found");
    // A bot without providers has no account to have a problem with.
    return connectionOf(bot, bot.providers.length > 0 ? await botHealth.find(bot.id) : null);
  };
}

export type GetConnection = ReturnType<typeof createGetConnection>;
