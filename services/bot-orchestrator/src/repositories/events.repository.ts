// Appends the orchestrator's analytics events to the fleet's `events` stream.
import { STREAMS, type AnalyticsEvent } from "@fleet/contracts";
import { appendToStream, type RedisClient } from "@fleet/service-kit";

export type EventInput = Omit<AnalyticsEvent, "v" | "source" | "occurredAt" | "attributes"> & { occurredAt?: string; attributes?: AnalyticsEvent["attributes"] };

export function createEventsRepository(redis: RedisClient) {
  return {
    async emit(event: EventInput): Promise<void> {
      const document: AnalyticsEvent = { v: 1, source: "bot-orchestrator", occurredAt: new Date().toISOString(), attributes: {}, ...event };
      await appendToStream(redis, STREAMS.events, document);
    },
  };
}

export type EventsRepository = ReturnType<typeof createEventsRepository>;
