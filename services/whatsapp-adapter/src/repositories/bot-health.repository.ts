// What the adapter learned about a bot's provider account while using it
// (e.g. Meta rejected the token with 190), so GetConnection tells the truth
// to every replica. Cleared when the bot is configured again.
import type { Redis } from "ioredis";
import type { ProviderKindName } from "@fleet/contracts";

export interface ProviderProblem {
  kind: ProviderKindName;
  code: string;
  at: string;
}

export function createBotHealthRepository(redis: Redis) {
  const key = (botId: string) => `bot:problem:${botId}`;
  return {
    async report(botId: string, problem: ProviderProblem): Promise<void> {
      await redis.set(key(botId), JSON.stringify(problem), "EX", 30 * 24 * 3600);
    },
    async find(botId: string): Promise<ProviderProblem | null> {
      const raw = await redis.get(key(botId));
      return raw ? (JSON.parse(raw) as ProviderProblem) : null;
    },
    async clear(botId: string): Promise<void> {
      await redis.del(key(botId));
    },
  };
}

export type BotHealthRepository = ReturnType<typeof createBotHealthRepository>;
