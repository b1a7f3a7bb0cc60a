// The event list's reads executed by mingo on documents shaped exactly as the events repository
// stores them: the very filter and sort objects the use case sends to MongoDB, run in memory, for
// tests on machines without a mongod (and for the gateway's tests of its event list).
import { find } from "mingo";
import type { EventCollection, StoredEvent } from "../src/repositories/events.repository.js";
import type { EventLogReader } from "../src/repositories/event-log.repository.js";
import { collectionFor } from "../src/use-cases/record-events.use-case.js";

export interface MingoEventLog extends EventLogReader {
  /** Every read, in order: what MongoDB would have been asked. */
  readonly reads: { collection: EventCollection; filter: object; sort: object; limit: number }[];
}

/** An event log holding `documents`, each in the collection the worker would have written it to. */
export function mingoEventLog(documents: readonly StoredEvent[]): MingoEventLog {
  const reads: MingoEventLog["reads"] = [];
  return {
    reads,
    async find(collection, filter, sort, limit) {
      reads.push({ collection, filter, sort, limit });
      const held = documents.filter((document) => collectionFor(document.type) === collection);
      return find<StoredEvent>(held, filter).sort(sort).limit(limit).all();
    },
  };
}
