// Tells every gateway replica that something it may have cached changed (a
// user disabled, a bot edited, a shop's settings changed), through Redis
// pub/sub: the replica that made the change drops its own entry at once, the
// others within milliseconds.
// Without a subscriber connection (tests, one replica) only this replica hears.
import type { Logger, RedisClient } from "@fleet/service-kit";

const TOPICS = ["user", "bots", "settings"] as const;

export type InvalidationTopic = (typeof TOPICS)[number];

const isTopic = (value: string): value is InvalidationTopic => TOPICS.some((topic) => topic === value);

export interface InvalidationBus {
  /** Drops `key` under `topic` here and on every other replica. */
  publish(topic: InvalidationTopic, key: string): Promise<void>;
  on(topic: InvalidationTopic, handler: (key: string) => void): void;
  close(): Promise<void>;
}

export function createInvalidationBus({ redis, subscriber, keyPrefix, logger }: { redis: RedisClient; subscriber?: RedisClient; keyPrefix: string; logger: Logger }): InvalidationBus {
  // Channel names are not key names: ioredis does not prefix them, so the fleet's prefix is added here.
  const channel = `${keyPrefix}gateway:invalidate`;
  const handlers = new Map<InvalidationTopic, ((key: string) => void)[]>();
  const deliver = (topic: InvalidationTopic, key: string) => {
    for (const handler of handlers.get(topic) ?? []) handler(key);
  };
  if (subscriber) {
    subscriber.on("message", (from: string, message: string) => {
      if (from !== channel) return;
      const separator = message.indexOf(" ");
      const topic = message.slice(0, separator);
      if (isTopic(topic)) deliver(topic, message.slice(separator + 1));
    });
    subscriber.subscribe(channel).catch((error: unknown) => logger.warn("cache invalidations not subscribed", { error: error instanceof Error ? error.message : String(error) }));
  }
  return {
    async publish(topic, key) {
      deliver(topic, key);
      // Other replicas keep the entry until its TTL if Redis cannot carry the message: caches stay short for that.
      await redis.publish(channel, `${topic} ${key}`).catch((error: unknown) => logger.warn("cache invalidation not published", { error: error instanceof Error ? error.message : String(error) }));
    },
    on(topic, handler) {
      handlers.set(topic, [...(handlers.get(topic) ?? []), handler]);
    },
    async close() {
      await subscriber?.unsubscribe(channel).catch(() => undefined);
    },
  };
}
