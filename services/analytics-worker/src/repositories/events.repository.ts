// MongoDB storage of analytics events: one document per event with `_id` =
// event id, so a redelivered entry is a duplicate key, not a second document.
import type { IndexDescription } from "mongodb";
import type { AnalyticsEvent } from "@fleet/contracts";
import type { MongoConnection } from "./mongo.js";

export const eventCollections = ["message_logs", "analytics_events", "system_logs"] as const;
export type EventCollection = (typeof eventCollections)[number];

/** An event as stored: `occurredAt` is a BSON Date so range queries and the TTL index work on it. */
export interface StoredEvent {
  _id: string;
  v: number;
  tenantId: string;
  type: AnalyticsEvent["type"];
  source: AnalyticsEvent["source"];
  occurredAt: Date;
  botId?: string;
  contact?: string;
  attributes: AnalyticsEvent["attributes"];
  /** When the worker wrote it: the gap to `occurredAt` is the pipeline's lag. */
  storedAt: Date;
}

export interface InsertOutcome {
  /** Events now stored by this call. */
  inserted: number;
  /** Events that were already stored (duplicate `_id`): success for at-least-once delivery. */
  duplicates: number;
  /** Ids the server refused for another reason; they must be retried (and end in the dead-letter stream). */
  failedIds: string[];
}

export interface EventsRepository {
  /** Connects and creates the indexes (idempotent); fails while MongoDB is unreachable. */
  prepare(): Promise<void>;
  /** Stores the events; throws when the write failed as a whole (e.g. MongoDB unreachable). */
  insert(collection: EventCollection, events: AnalyticsEvent[]): Promise<InsertOutcome>;
}

const DUPLICATE_KEY = 11000;
const INDEX_OPTIONS_CONFLICT = 85;
const TTL_INDEX = "occurredAt_ttl";

export function toStoredEvent(event: AnalyticsEvent, storedAt: Date): StoredEvent {
  return {
    _id: event.id,
    v: event.v,
    tenantId: event.tenantId,
    type: event.type,
    source: event.source,
    occurredAt: new Date(event.occurredAt),
    ...(event.botId === undefined ? {} : { botId: event.botId }),
    ...(event.contact === undefined ? {} : { contact: event.contact }),
    attributes: event.attributes,
    storedAt,
  };
}

interface WriteErrorLike {
  index: number;
  code: number;
}

function isWriteError(value: unknown): value is WriteErrorLike {
  return typeof value === "object" && value !== null && "index" in value && typeof value.index === "number" && "code" in value && typeof value.code === "number";
}

function hasWriteConcernError(error: object): boolean {
  if (!("result" in error) || typeof error.result !== "object" || error.result === null) return false;
  const result = error.result;
  return "getWriteConcernError" in result && typeof result.getWriteConcernError === "function" && result.getWriteConcernError() !== undefined;
}

/**
 * What an insertMany({ordered: false}) error means for each document. Read from
 * the shape of MongoBulkWriteError rather than `instanceof`, so the driver stays
 * lazily imported. Returns null when the batch failed as a whole (network,
 * server selection, write concern): nothing can be assumed stored.
 */
export function classifyInsertError(error: unknown, ids: string[]): InsertOutcome | null {
  if (typeof error !== "object" || error === null || !("writeErrors" in error)) return null;
  const raw: unknown = error.writeErrors;
  const writeErrors = Array.isArray(raw) ? raw : [raw];
  if (writeErrors.length === 0 || !writeErrors.every(isWriteError) || hasWriteConcernError(error)) return null;
  const failed = writeErrors.filter((e) => e.code !== DUPLICATE_KEY);
  const duplicates = writeErrors.length - failed.length;
  return {
    inserted: ids.length - writeErrors.length,
    duplicates,
    failedIds: failed.map((e) => ids[e.index]).filter((id): id is string => id !== undefined),
  };
}

function codeOf(error: unknown): unknown {
  return typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
}

export function createEventsRepository(connection: MongoConnection, { retentionDays, now = () => new Date() }: { retentionDays: number; now?: () => Date }): EventsRepository {
  const { db } = connection;
  const expireAfterSeconds = retentionDays * 24 * 3600;
  const indexes: IndexDescription[] = [
    { key: { tenantId: 1, occurredAt: -1, type: 1 }, name: "tenant_time_type" },
    { key: { occurredAt: 1 }, name: TTL_INDEX, expireAfterSeconds },
  ];

  async function prepareCollection(name: EventCollection): Promise<void> {
    try {
      await db.collection(name).createIndexes(indexes);
    } catch (error) {
      // The TTL index exists with another retention: change it in place instead of failing every start.
      if (codeOf(error) !== INDEX_OPTIONS_CONFLICT) throw error;
      await db.command({ collMod: name, index: { name: TTL_INDEX, expireAfterSeconds } });
      await db.collection(name).createIndexes(indexes);
    }
  }

  return {
    async prepare() {
      await connection.connect();
      await Promise.all(eventCollections.map(prepareCollection));
    },

    async insert(collection, events) {
      const storedAt = now();
      const documents = events.map((event) => toStoredEvent(event, storedAt));
      try {
        const result = await db.collection<StoredEvent>(collection).insertMany(documents, { ordered: false });
        return { inserted: result.insertedCount, duplicates: 0, failedIds: [] };
      } catch (error) {
        const outcome = classifyInsertError(error, documents.map((d) => d._id));
        if (!outcome) throw error;
        return outcome;
      }
    },
  };
}
