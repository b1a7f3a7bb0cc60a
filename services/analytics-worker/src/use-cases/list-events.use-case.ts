// A tenant's stored events, newest first, one page at a time, for the gateway's event list. The
// order is (occurredAt desc, id desc), so a page boundary between events of the same millisecond is
// exact. Every read keeps to the `tenant_time_type` index (tenantId, occurredAt desc, type): the
// main read is sorted by occurredAt alone (an index walk stopping at `limit`), and only the events
// of one millisecond (the cursor's, and the page's last) are read again sorted by id, a handful in
// practice. Events live in three collections (by kind); a type filter reads only its collection,
// otherwise the three pages are merged.
import type { Filter } from "mongodb";
import { AppError } from "@fleet/service-kit";
import type { AnalyticsEvent } from "@fleet/contracts";
import type { EventLogReader } from "../repositories/event-log.repository.js";
import { eventCollections, type EventCollection, type StoredEvent } from "../repositories/events.repository.js";
import { collectionFor } from "./record-events.use-case.js";

export const MAX_LIST_LIMIT = 1000;

export interface ListEventsQuery {
  tenantId: string;
  type?: AnalyticsEvent["type"] | undefined;
  botId?: string | undefined;
  contact?: string | undefined;
  /** Inclusive. */
  from?: Date | undefined;
  /** Exclusive. */
  to?: Date | undefined;
  /** Start after this event (the last of the previous page). */
  after?: { occurredAt: Date; id: string } | undefined;
  limit: number;
}

/** The collections that can hold the query's events. */
export function collectionsOf(query: Pick<ListEventsQuery, "type">): readonly EventCollection[] {
  return query.type === undefined ? eventCollections : [collectionFor(query.type)];
}

/** The query's filter without its page position: the tenant is always part of it. */
export function eventFilter(query: ListEventsQuery): Filter<StoredEvent> {
  if (query.tenantId.length === 0) throw new AppError("invalid_argument", "TENANT_REQUIRED", "tenant_id is required");
  const occurredAt = { ...(query.from ? { $gte: query.from } : {}), ...(query.to ? { $lt: query.to } : {}) };
  return {
    tenantId: query.tenantId,
    ...(query.type === undefined ? {} : { type: query.type }),
    ...(query.botId === undefined ? {} : { botId: query.botId }),
    ...(query.contact === undefined ? {} : { contact: query.contact }),
    ...(Object.keys(occurredAt).length > 0 ? { occurredAt } : {}),
  };
}

const both = (base: Filter<StoredEvent>, extra: Filter<StoredEvent>): Filter<StoredEvent> => ({ $and: [base, extra] });

/** Newest first; the same instant by id, descending (ids are ASCII, so JS and MongoDB order them alike). */
export function compareEvents(a: StoredEvent, b: StoredEvent): number {
  const byTime = b.occurredAt.getTime() - a.occurredAt.getTime();
  if (byTime !== 0) return byTime;
  return a._id < b._id ? 1 : a._id > b._id ? -1 : 0;
}

export function createListEvents({ log }: { log: EventLogReader | null }) {
  /** The first `limit` events of one collection after the position, in list order. */
  async function pageIn(reader: EventLogReader, collection: EventCollection, base: Filter<StoredEvent>, after: ListEventsQuery["after"], limit: number): Promise<StoredEvent[]> {
    // The rest of the cursor's millisecond, by id.
    const head = after ? await reader.find(collection, both(base, { occurredAt: after.occurredAt, _id: { $lt: after.id } }), { _id: -1 }, limit) : [];
    if (head.length >= limit) return head.slice(0, limit);
    const wanted = limit - head.length;
    const older = await reader.find(collection, after ? both(base, { occurredAt: { $lt: after.occurredAt } }) : base, { occurredAt: -1 }, wanted);
    const last = older.at(-1);
    if (older.length < wanted || !last) return [...head, ...older];
    // The page's last millisecond may hold more events than were read, in no set order: read all of it by id.
    const boundary = last.occurredAt;
    const ties = await reader.find(collection, both(base, { occurredAt: boundary }), { _id: -1 }, wanted);
    const before = older.filter((event) => event.occurredAt.getTime() !== boundary.getTime());
    return [...head, ...[...before, ...ties].sort(compareEvents)].slice(0, limit);
  }

  return async function listEvents(query: ListEventsQuery): Promise<StoredEvent[]> {
    if (!log) throw new AppError("failed_precondition", "ANALYTICS_STORAGE_DISABLED", "Event storage is not configured on the analytics worker (MONGO_URL is not set)");
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_LIST_LIMIT) throw new AppError("invalid_argument", "INVALID_LIMIT", `limit must be 1 to ${MAX_LIST_LIMIT}`);
    const base = eventFilter(query);
    const pages = await Promise.all(collectionsOf(query).map((collection) => pageIn(log, collection, base, query.after, query.limit)));
    return pages.flat().sort(compareEvents).slice(0, query.limit);
  };
}

export type ListEvents = ReturnType<typeof createListEvents>;
