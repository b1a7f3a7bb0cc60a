// Read-through cache of bot configuration: webhooks and sends at hundreds per
// second must not each query Postgres. Entries expire after BOT_CACHE_TTL_MS.
// A change (ConfigureBot, DeleteBot) empties this replica's cache at once and
// bumps a generation counter in Redis; the other replicas look at the counter
// at most once per `checkEveryMs` and empty theirs when it moved, so they stop
// routing to a deleted bot or sending with replaced credentials within about
// that long instead of a whole TTL.
import type { ProviderKindName } from "@fleet/contracts";
import type { Logger, RedisClient } from "@fleet/service-kit";
import type { BotRecord, BotsRepository } from "./bots.repository.js";

interface Cached {
  value: BotRecord | null;
  expires: number;
}

/** The fleet-wide count of bot configuration changes. */
export interface BotCacheGeneration {
  current(): Promise<string | null>;
  bump(): Promise<void>;
}

const GENERATION_KEY = "bots:cache-generation";

export function createRedisBotCacheGeneration(redis: RedisClient): BotCacheGeneration {
  return {
    current: () => redis.get(GENERATION_KEY),
    bump: async () => {
      await redis.incr(GENERATION_KEY);
    },
  };
}

export interface BotCacheOptions {
  ttlMs: number;
  /** Shared with the other replicas; without it, changes reach only this replica's cache. */
  generation?: BotCacheGeneration;
  checkEveryMs?: number;
  logger?: Logger;
  now?: () => number;
}

export function createBotCache(bots: Pick<BotsRepository, "find" | "findById" | "findByRoutingKey">, { ttlMs, generation, checkEveryMs = 1000, logger, now = Date.now }: BotCacheOptions) {
  const byId = new Map<string, Cached>();
  const byRouting = new Map<string, Cached>();
  // Bumped on every clear: a load that began before a change must not put the old configuration back.
  let epoch = 0;
  let seenGeneration: string | null = null;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let checking = false;

  function clear(): void {
    byId.clear();
    byRouting.clear();
    epoch++;
  }

  // In the background, so a lookup never waits on (or fails with) Redis: while Redis is
  // unreachable, entries simply live out their TTL as they would without the counter.
  function checkGeneration(): void {
    if (!generation || checking || now() - checkedAt < checkEveryMs) return;
    checking = true;
    checkedAt = now();
    generation
      .current()
      .then((value) => {
        if (value !== seenGeneration) {
          seenGeneration = value;
          clear();
        }
      })
      .catch(() => {
        // The Redis client logs its own connection errors; the next lookup after checkEveryMs tries again.
      })
      .finally(() => {
        checking = false;
      });
  }

  async function through(map: Map<string, Cached>, key: string, load: () => Promise<BotRecord | null>): Promise<BotRecord | null> {
    checkGeneration();
    const hit = map.get(key);
    if (hit && hit.expires > now()) return hit.value;
    const loadedIn = epoch;
    const value = await load();
    // Misses are not cached: a bot configured on another replica must be found at once.
    if (value && loadedIn === epoch) map.set(key, { value, expires: now() + ttlMs });
    return value;
  }

  return {
    find: (tenantId: string, botId: string) => through(byId, `${tenantId}/${botId}`, () => bots.find(tenantId, botId)),
    findById: (botId: string) => through(byId, `*/${botId}`, () => bots.findById(botId)),
    findByRoutingKey: (kind: ProviderKindName, routingKey: string) => through(byRouting, `${kind}/${routingKey}`, () => bots.findByRoutingKey(kind, routingKey)),
    /**
     * After a bot was changed or deleted. Everything is dropped rather than the bot's entries: a
     * change can move a routing key between bots, and changes are rare next to lookups.
     */
    async invalidate(): Promise<void> {
      clear();
      if (!generation) return;
      try {
        await generation.bump();
      } catch (error) {
        // The change itself is committed; other replicas then serve the old configuration until their entries expire.
        logger?.warn("could not tell the other replicas that a bot changed; their cached copy expires within BOT_CACHE_TTL_MS", {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    },
  };
}

export type BotCache = ReturnType<typeof createBotCache>;
