// The one way every service appends to the fleet's `events` stream (analytics rollups and logs,
// the dashboards' live feed): an event is stamped with its source service and, unless given, the
// time it is emitted. `id` makes it idempotent for every reader: the same fact emitted twice (a
// redelivery) carries the same id and is counted once.
import { STREAMS, type AnalyticsEvent } from "@fleet/contracts";
import type { RedisClient } from "./redis.js";
import { STREAM_DATA_FIELD, appendToStream } from "./streams.js";

export type EventInput = Omit<AnalyticsEvent, "v" | "source" | "occurredAt" | "attributes"> & { occurredAt?: string; attributes?: AnalyticsEvent["attributes"] };

export interface EventPublisher {
  emit(event: EventInput): Promise<void>;
  /** Appends several events in one round trip (one pipeline of XADDs, in order). */
  emitMany(events: readonly EventInput[]): Promise<void>;
}

export function createEventPublisher(redis: RedisClient, source: AnalyticsEvent["source"]): EventPublisher {
  const documentOf = (event: EventInput): AnalyticsEvent => ({ v: 1, source, occurredAt: new Date().toISOString(), attributes: {}, ...event });
  return {
    async emit(event) {
      await appendToStream(redis, STREAMS.events, documentOf(event));
    },
    async emitMany(events) {
      if (events.length === 0) return;
      if (events.length === 1 && events[0]) {
        await appendToStream(redis, STREAMS.events, documentOf(events[0]));
        return;
      }
      const pipeline = redis.pipeline();
      for (const event of events) pipeline.xadd(STREAMS.events, "*", STREAM_DATA_FIELD, JSON.stringify(documentOf(event)));
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed?.[0]) throw failed[0];
    },
  };
}
