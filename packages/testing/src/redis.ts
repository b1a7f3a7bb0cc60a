// A unique Redis key prefix per test file, so files share one server safely.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { TEST_REDIS_URL } from "./config.js";

export interface TestRedis {
  url: string;
  prefix: string;
  /** A client whose keys are all under `prefix`. */
  redis: Redis;
  /** Deletes every key under the prefix and closes the client. */
  cleanup(): Promise<void>;
}

export async function createTestRedis(): Promise<TestRedis> {
  const prefix = `test:${randomBytes(6).toString("hex")}:`;
  const redis = new Redis(TEST_REDIS_URL, { keyPrefix: prefix, lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  return {
    url: TEST_REDIS_URL,
    prefix,
    redis,
    cleanup: async () => {
      const raw = new Redis(TEST_REDIS_URL, { lazyConnect: true });
      await raw.connect();
      try {
        let cursor = "0";
        do {
          const [next, keys] = await raw.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
          cursor = next;
          if (keys.length > 0) await raw.del(...keys);
        } while (cursor !== "0");
      } finally {
        raw.disconnect();
        redis.disconnect();
      }
    },
  };
}
