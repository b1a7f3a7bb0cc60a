// The gateway's domain events (orders, stock, sellers) go to the fleet's `events` stream through the
// shared publisher, stamped as the gateway's.
import { createEventPublisher, type EventInput, type EventPublisher, type RedisClient } from "@fleet/service-kit";

export type GatewayEventInput = EventInput;

export function createEventsRepository(redis: RedisClient): EventPublisher {
  return createEventPublisher(redis, "gateway");
}

export type EventsRepository = EventPublisher;
