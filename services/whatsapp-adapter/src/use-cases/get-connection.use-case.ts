// Connection state of a bot's primary provider. A Baileys bot answers with the
// latest update its session published (state, QR, pairing code); Evolution is
// asked through its descriptor's connection check; the others are "connected"
// when every secret is present and the provider has not rejected them.
import type { ConnectionStateName, ProviderKindName } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
import type { ProviderRegistry } from "../providers/provider-registry.js";
import type { BotCache } from "../repositories/bot-cache.js";
import type { BotHealthRepository, ProviderProblem } from "../repositories/bot-health.repository.js";
import type { BotRecord } from "../repositories/bots.repository.js";
import type { ConnectionUpdates } from "../sessions/connection-updates.js";
import { notReportedYet } from "./watch-connection.use-case.js";

export interface ConnectionView {
  state: ConnectionStateName;
  provider: ProviderKindName;
  qr?: string;
  pairingCode?: string;
  detail?: string;
}

/** The state of the bot's primary provider from what is stored, without asking the provider (lists, bot views). */
export function connectionOf(bot: Pick<BotRecord, "providers">, problem: ProviderProblem | null, registry: ProviderRegistry): ConnectionView {
  const primary = bot.providers[0];
  if (!primary) return { state: "misconfigured", provider: "meta", detail: "The bot has no provider configured" };
  if (problem?.kind === primary.kind) {
    return { state: "misconfigured", provider: primary.kind, detail: `The provider refused the bot's account (${problem.code}) at ${problem.at}; update its credentials` };
  }
  const descriptor = registry.get(primary.kind);
  if (!descriptor) return { state: "misconfigured", provider: primary.kind, detail: `${primary.kind} is not available on this fleet` };
  const missing = descriptor.secrets.filter((name) => !primary.secrets[name]);
  if (missing.length > 0) return { state: "misconfigured", provider: primary.kind, detail: `Missing ${missing.join(", ")}` };
  if (descriptor.connection) return { state: "connecting", provider: primary.kind, detail: "Open the bot's connection for its live state" };
  return { state: "connected", provider: primary.kind };
}

export interface GetConnectionDeps {
  bots: Pick<BotCache, "find">;
  botHealth: Pick<BotHealthRepository, "find">;
  providers: ProviderRegistry;
  /** The latest update of each Baileys session. */
  liveConnections: Pick<ConnectionUpdates, "latest">;
  timeoutMs: number;
}

export function createGetConnection({ bots, botHealth, providers, liveConnections, timeoutMs }: GetConnectionDeps) {
  return async function getConnection(tenantId: string, botId: string): Promise<ConnectionView> {
    const bot = await bots.find(tenantId, botId);
    if (!bot) throw new AppError("not_found", "BOT_NOT_FOUND", "Bot not found");
    // A bot without providers has no account to have a problem with.
    const stored = connectionOf(bot, bot.providers.length > 0 ? await botHealth.find(bot.id) : null, providers);
    const primary = bot.providers[0];
    if (primary?.kind === "baileys" && stored.state !== "misconfigured") {
      const { state, qr, pairingCode, detail } = (await liveConnections.latest(bot.id)) ?? notReportedYet(bot, Date.now());
      return { state, provider: "baileys", ...(qr ? { qr } : {}), ...(pairingCode ? { pairingCode } : {}), ...(detail ? { detail } : {}) };
    }
    const check = primary ? providers.get(primary.kind)?.connection : undefined;
    if (!primary || !check || stored.state === "misconfigured") return stored;
    const live = await check({ settings: primary.settings, secrets: primary.secrets }, bot.id, AbortSignal.timeout(timeoutMs));
    return { provider: primary.kind, ...live };
  };
}

export type GetConnection = ReturnType<typeof createGetConnection>;
