// Creates a bot, or updates one of the caller's tenant's bots (its name and its
// whole provider list, in fallback order). Settings are checked by the
// provider kind's descriptor (unknown keys are rejected, so typos surface, and
// a base_url must be on the kind's allowlist); secrets are write-only:
// a secret an update omits keeps the value stored for that provider kind.
import { z } from "zod";
import type { ProviderKindName } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
import type { ProviderRegistry } from "../providers/provider-registry.js";
import type { BotCache } from "../repositories/bot-cache.js";
import type { BotHealthRepository, ProviderProblem } from "../repositories/bot-health.repository.js";
import type { BotRecord, BotsRepository, ProviderSetting } from "../repositories/bots.repository.js";
import { botNotFound, describeBot, type BotView } from "./get-bot.use-case.js";

export interface ConfigureBotInput {
  tenantId: string;
  botId?: string;
  displayName: string;
  providers: { kind: ProviderKindName; settings: Record<string, string>; secrets: Record<string, string> }[];
}

const uuid = z.uuid();

export interface ConfigureBotDeps {
  bots: Pick<BotsRepository, "find" | "save">;
  /** Told of every change, so the replicas stop serving the old configuration. */
  cache: Pick<BotCache, "invalidate">;
  botHealth: Pick<BotHealthRepository, "clear" | "report">;
  providers: ProviderRegistry;
  /** Bound of each provider's set-up call (PROVIDER_TIMEOUT_MS). */
  timeoutMs: number;
}

export function createConfigureBot({ bots, cache, botHealth, providers: registry, timeoutMs }: ConfigureBotDeps) {
  /**
   * Lets each provider set itself up for the bot (webhook registration, instance creation). A
   * refusal does not undo the configuration: it is reported as the bot's problem, shown as its
   * connection state until the bot is configured again.
   */
  async function prepare(bot: BotRecord): Promise<ProviderProblem | null> {
    let first: ProviderProblem | null = null;
    for (const provider of bot.providers) {
      const setUp = registry.get(provider.kind)?.prepare;
      if (!setUp) continue;
      try {
        await setUp({ settings: provider.settings, secrets: provider.secrets }, bot.id, AbortSignal.timeout(timeoutMs));
      } catch (error) {
        const problem: ProviderProblem = { kind: provider.kind, code: error instanceof AppError ? error.code : "PROVIDER_SETUP_FAILED", at: new Date().toISOString() };
        await botHealth.report(bot.id, problem);
        first ??= problem;
      }
    }
    return first;
  }

  return async function configureBot(input: ConfigureBotInput): Promise<BotView> {
    const problems: string[] = [];
    if (!uuid.safeParse(input.tenantId).success) problems.push("tenant_id must be a UUID");
    if (input.botId && !uuid.safeParse(input.botId).success) problems.push("bot_id must be a UUID");
    if (input.displayName.trim().length === 0 || input.displayName.length > 200) problems.push("display_name must be 1-200 characters");
    if (input.providers.length === 0 || input.providers.length > 5) problems.push("providers must list 1 to 5 providers");
    const kinds = input.providers.map((p) => p.kind);
    if (new Set(kinds).size !== kinds.length) problems.push("providers must not repeat a provider kind");
    if (problems.length > 0) throw new AppError("invalid_argument", "INVALID_BOT_CONFIG", "Invalid bot configuration", { details: problems });

    const existing = input.botId ? await bots.find(input.tenantId, input.botId) : null;
    if (input.botId && !existing) throw botNotFound();

    const providers: ProviderSetting[] = input.providers.flatMap((provider, index) => {
      const rules = registry.get(provider.kind);
      if (!rules) {
        problems.push(`providers[${index}].kind: ${provider.kind} is not available on this fleet`);
        return [];
      }
      const parsed = rules.settings.safeParse(provider.settings);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) problems.push(`providers[${index}].settings.${issue.path.join(".") || issue.message}: ${issue.message}`);
      }
      const kept = existing?.providers.find((p) => p.kind === provider.kind)?.secrets ?? {};
      const secrets = { ...kept, ...provider.secrets };
      for (const name of Object.keys(provider.secrets)) {
        if (!rules.secrets.includes(name)) problems.push(`providers[${index}].secrets.${name} is not a ${provider.kind} secret`);
      }
      for (const name of rules.secrets) {
        if (!secrets[name]) problems.push(`providers[${index}].secrets.${name} is required for ${provider.kind}`);
      }
      return [{ kind: provider.kind, settings: provider.settings, secrets, routingKey: rules.routingKey(provider.settings) }];
    });
    if (problems.length > 0) throw new AppError("invalid_argument", "INVALID_BOT_CONFIG", "Invalid bot configuration", { details: problems });

    const saved = await bots.save({ id: input.botId, tenantId: input.tenantId, displayName: input.displayName.trim(), providers });
    await cache.invalidate();
    // New configuration, new chance: a problem the provider reported with the old credentials no longer applies.
    await botHealth.clear(saved.id);
    return describeBot(saved, await prepare(saved), registry);
  };
}

export type ConfigureBot = ReturnType<typeof createConfigureBot>;
