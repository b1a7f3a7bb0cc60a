// The shop's settings document, kept per tenant on each replica: every order (its tax rate), every
// GetBusinessHours and every seller assignment (the time zone) reads it, and it rarely changes. A
// change through PATCH /api/settings drops the tenant's entry on every replica at once
// (InvalidationBus topic "settings"); a document edited straight in the database (an operator's
// rateLimitPerMinute, say) shows within the TTL.
import { LRUCache } from "lru-cache";
import type { InvalidationBus } from "../../repositories/invalidation-bus.js";
import type { SettingsRepository } from "./settings.repository.js";

/** Boxed, because a settings document may be any JSON value (the LRU cache holds objects only). */
interface Entry {
  document: unknown;
}

export function createCachedSettingsRepository({ settings, bus, ttlMs = 30_000, max = 10_000 }: { settings: SettingsRepository; bus: InvalidationBus; ttlMs?: number; max?: number }): SettingsRepository {
  const cache = new LRUCache<string, Entry>({ max, ttl: ttlMs });
  // A read that started before an invalidation may carry the old document: it is not kept.
  let generation = 0;
  bus.on("settings", (tenantId) => {
    generation += 1;
    cache.delete(tenantId);
  });

  return {
    async find(tenantId) {
      const hit = cache.get(tenantId);
      if (hit) return hit.document;
      const started = generation;
      const document = await settings.find(tenantId);
      // An unknown tenant is not kept: it may be created a moment later.
      if (document !== null && started === generation) cache.set(tenantId, { document });
      return document;
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
