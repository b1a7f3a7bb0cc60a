// A contact's media, fetched from the provider on demand with the bot's
// credentials: the fleet stores references, never files. Only the bot's own
// tenant may ask, and only through a provider the bot has.
import type { ProviderKindName } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
import type { MediaFile } from "../providers/provider.js";
import type { ProviderRegistry } from "../providers/provider-registry.js";
import type { BotCache } from "../repositories/bot-cache.js";
import { botNotFound } from "./get-bot.use-case.js";

export interface GetMediaInput {
  tenantId: string;
  botId: string;
  provider: ProviderKindName;
  providerMediaId: string;
}

export interface GetMediaDeps {
  bots: Pick<BotCache, "find">;
  providers: ProviderRegistry;
  timeoutMs: number;
}

export function createGetMedia({ bots, providers, timeoutMs }: GetMediaDeps) {
  return async function getMedia({ tenantId, botId, provider, providerMediaId }: GetMediaInput): Promise<MediaFile> {
    if (providerMediaId.length === 0 || providerMediaId.length > 256) throw new AppError("invalid_argument", "INVALID_MEDIA_ID", "provider_media_id must be 1-256 characters");
    const bot = await bots.find(tenantId, botId);
    if (!bot) throw botNotFound();
    const account = bot.providers.find((p) => p.kind === provider);
    if (!account) throw new AppError("not_found", "MEDIA_NOT_FOUND", "The bot has no such provider");
    const fetchMedia = providers.get(provider)?.media;
    if (!fetchMedia) throw new AppError("failed_precondition", "MEDIA_NOT_AVAILABLE", `Media cannot be fetched from ${provider}`);
    return fetchMedia({ settings: account.settings, secrets: account.secrets }, providerMediaId, AbortSignal.timeout(timeoutMs * 3));
  };
}

export type GetMedia = ReturnType<typeof createGetMedia>;
