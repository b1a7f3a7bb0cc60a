// Idempotency records of SendMessage in Redis: a short "pending" lease while a
// send is in flight, then the result for IDEMPOTENCY_TTL_S. A second call with
// the same key gets the stored result and sends nothing.
import type { Redis } from "ioredis";
import type { ProviderKindName } from "@fleet/contracts";

export interface StoredSend {
  providerMessageId: string;
  provider: ProviderKindName;
}

export type Claim = { state: "claimed" } | { state: "done"; result: StoredSend } | { state: "in_progress" };

const PENDING = "pending";

export function createIdempotencyRepository(redis: Redis, { ttlS, leaseMs }: { ttlS: number; leaseMs: number }) {
  return {
    async claim(key: string): Promise<Claim> {
      const set = await redis.set(`idem:${key}`, PENDING, "PX", leaseMs, "NX");
      if (set === "OK") return { state: "claimed" };
      const value = await redis.get(`idem:${key}`);
      if (value === null) return this.claim(key);
      if (value === PENDING) return { state: "in_progress" };
      return { state: "done", result: JSON.parse(value) as StoredSend };
    },
    async complete(key: string, result: StoredSend): Promise<void> {
      await redis.set(`idem:${key}`, JSON.stringify(result), "EX", ttlS);
    },
    /** Frees the key after a failed send so a retry may send. */
    async release(key: string): Promise<void> {
      await redis.del(`idem:${key}`);
    },
  };
}

export type IdempotencyRepository = ReturnType<typeof createIdempotencyRepository>;
