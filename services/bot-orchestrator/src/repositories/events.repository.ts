// The orchestrator's events (messages, conversations, hand-offs, alerts) go to the fleet's `events`
// stream through the shared publisher, stamped as the orchestrator's.
import { createEventPublisher, type EventInput, type EventPublisher, type RedisClient } from "@fleet/service-kit";

export type { EventInput };

export function createEventsRepository(redis: RedisClient): EventPublisher {
  return createEventPublisher(redis, "bot-orchestrator");
}

export type EventsRepository = EventPublisher;
