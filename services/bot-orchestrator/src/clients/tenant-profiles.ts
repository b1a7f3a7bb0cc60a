// The shop's name and time zone for every turn (tenant.name, now.* in the tenant's zone), asked of
// the gateway's CommerceService and kept per tenant for a while. When the gateway cannot answer (it
// is away, or does not know the tenant) the turn still runs, with the configured zone and no name;
// that answer is kept only briefly, so the real one follows soon.
import { LRUCache } from "lru-cache";
import { entriesBound, type Logger } from "@fleet/service-kit";
import type { TenantProfiles } from "../use-cases/handle-inbound.use-case.js";

export interface TenantProfileSource {
  getBusinessHours(request: { tenantId: string }): Promise<{ timeZone: string; shopName: string }>;
}

interface Profile {
  name?: string;
  timezone: string;
}

export function createTenantProfiles({ source, fallbackTimezone, ttlMs, logger }: { source: TenantProfileSource; fallbackTimezone: string; ttlMs: number; logger: Logger }): TenantProfiles {
  const fallbackTtl = Math.min(ttlMs, 5000);
  // Concurrent asks for one tenant share one call (lru-cache's fetch).
  const cache = new LRUCache<string, Profile>({
    ...entriesBound(10_000),
    ttl: ttlMs,
    async fetchMethod(tenantId, _stale, { options }) {
      try {
        const shop = await source.getBusinessHours({ tenantId });
        return { timezone: shop.timeZone || fallbackTimezone, ...(shop.shopName ? { name: shop.shopName } : {}) };
      } catch (error) {
        logger.debug("shop profile not available; the default time zone is used", { tenantId, error: error instanceof Error ? error.message : String(error) });
        options.ttl = fallbackTtl;
        return { timezone: fallbackTimezone };
      }
    },
  });

  return {
    async profile(tenantId) {
      // Undefined only for a fetch aborted by the cache itself (never deleted here): the default zone then.
      return (await cache.fetch(tenantId)) ?? { timezone: fallbackTimezone };
    },
  };
}
