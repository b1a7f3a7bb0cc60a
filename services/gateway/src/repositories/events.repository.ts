// Appends the gateway's domain events (orders, stock, sellers) to the fleet's `events` stream, which
// the analytics-worker stores and the dashboard-events consumer fans out to the tenant's WebSockets.
import { STREAMS, type AnalyticsEvent } from "@fleet/contracts";
import { appendToStream, type RedisClient } from "@fleet/service-kit";

export type GatewayEventInput = Omit<AnalyticsEvent, "v" | "source" | "occurredAt" | "attributes"> & { occurredAt?: string; attributes?: AnalyticsEvent["attributes"] };

export function createEventsRepository(redis: RedisClient) {
  return {
    /** `id` makes it idempotent for its readers: the same fact emitted twice carries the same id. */
    async emit(event: GatewayEventInput): Promise<void> {
      const document: AnalyticsEvent = { v: 1, source: "gateway", occurredAt: new Date().toISOString(), attributes: {}, ...event };
      await appendToStream(redis, STREAMS.events, document);
    },
  };
}

export type EventsRepository = ReturnType<typeof createEventsRepository>;
