// The shop's settings as the gateway's GetBusinessHours answers them (name, time zone, hours,
// catalogue link), kept per tenant for a few seconds. The welcome, hours and order flows ask for
// them on most turns, and each ask is a gRPC call to the gateway: about as costly, for the fleet,
// as everything else a shop turn does in Redis. An answer is kept at most until the shop next opens
// or closes, so "open now" is never stale; any other change of the settings reaches the flows within
// `ttlMs`. Failures are not kept: the next turn asks again.
import { LRUCache } from "lru-cache";
import { entriesBound } from "@fleet/service-kit";
import { timestampMs } from "../flows/actions/action-helpers.js";
import type { CommerceClient } from "./commerce.client.js";

type Hours = Awaited<ReturnType<CommerceClient["getBusinessHours"]>>;

/** `commerce` with GetBusinessHours answered from the cache while it is fresh; `ttlMs` 0 keeps nothing. */
export function withCachedShopSettings(commerce: CommerceClient, { ttlMs, now = Date.now }: { ttlMs: number; now?: () => number }): CommerceClient {
  if (ttlMs <= 0) return commerce;
  const cache = new LRUCache<string, Hours>({ ...entriesBound(10_000), ttl: ttlMs });
  const inFlight = new Map<string, Promise<Hours>>();

  async function load(tenantId: string, ask: () => Promise<Hours>): Promise<Hours> {
    const answer = await ask();
    const untilChange = answer.nextChangeTime ? timestampMs(answer.nextChangeTime) - now() : Number.POSITIVE_INFINITY;
    const ttl = Math.min(ttlMs, untilChange);
    if (ttl >= 1) cache.set(tenantId, answer, { ttl });
    return answer;
  }

  const getBusinessHours: CommerceClient["getBusinessHours"] = (request, options) => {
    // Only a plain ask by tenant is shared; anything else goes through as it is.
    const tenantId = request.tenantId;
    if (typeof tenantId !== "string" || options !== undefined) return commerce.getBusinessHours(request, options);
    const cached = cache.get(tenantId);
    if (cached) return Promise.resolve(cached);
    let pending = inFlight.get(tenantId);
    if (!pending) {
      pending = load(tenantId, () => commerce.getBusinessHours(request)).finally(() => inFlight.delete(tenantId));
      inFlight.set(tenantId, pending);
    }
    return pending;
  };
  return { ...commerce, getBusinessHours };
}
