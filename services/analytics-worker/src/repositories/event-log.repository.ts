// Reads of the logs of record (the event collections in MongoDB) for the event list: one find per
// call, sorted and limited by the caller, always on a filter the caller built with the tenant in
// it. A failed read (MongoDB unreachable, server selection timing out) is a retryable
// ANALYTICS_STORAGE_UNAVAILABLE, so the gateway answers 503 rather than 500.
import type { Filter } from "mongodb";
import { AppError } from "@fleet/service-kit";
import type { EventCollection, StoredEvent } from "./events.repository.js";
import type { MongoConnection } from "./mongo.js";

/** Field → 1 (ascending) or -1 (descending), in order of precedence. */
export type EventSort = Readonly<Record<string, 1 | -1>>;

export interface EventLogReader {
  find(collection: EventCollection, filter: Filter<StoredEvent>, sort: EventSort, limit: number): Promise<StoredEvent[]>;
}

/**
 * The (tenantId, occurredAt desc, type) index events.repository.ts creates. Every read names the
 * tenant, so it is always the right one; hinted, so a read sorted by _id (one millisecond's events)
 * never walks the _id index instead.
 */
const TENANT_TIME_INDEX = "tenant_time_type";

export function createEventLogRepository(connection: MongoConnection, { maxTimeMs }: { maxTimeMs: number }): EventLogReader {
  return {
    async find(collection, filter, sort, limit) {
      try {
        await connection.connect();
        return await connection.db.collection<StoredEvent>(collection).find(filter).sort(sort).limit(limit).hint(TENANT_TIME_INDEX).maxTimeMS(maxTimeMs).toArray();
      } catch (error) {
        throw new AppError("unavailable", "ANALYTICS_STORAGE_UNAVAILABLE", "The analytics storage (MongoDB) cannot be read now; try again later", { cause: error });
      }
    },
  };
}
