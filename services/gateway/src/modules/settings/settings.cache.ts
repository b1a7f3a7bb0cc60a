// The shop's settings document, kept per tenant on each replica: every order (its tax rate), every
// GetBusinessHours and every seller assignment (the time zone) reads it, and it rarely changes. A
// change through PATCH /api/settings drops the tenant's entry on every replica at once
// (InvalidationBus topic "settings"); a document edited straight in the database (an operator's
// rateLimitPerMinute, say) shows within the TTL.
import { LRUCache } from "lru-cache";
import { entriesBound } from "@fleet/service-kit";
import type { InvalidationBus } from "../../repositories/invalidation-bus.js";
import type { SettingsRepository, StoredSettings } from "./settings.repository.js";


export function createCachedSettingsRepository({ settings, bus, ttlMs = 30_000, max = 10_000 }: { settings: SettingsRepository; bus: InvalidationBus; ttlMs?: number; max?: number }): SettingsRepository {
  const cache = new LRUCache<string, StoredSettings>({ ...entriesBound(max), ttl: ttlMs });
  // A read that started before an invalidation may carry the old document: it is not kept.
  let generation = 0;
  bus.on("settings", (tenantId) => {
    generation += 1;
    cache.delete(tenantId);
  });

  return {
    async find(tenantId) {
      const hit = cache.get(tenantId);
      if (hit) return hit;
      const started = generation;
      const stored = await settings.find(tenantId);
      // An unknown tenant is not kept: it may be created a moment later.
      if (stored !== null && started === generation) cache.set(tenantId, stored);
      return stored;
    },
    async merge(tenantId, set, unset) {
      try {
        return await settings.merge(tenantId, set, unset);
      } finally {
        await bus.publish("settings", tenantId);
      }
    },
  };
}
