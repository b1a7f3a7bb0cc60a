// Leases in Redis that let one replica of the worker do a periodic task per interval: SET NX PX of a
// key naming the task and the interval, holding the holder's name (for whoever inspects it).
import type { RedisClient } from "@fleet/service-kit";

export interface LeaseRepository {
  /** True when this holder took the lease `name` now; false when someone holds it. */
  tryAcquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
}

export const leaseKey = (name: string) => `analytics:lease:${name}`;

export function createLeaseRepository(redis: RedisClient): LeaseRepository {
  return {
    async tryAcquire(name, holder, ttlMs) {
      return (await redis.set(leaseKey(name), holder, "PX", ttlMs, "NX")) === "OK";
    },
  };
}
