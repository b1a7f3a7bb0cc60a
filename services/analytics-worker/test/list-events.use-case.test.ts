// The event list: the filter always holds the tenant, a type reads only its collection, pages
// walk the events newest first with exact boundaries inside one millisecond (ids break ties, even
// across collections), and without storage the answer is FAILED_PRECONDITION with a stable code.
// The reads run on mingo (the same filter and sort objects MongoDB gets) and, when MONGO_URL is
// set, on MongoDB through the real repository; otherwise those tests are skipped with the reason.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import mongodb from "mongodb";
import { AnalyticsService } from "@fleet/contracts/analytics";
import { createServiceClient, startGrpcServer, type RunningGrpcServer, type ServiceClient } from "@fleet/grpc-bridge";
import { AppError, createMetrics } from "@fleet/service-kit";
import { memoryLogger } from "@fleet/testing";
import { analyticsService } from "../src/grpc/analytics.handler.js";
import { createEventLogRepository, type EventLogReader } from "../src/repositories/event-log.repository.js";
import { createEventsRepository, toStoredEvent, type StoredEvent } from "../src/repositories/events.repository.js";
import { mongoConnection, type MongoConnection } from "../src/repositories/mongo.js";
import { collectionFor } from "../src/use-cases/record-events.use-case.js";
import { collectionsOf, compareEvents, createListEvents, eventFilter, type ListEventsQuery } from "../src/use-cases/list-events.use-case.js";
import { analyticsEvent } from "./fakes.js";
import { mingoEventLog } from "./mingo-event-log.js";

const { MongoClient } = mongodb;
const MONGO_URL = process.env.MONGO_URL;
const MONGO_SKIP_REASON = "skipped: MONGO_URL not set (no mongod on this machine)";
if (!MONGO_URL) console.log(`analytics-worker list events: MongoDB tests ${MONGO_SKIP_REASON}`);
const itWithMongo = MONGO_URL ? it : it.skip;

const T0 = Date.parse("2026-11-20T12:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();
const storedAt = new Date(T0 + 3600_000);

/**
 * Shop A: 12 events over four instants, five of them in the same millisecond spread over the three
 * collections; shop B: events at the same instants, never to be seen by A.
 */
const fixtures = [
  ...["m1", "m2", "m3"].map((id) => analyticsEvent({ id: `a-${id}`, tenantId: "shop-a", type: "message.received", occurredAt: at(0), botId: "bot-1", contact: "5215500000001" })),
  analyticsEvent({ id: "a-o1", tenantId: "shop-a", type: "order.created", occurredAt: at(0), botId: "bot-2", contact: undefined, attributes: { total_minor: 1000, currency: "MXN" } }),
  analyticsEvent({ id: "a-e1", tenantId: "shop-a", type: "error", source: "bot-orchestrator", occurredAt: at(0), botId: "bot-1" }),
  analyticsEvent({ id: "a-s1", tenantId: "shop-a", type: "message.sent", occurredAt: at(-1), botId: "bot-1", contact: "5215500000001" }),
  analyticsEvent({ id: "a-s2", tenantId: "shop-a", type: "message.sent", occurredAt: at(-1), botId: "bot-2", contact: "5215500000002" }),
  analyticsEvent({ id: "a-c1", tenantId: "shop-a", type: "conversation.started", occurredAt: at(-60_000), botId: "bot-2", contact: "5215500000002" }),
  analyticsEvent({ id: "a-r1", tenantId: "shop-a", type: "message.received", occurredAt: at(-60_000), botId: "bot-2", contact: "5215500000002" }),
  analyticsEvent({ id: "a-r2", tenantId: "shop-a", type: "message.received", occurredAt: at(-3600_000), botId: "bot-1", contact: "5215500000003" }),
  analyticsEvent({ id: "a-r3", tenantId: "shop-a", type: "message.received", occurredAt: at(-7200_000), botId: "bot-1", contact: "5215500000003" }),
  analyticsEvent({ id: "a-r4", tenantId: "shop-a", type: "message.received", occurredAt: at(-7200_001), botId: "bot-1", contact: "5215500000003" }),
  ...["x1", "x2", "x3"].map((id) => analyticsEvent({ id: `b-${id}`, tenantId: "shop-b", type: "message.received", occurredAt: at(0), botId: "bot-9", contact: "5215500000001" })),
];
const documents: StoredEvent[] = fixtures.map((event) => toStoredEvent(event, storedAt));
const shopA = documents.filter((document) => document.tenantId === "shop-a");

/** Every page of a query, `size` at a time, following the last event of each page as the next start. */
async function walk(log: EventLogReader, query: Omit<ListEventsQuery, "limit" | "after">, size: number): Promise<string[][]> {
  const listEvents = createListEvents({ log });
  const pages: string[][] = [];
  let after: ListEventsQuery["after"];
  for (let guard = 0; guard < 50; guard++) {
    const page = await listEvents({ ...query, limit: size, after });
    if (page.length > 0) pages.push(page.map((event) => event._id));
    const last = page.at(-1);
    if (page.length < size || !last) return pages;
    after = { occurredAt: last.occurredAt, id: last._id };
  }
  throw new Error("the walk did not end");
}

const expected = (keep: (document: StoredEvent) => boolean) => shopA.filter(keep).sort(compareEvents).map((document) => document._id);

describe("the event list's filter", () => {
  it("always holds the tenant, and the filters given, with from inclusive and to exclusive", () => {
    const from = new Date("2026-11-01T00:00:00Z");
    const to = new Date("2026-11-02T00:00:00Z");
    expect(eventFilter({ tenantId: "shop-a", type: "message.sent", botId: "bot-1", contact: "5215500000001", from, to, limit: 10 })).toEqual({
      tenantId: "shop-a",
      type: "message.sent",
      botId: "bot-1",
      contact: "5215500000001",
      occurredAt: { $gte: from, $lt: to },
    });
    expect(eventFilter({ tenantId: "shop-a", limit: 10 })).toEqual({ tenantId: "shop-a" });
    expect(() => eventFilter({ tenantId: "", limit: 10 })).toThrow(AppError);
  });

  it("reads only the collection of the type asked for, else all three", () => {
    expect(collectionsOf({ type: "message.sent" })).toEqual(["message_logs"]);
    expect(collectionsOf({ type: "order.created" })).toEqual(["analytics_events"]);
    expect(collectionsOf({ type: "error" })).toEqual(["system_logs"]);
    expect(collectionsOf({})).toEqual(["message_logs", "analytics_events", "system_logs"]);
  });

  it("sorts the main read by time alone (the index's order) and re-reads only one millisecond by id", async () => {
    const log = mingoEventLog(documents);
    await createListEvents({ log })({ tenantId: "shop-a", type: "message.received", limit: 2 });
    expect(log.reads).toEqual([
      { collection: "message_logs", filter: { tenantId: "shop-a", type: "message.received" }, sort: { occurredAt: -1 }, limit: 2 },
      { collection: "message_logs", filter: { $and: [{ tenantId: "shop-a", type: "message.received" }, { occurredAt: new Date(T0) }] }, sort: { _id: -1 }, limit: 2 },
    ]);
  });
});

describe("the event list on mingo", () => {
  it("walks a tenant's events newest first, ids breaking ties, with no event lost or repeated at any page size", async () => {
    const all = expected(() => true);
    expect(all.slice(0, 5)).toEqual(["a-o1", "a-m3", "a-m2", "a-m1", "a-e1"]);
    for (const size of [1, 2, 3, 4, 5, 7, 12, 13]) {
      const pages = await walk(mingoEventLog(documents), { tenantId: "shop-a" }, size);
      expect({ size, ids: pages.flat() }).toEqual({ size, ids: all });
      expect(pages.every((page) => page.length <= size)).toBe(true);
    }
  });

  it("filters by type, bot, contact and time range, and never shows another tenant's events", async () => {
    const log = mingoEventLog(documents);
    const from = new Date(T0 - 3600_000);
    const to = new Date(T0);
    expect((await walk(log, { tenantId: "shop-a", type: "message.received" }, 2)).flat()).toEqual(expected((d) => d.type === "message.received"));
    expect((await walk(log, { tenantId: "shop-a", botId: "bot-2" }, 2)).flat()).toEqual(["a-o1", "a-s2", "a-r1", "a-c1"]);
    expect((await walk(log, { tenantId: "shop-a", contact: "5215500000003" }, 2)).flat()).toEqual(["a-r2", "a-r3", "a-r4"]);
    expect((await walk(log, { tenantId: "shop-a", from, to }, 2)).flat()).toEqual(["a-s2", "a-s1", "a-r1", "a-c1", "a-r2"]);
    expect((await walk(log, { tenantId: "shop-b" }, 2)).flat()).toEqual(["b-x3", "b-x2", "b-x1"]);
    expect((await walk(log, { tenantId: "shop-c" }, 2)).flat()).toEqual([]);
    for (const read of log.reads) expect(JSON.stringify(read.filter)).toMatch(/"tenantId":"shop-[abc]"/);
  });

  it("answers FAILED_PRECONDITION ANALYTICS_STORAGE_DISABLED without storage, and refuses a limit out of range", async () => {
    await expect(createListEvents({ log: null })({ tenantId: "shop-a", limit: 10 })).rejects.toMatchObject({ kind: "failed_precondition", code: "ANALYTICS_STORAGE_DISABLED" });
    const listEvents = createListEvents({ log: mingoEventLog(documents) });
    for (const limit of [0, 1001, 2.5]) await expect(listEvents({ tenantId: "shop-a", limit })).rejects.toMatchObject({ kind: "invalid_argument", code: "INVALID_LIMIT" });
  });
});

describe("the AnalyticsService over gRPC (real server and client on port 0)", () => {
  let server: RunningGrpcServer;
  let client: ServiceClient<typeof AnalyticsService.method>;

  beforeAll(async () => {
    const listEvents = createListEvents({ log: mingoEventLog(documents) });
    server = await startGrpcServer({ host: "127.0.0.1", port: 0, logger: memoryLogger("analytics-worker", "error").logger, metrics: createMetrics("analytics-worker"), services: [analyticsService({ listEvents })] });
    client = createServiceClient(AnalyticsService, `127.0.0.1:${server.port}`, { defaultDeadlineMs: 2000 });
  });

  afterAll(async () => {
    client?.close();
    await server?.stop(100);
  });

  const ts = (ms: number) => ({ seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 });

  it("answers a page with times to the millisecond, absent fields absent and attributes as JSON, and continues after the position given", async () => {
    const first = await client.listEvents({ tenantId: "shop-a", limit: 2, fromTime: ts(T0 - 60_000) });
    expect(first.events.map((event) => event.id)).toEqual(["a-o1", "a-m3"]);
    expect(first.events[0]).toMatchObject({ type: "order.created", source: "whatsapp-adapter", botId: "bot-2", occurTime: { seconds: BigInt(T0 / 1000), nanos: 0 } });
    expect(first.events[0]?.contact).toBeUndefined();
    expect(JSON.parse(first.events[0]?.attributesJson ?? "")).toEqual({ total_minor: 1000, currency: "MXN" });
    const next = await client.listEvents({ tenantId: "shop-a", limit: 3, after: { occurTime: ts(T0), id: "a-m3" }, toTime: ts(T0) });
    expect(next.events.map((event) => event.id)).toEqual(["a-s2", "a-s1", "a-r1"]);
    expect(next.events[0]?.occurTime).toMatchObject(ts(T0 - 1));
  });

  it("refuses an unknown type, a missing tenant, an empty range and a half cursor with INVALID_ARGUMENT and a stable code", async () => {
    for (const [request, code] of [
      [{ tenantId: "shop-a", type: "message.nope", limit: 1 }, "INVALID_EVENT_TYPE"],
      [{ tenantId: "", limit: 1 }, "TENANT_REQUIRED"],
      [{ tenantId: "shop-a", limit: 1, fromTime: ts(T0), toTime: ts(T0) }, "INVALID_RANGE"],
      [{ tenantId: "shop-a", limit: 1, after: { id: "a-o1" } }, "INVALID_CURSOR"],
      [{ tenantId: "shop-a", limit: 0 }, "INVALID_LIMIT"],
    ] as const) {
      await expect(client.listEvents(request)).rejects.toMatchObject({ kind: "invalid_argument", code });
    }
  });
});

it("answers ANALYTICS_STORAGE_UNAVAILABLE when MongoDB cannot be reached (real driver, closed port)", async () => {
  const unreachable = mongoConnection(new MongoClient("mongodb://127.0.0.1:1", { serverSelectionTimeoutMS: 300 }), "nowhere");
  const listEvents = createListEvents({ log: createEventLogRepository(unreachable, { maxTimeMs: 1000 }) });
  await expect(listEvents({ tenantId: "shop-a", limit: 5 })).rejects.toMatchObject({ kind: "unavailable", code: "ANALYTICS_STORAGE_UNAVAILABLE" });
  await unreachable.client.close();
});

describe(`the event list on MongoDB${MONGO_URL ? "" : ` (${MONGO_SKIP_REASON})`}`, () => {
  let connection: MongoConnection | null = null;
  const live = (): MongoConnection => {
    if (!connection) throw new Error("MongoDB not connected");
    return connection;
  };

  beforeAll(async () => {
    if (!MONGO_URL) return;
    connection = mongoConnection(new MongoClient(MONGO_URL, { serverSelectionTimeoutMS: 5000 }), `analytics_list_${randomBytes(4).toString("hex")}`);
    await connection.connect();
    const repository = createEventsRepository(connection, { retentionDays: 3650 });
    await repository.prepare();
    for (const event of fixtures) await repository.insert(collectionFor(event.type), [event]);
  });

  afterAll(async () => {
    if (!connection) return;
    await connection.db.dropDatabase();
    await connection.client.close();
  });

  itWithMongo("walks the same pages as mingo, filters alike, and keeps to the tenant/time/type index", async () => {
    const log = createEventLogRepository(live(), { maxTimeMs: 5000 });
    for (const size of [1, 2, 5, 13]) expect((await walk(log, { tenantId: "shop-a" }, size)).flat()).toEqual(expected(() => true));
    expect((await walk(log, { tenantId: "shop-a", botId: "bot-2" }, 2)).flat()).toEqual(["a-o1", "a-s2", "a-r1", "a-c1"]);
    const plan = await live().db.collection("message_logs").find({ tenantId: "shop-a" }).sort({ occurredAt: -1 }).limit(2).explain();
    expect(JSON.stringify(plan)).toContain("tenant_time_type");
  });
});
