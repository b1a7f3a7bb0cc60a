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
  /** Appends several events with one command (a script of XADDs, in order): all of them or none. */
  emitMany(events: readonly EventInput[]): Promise<void>;
}

// KEYS[1]: the stream. ARGV: the entries' documents, appended in order. Returns how many.
const APPEND_MANY = `for i = 1, #ARGV do redis.call('XADD', KEYS[1], '*', '${STREAM_DATA_FIELD}', ARGV[i]) end
return #ARGV`;

interface AppendManyCommand {
  fleetAppendMany(stream: string, ...documents: string[]): Promise<number>;
}

export function createEventPublisher(redis: RedisClient, source: AnalyticsEvent["source"]): EventPublisher {
  redis.defineCommand("fleetAppendMany", { numberOfKeys: 1, lua: APPEND_MANY });
  const commands = redis as unknown as AppendManyCommand;
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
      await commands.fleetAppendMany(STREAMS.events, ...events.map((event) => JSON.stringify(documentOf(event))));
    },
  };
}
