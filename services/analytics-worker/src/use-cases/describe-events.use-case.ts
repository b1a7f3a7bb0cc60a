// What the health report says about events: where they go and how many wait in
// the stream, so "storage disabled" or "MongoDB unreachable" shows its cost.
import type { EventsConsumerStatus } from "../consumers/events.consumer.js";
import type { EventsStreamRepository, StreamBacklog } from "../repositories/events-stream.repository.js";

export interface DescribeEventsDeps {
  stream: EventsStreamRepository;
  /** null: storage disabled, nothing consumes the stream. */
  consumer: { status(): EventsConsumerStatus } | null;
}

export function createDescribeEvents({ stream, consumer }: DescribeEventsDeps): () => Promise<Record<string, unknown>> {
  return async () => {
    let backlog: StreamBacklog | { error: string };
    try {
      backlog = await stream.backlog();
    } catch (error) {
      backlog = { error: error instanceof Error ? error.message : String(error) };
    }
    // Not yet stored: unread by the group plus read and not acknowledged.
    const counts = "error" in backlog ? { backlog: `unknown: ${backlog.error}` } : { pending: backlog.unread + backlog.unacked, unread: backlog.unread, unacked: backlog.unacked };
    if (!consumer) {
      return { events: { storage: "disabled", ...counts, note: "events stay in the stream until MONGO_URL is set" } };
    }
    const { state, inFlight, buffered, writing } = consumer.status();
    return { events: { storage: "mongo", consumer: state, ...counts, inFlight, buffered, writing } };
  };
}
