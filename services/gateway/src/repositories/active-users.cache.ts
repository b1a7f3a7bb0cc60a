// The acting user behind an access token (enabled, current role), read from
// Postgres at most once per TTL per replica instead of on every request.
// Disabling, demoting or removing a user invalidates the entry on every
// replica (InvalidationBus), so access still ends at once.
import { LRUCache } from "lru-cache";
import { entriesBound } from "@fleet/service-kit";
import type { ActiveUser, UsersRepository } from "./users.repository.js";
import type { InvalidationBus } from "./invalidation-bus.js";

export function createActiveUsersCache({ users, bus, ttlMs = 30_000, max = 50_000 }: { users: Pick<UsersRepository, "findActiveUser">; bus: InvalidationBus; ttlMs?: number; max?: number }) {
  const cache = new LRUCache<string, ActiveUser>({ ...entriesBound(max), ttl: ttlMs });
  const keyOf = (tenantId: string, userId: string) => `${tenantId}:${userId}`;
  bus.on("user", (key) => cache.delete(key));
  return {
    async findActiveUser(tenantId: string, userId: string): Promise<ActiveUser | null> {
      const key = keyOf(tenantId, userId);
      const cached = cache.get(key);
      if (cached) return cached;
      const user = await users.findActiveUser(tenantId, userId);
      if (user) cache.set(key, user);
      return user;
    },
    /** The user when remembered (enabled, current role), without waiting; undefined otherwise. */
    known: (tenantId: string, userId: string): ActiveUser | undefined => cache.get(keyOf(tenantId, userId)),
    /** The user changed in a way that may end or narrow their access. */
    invalidate: (tenantId: string, userId: string): Promise<void> => bus.publish("user", keyOf(tenantId, userId)),
  };
}

export type ActiveUsersCache = ReturnType<typeof createActiveUsersCache>;
