// Read-through cache of bot configuration: webhooks and sends at hundreds per
// second must not each query Postgres. Entries expire after BOT_CACHE_TTL_MS;
// ConfigureBot on this replica invalidates at once.
import type { ProviderKindName } from "@fleet/contracts";
import type { BotRecord, BotsRepository } from "./bots.repository.js";

interface Cached {
  value: BotRecord | null;
  expires: number;
}

export function createBotCache(bots: BotsRepository, ttlMs: number, now: () => number = Date.now) {
  const byId = new Map<string, Cached>();
  const byRouting = new Map<string, Cached>();

  async function through(map: Map<string, Cached>, key: string, load: () => Promise<BotRecord | null>): Promise<BotRecord | null> {
    const hit = map.get(key);
    if (hit && hit.expires > now()) return hit.value;
    const value = await load();
    // Misses are not cached: a bot configured on another replica must be found at once.
    if (value) map.set(key, { value, expires: now() + ttlMs });
    return value;
  }

  return {
    find: (tenantId: string, botId: string) => through(byId, `${tenantId}/${botId}`, () => bots.find(tenantId, botId)),
    findByRoutingKey: (kind: ProviderKindName, routingKey: string) => through(byRouting, `${kind}/${routingKey}`, () => bots.findByRoutingKey(kind, routingKey)),
    invalidate(): void {
      byId.clear();
      byRouting.clear();
    },
  };
}

export type BotCache = ReturnType<typeof createBotCache>;
