// The one way every service appends to the fleet's `events` stream (analytics rollups and logs,
// the dashboards' live feed): an event is stamped with its source service and, unless given, the
// time it is emitted. `id` makes it idempotent for every reader: the same fact emitted twice (a
// redelivery) carries the same id and is counted once.
import { STREAMS, type AnalyticsEvent } from "@fleet/contracts";
import type { RedisClient } from "./redis.js";
import { appendToStream } from "./streams.js";

export type EventInput = Omit<AnalyticsEvent, "v" | "source" | "occurredAt" | "attributes"> & { occurredAt?: string; attributes?: AnalyticsEvent["attributes"] };

export interface EventPublisher {
  emit(event: EventInput): Promise<void>;
}

export function createEventPublisher(redis: RedisClient, source: AnalyticsEvent["source"]): EventPublisher {
  return {
    async emit(event) {
      const document: AnalyticsEvent = { v: 1, source, occurredAt: new Date().toISOString(), attributes: {}, ...event };
      await appendToStream(redis, STREAMS.events, document);
    },
  };
}
