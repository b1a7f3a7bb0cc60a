// What the adapter learned about a bot's provider account while using it
// (e.g. Meta rejected the token with 190), so GetConnection tells the truth
// to every replica. Cleared when the bot is configured again.
import { z } from "zod";
import type { RedisClient } from "@fleet/service-kit";
import { ProviderKindSchema } from "@fleet/contracts";

const ProviderProblemSchema = z.object({ kind: ProviderKindSchema, code: z.string().min(1), at: z.string() });
export type ProviderProblem = z.infer<typeof ProviderProblemSchema>;

export function createBotHealthRepository(redis: RedisClient) {
  const key = (botId: string) => `bot:problem:${botId}`;
  return {
    async report(botId: string, problem: ProviderProblem): Promise<void> {
      await redis.set(key(botId), JSON.stringify(problem), "EX", 30 * 24 * 3600);
    },
    /** The reported problem; a value this build cannot read counts as none (the next failure reports again). */
    async find(botId: string): Promise<ProviderProblem | null> {
      const raw = await redis.get(key(botId));
      if (raw === null) return null;
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        return null;
      }
      const parsed = ProviderProblemSchema.safeParse(json);
      return parsed.success ? parsed.data : null;
    },
    async clear(botId: string): Promise<void> {
      await redis.del(key(botId));
    },
  };
}

export type BotHealthRepository = ReturnType<typeof createBotHealthRepository>;
