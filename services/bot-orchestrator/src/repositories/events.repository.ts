// Appends the orchestrator's analytics events to the fleet's `events` stream.
import type { Redis } from "ioredis";
import { STREAMS, type AnalyticsEvent } from "@fleet/contracts";
import { appendToStream } from "@fleet/service-kit";

export type EventInput = Omit<AnalyticsEvent, "v" | "source" | "occurredAt" | "attributes"> & { occurredAt?: string; attributes?: AnalyticsEvent["attributes"] };

export function createEventsRepository(redis: Redis, maxLen: number) {
  return {
    async emit(event: EventInput): Promise<void> {
      const document: AnalyticsEvent = { v: 1, source: "bot-orchestrator", occurredAt: new Date().toISOString(), attributes: {}, ...event };
      await appendToStream(redis, STREAMS.events, document, maxLen);
    },
  };
}

export type EventsRepository = ReturnType<typeof createEventsRepository>;
