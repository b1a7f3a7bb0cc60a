// Buffers valid events and writes them to MongoDB in batches, one collection
// per kind of event. Each caller learns when (and whether) its event is stored,
// so the stream entry is acked only after the write: at-least-once, never lost.
import type { AnalyticsEvent } from "@fleet/contracts";
import type { Logger } from "@fleet/service-kit";
import type { AnalyticsMetrics } from "../metrics.js";
import type { EventCollection, EventsRepository, InsertOutcome } from "../repositories/events.repository.js";

/**
 * stored: written now or earlier (a redelivery). retry: MongoDB refused this event, leave it pending.
 * storage-unavailable: the batch write failed as a whole; leave it pending and stop taking more.
 */
export type RecordOutcome = "stored" | "retry" | "storage-unavailable";

export interface RecordEvents {
  /** Resolves once the batch holding the event was written (or failed). */
  record(event: AnalyticsEvent): Promise<RecordOutcome>;
  /** Writes what is buffered now and waits for every write in progress. */
  flush(): Promise<void>;
  /** Events waiting for their batch to be written. */
  readonly buffered: number;
  /** Events whose batch is being written. */
  readonly writing: number;
}

export interface RecordEventsDeps {
  repository: EventsRepository;
  logger: Logger;
  metrics: Pick<AnalyticsMetrics, "eventsWritten" | "writeFailures">;
  /** A buffer this full is written at once. */
  batchSize: number;
  /** The longest an event waits for its batch to fill. */
  flushIntervalMs: number;
}

export function collectionFor(type: AnalyticsEvent["type"]): EventCollection {
  if (type.startsWith("message.")) return "message_logs";
  if (type === "error") return "system_logs";
  return "analytics_events";
}

interface Waiting {
  event: AnalyticsEvent;
  resolve: (outcome: RecordOutcome) => void;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createRecordEvents({ repository, logger, metrics, batchSize, flushIntervalMs }: RecordEventsDeps): RecordEvents {
  let buffer: Waiting[] = [];
  let timer: NodeJS.Timeout | null = null;
  let writing = 0;
  const writes = new Set<Promise<void>>();

  async function writeCollection(collection: EventCollection, items: Waiting[]): Promise<void> {
    let outcome: InsertOutcome;
    try {
      outcome = await repository.insert(collection, items.map((item) => item.event));
    } catch (error) {
      metrics.writeFailures.inc();
      logger.warn("event batch write failed; the events stay pending in the stream", { collection, count: items.length, error: messageOf(error) });
      for (const item of items) item.resolve("storage-unavailable");
      return;
    }
    metrics.eventsWritten.inc({ collection }, outcome.inserted);
    const failed = new Set(outcome.failedIds);
    if (failed.size > 0) {
      metrics.writeFailures.inc();
      // Ids only: the events may carry contact numbers.
      logger.warn("MongoDB refused events; they stay pending and are retried", { collection, count: failed.size, eventIds: [...failed].slice(0, 20) });
    }
    for (const item of items) item.resolve(failed.has(item.event.id) ? "retry" : "stored");
  }

  async function writeBatch(batch: Waiting[]): Promise<void> {
    const byCollection = new Map<EventCollection, Waiting[]>();
    for (const item of batch) {
      const collection = collectionFor(item.event.type);
      const items = byCollection.get(collection);
      if (items) items.push(item);
      else byCollection.set(collection, [item]);
    }
    writing += batch.length;
    try {
      await Promise.all([...byCollection].map(([collection, items]) => writeCollection(collection, items)));
    } finally {
      writing -= batch.length;
    }
  }

  function flushBuffer(): void {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    const write: Promise<void> = writeBatch(batch).finally(() => writes.delete(write));
    writes.add(write);
  }

  return {
    record(event) {
      return new Promise<RecordOutcome>((resolve) => {
        buffer.push({ event, resolve });
        if (buffer.length >= batchSize) flushBuffer();
        else timer ??= setTimeout(flushBuffer, flushIntervalMs);
      });
    },
    async flush() {
      flushBuffer();
      await Promise.all(writes);
    },
    get buffered() {
      return buffer.length;
    },
    get writing() {
      return writing;
    },
  };
}
