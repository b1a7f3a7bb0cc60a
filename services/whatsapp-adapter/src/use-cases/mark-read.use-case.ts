// Blue ticks: marks a contact's message as read through the provider that
// delivered it, when that provider has read receipts.
import type { ProviderKindName } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
import { deadline } from "../providers/deadline.js";
import type { ProviderRegistry } from "../providers/provider-registry.js";
import type { BotCache } from "../repositories/bot-cache.js";
import { botNotFound } from "./get-bot.use-case.js";

export interface MarkReadInput {
  tenantId: string;
  botId: string;
  provider: ProviderKindName;
  providerMessageId: string;
  contact: string;
}

export function createMarkRead({ bots, providers, timeoutMs }: { bots: Pick<BotCache, "find">; providers: ProviderRegistry; timeoutMs: number }) {
  return async function markRead(input: MarkReadInput): Promise<{ marked: boolean }> {
    if (!/^[\x21-\x7e]{1,256}$/.test(input.providerMessageId)) throw new AppError("invalid_argument", "INVALID_MESSAGE_ID", "provider_message_id must be 1-256 printable characters");
    const bot = await bots.find(input.tenantId, input.botId);
    if (!bot) throw botNotFound();
    const account = bot.providers.find((p) => p.kind === input.provider);
    const mark = providers.get(input.provider)?.markRead;
    if (!account || !mark) return { marked: false };
    const limit = deadline(timeoutMs);
    try {
      await mark({ settings: account.settings, secrets: account.secrets }, { providerMessageId: input.providerMessageId, contact: input.contact }, limit.signal);
    } finally {
      limit.clear();
    }
    return { marked: true };
  };
}

export type MarkRead = ReturnType<typeof createMarkRead>;
