// The tenant's bots as the dashboard reads them (list, one bot), kept a few
// seconds per replica so a busy dashboard does not turn every read into a
// gRPC call and two database reads in the adapter. Every change made through
// the gateway drops the tenant's entries on every replica (InvalidationBus);
// a connection state that changes on its own shows within the TTL.
import { LRUCache } from "lru-cache";
import { entriesBound } from "@fleet/service-kit";
import type { InvalidationBus } from "../repositories/invalidation-bus.js";
import type { AdapterClient, Bot, BotsPage, ConfigureBotInput } from "./adapter.client.js";

type BotsClient = Pick<AdapterClient, "listBots" | "getBot" | "configureBot" | "deleteBot">;

export function createCachedBotsClient({ adapter, bus, ttlMs = 3000, max = 10_000 }: { adapter: BotsClient; bus: InvalidationBus; ttlMs?: number; max?: number }): BotsClient {
  const cache = new LRUCache<string, BotsPage | Bot>({ ...entriesBound(max), ttl: ttlMs });
  // Keys start with the tenant id, so dropping a tenant's entries is a prefix match.
  const dropTenant = (tenantId: string) => {
    for (const key of cache.keys()) if (key.startsWith(`${tenantId}|`)) cache.delete(key);
  };
  bus.on("bots", dropTenant);

  async function cached<T extends BotsPage | Bot>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    if (hit) return hit as T;
    const value = await load();
    cache.set(key, value);
    return value;
  }

  return {
    listBots: (request, options) => cached(`${request.tenantId}|list|${request.pageSize ?? ""}|${request.pageToken ?? ""}`, () => adapter.listBots(request, options)),
    getBot: (request, options) => cached(`${request.tenantId}|bot|${request.botId}`, () => adapter.getBot(request, options)),
    async configureBot(input: ConfigureBotInput, options) {
      try {
        return await adapter.configureBot(input, options);
      } finally {
        await bus.publish("bots", input.tenantId);
      }
    },
    async deleteBot(request, options) {
      try {
        await adapter.deleteBot(request, options);
      } finally {
        await bus.publish("bots", request.tenantId);
      }
    },
  };
}
