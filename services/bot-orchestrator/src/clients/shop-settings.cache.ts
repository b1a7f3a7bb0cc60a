// The shop's settings as the gateway's GetBusinessHours answers them (name, time zone, hours,
// catalogue link), kept per tenant for a few seconds. The welcome, hours and order flows ask for
// them on most turns, and each ask is a gRPC call to the gateway: about as costly, for the fleet,
// as everything else a shop turn does in Redis. An answer is kept at most until the shop next opens
// or closes, so "open now" is never stale; any other change of the settings reaches the flows within
// `ttlMs`. Failures are not kept: the next turn asks again. Concurrent asks share one call
// (lru-cache's fetch).
import { LRUCache } from "lru-cache";
import { entriesBound } from "@fleet/service-kit";
import { timestampMs } from "../flows/actions/action-helpers.js";
import type { CommerceClient } from "./commerce.client.js";

type Hours = Awaited<ReturnType<CommerceClient["getBusinessHours"]>>;

/** `commerce` with GetBusinessHours answered from the cache while it is fresh; `ttlMs` 0 keeps nothing. */
export function withCachedShopSettings(commerce: CommerceClient, { ttlMs, now = Date.now }: { ttlMs: number; now?: () => number }): CommerceClient {
  if (ttlMs <= 0) return commerce;
  const cache = new LRUCache<string, Hours>({
    ...entriesBound(10_000),
    ttl: ttlMs,
    async fetchMethod(tenantId, _stale, { options }) {
      const answer = await commerce.getBusinessHours({ tenantId });
      const untilChange = answer.nextChangeTime ? timestampMs(answer.nextChangeTime) - now() : Number.POSITIVE_INFINITY;
      // At (or past) the change already: kept for 1 ms, so not reused (a ttl of 0 would keep it forever).
      options.ttl = Math.max(1, Math.min(ttlMs, untilChange));
      return answer;
    },
  });

  const getBusinessHours: CommerceClient["getBusinessHours"] = async (request, options) => {
    // Only a plain ask by tenant is shared; anything else goes through as it is.
    const tenantId = request.tenantId;
    if (typeof tenantId !== "string" || options !== undefined) return commerce.getBusinessHours(request, options);
    const answer = await cache.fetch(tenantId);
    if (!answer) throw new Error("shop settings: the cache fetched nothing");
    return answer;
  };
  return { ...commerce, getBusinessHours };
}
