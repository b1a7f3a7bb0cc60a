// The MongoDB repositories: how driver errors are read, what happens when the
// server cannot be reached (real driver, closed port), and, when MONGO_URL is
// set, the real thing: indexes, writes, the KPI pipeline against mingo's result.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { Aggregator } from "mingo";
import mongodb from "mongodb";
import { messagesPerTenantPipeline } from "../src/kpis/messages-per-tenant.pipeline.js";
import { classifyInsertError, createEventsRepository, eventCollections, toStoredEvent } from "../src/repositories/events.repository.js";
import { createKpiRepository } from "../src/repositories/kpi.repository.js";
import { mongoCheck, mongoConnection, type MongoConnection } from "../src/repositories/mongo.js";
import { analyticsEvent } from "./fakes.js";

// The driver is CommonJS: jest's ESM loader sees only its default export.
const { MongoClient, MongoNetworkError } = mongodb;

const MONGO_URL = process.env.MONGO_URL;
const MONGO_SKIP_REASON = "skipped: MONGO_URL not set (no mongod on this machine)";
if (!MONGO_URL) console.log(`analytics-worker events repository: MongoDB tests ${MONGO_SKIP_REASON}`);
const itWithMongo = MONGO_URL ? it : it.skip;

// WriteError, BulkWriteResult and WriteConcernError are not exported at run time by the driver: these
// carry the fields its MongoBulkWriteError exposes (mongodb src/bulk/common.ts, handleWriteError).
function writeError(index: number, code: number) {
  return { index, code, errmsg: code === 11000 ? "E11000 duplicate key error" : "Document failed validation", errInfo: {} };
}

function bulkWriteError(writeErrors: ReturnType<typeof writeError>[], writeConcernError?: { code: number; errmsg: string }) {
  const [first] = writeErrors;
  return Object.assign(new Error(first?.errmsg ?? "write operation failed"), {
    name: "MongoBulkWriteError",
    code: first?.code,
    writeErrors,
    result: { getWriteConcernError: () => writeConcernError },
  });
}

describe("classifyInsertError", () => {
  const ids = ["a", "b", "c", "d"];

  it("counts duplicate keys (11000) as already stored", () => {
    expect(classifyInsertError(bulkWriteError([writeError(1, 11000), writeError(3, 11000)]), ids)).toEqual({ inserted: 2, duplicates: 2, failedIds: [] });
  });

  it("names the documents refused for another reason, so only they are retried", () => {
    expect(classifyInsertError(bulkWriteError([writeError(0, 11000), writeError(2, 121)]), ids)).toEqual({ inserted: 2, duplicates: 1, failedIds: ["c"] });
  });

  it("treats a network failure wrapped in a bulk error as a failure of the whole batch", () => {
    // The driver wraps a driver error this way (no write errors), see executeCommands in bulk/common.ts.
    const wrapped = Object.assign(new MongoNetworkError("connection reset"), { writeErrors: [] });
    expect(classifyInsertError(wrapped, ids)).toBeNull();
  });

  it("treats a write concern error as a failure of the whole batch, even next to duplicate keys", () => {
    const error = bulkWriteError([writeError(0, 11000)], { code: 64, errmsg: "waiting for replication timed out" });
    expect(classifyInsertError(error, ids)).toBeNull();
  });

  it("reads a single write error (the driver's OneOrMore) like a list of one", () => {
    const error = Object.assign(bulkWriteError([]), { writeErrors: writeError(2, 11000) });
    expect(classifyInsertError(error, ids)).toEqual({ inserted: 3, duplicates: 1, failedIds: [] });
  });

  it("treats anything else as a failure of the whole batch", () => {
    expect(classifyInsertError(new Error("Server selection timed out"), ids)).toBeNull();
    expect(classifyInsertError("boom", ids)).toBeNull();
  });
});

describe("MongoDB repositories while MongoDB is unreachable", () => {
  let connection: MongoConnection;

  beforeAll(() => {
    // Port 1 refuses connections: the real driver's failure, quickly.
    connection = mongoConnection(new MongoClient("mongodb://127.0.0.1:1", { serverSelectionTimeoutMS: 200 }), "unreachable");
  });

  afterAll(async () => {
    await connection.client.close();
  });

  const unreachable = /ECONNREFUSED|Server selection/;

  it("rejects a write instead of pretending it stored anything", async () => {
    const repository = createEventsRepository(connection, { retentionDays: 30 });
    await expect(repository.insert("message_logs", [analyticsEvent()])).rejects.toThrow();
  });

  it("tries to connect again on every prepare(), health check and KPI run, instead of staying on a closed topology", async () => {
    // After a failed first connection the driver answers "Topology is closed" forever unless asked to connect again.
    const repository = createEventsRepository(connection, { retentionDays: 30 });
    await expect(repository.prepare()).rejects.toThrow(unreachable);
    await expect(repository.prepare()).rejects.toThrow(unreachable);
    await expect(mongoCheck(connection)()).rejects.toThrow(unreachable);
    await expect(createKpiRepository(connection).messagesPerTenant(new Date(), 24)).rejects.toThrow(unreachable);
  });
});

describe("toStoredEvent", () => {
  it("keys the document by event id and stores occurredAt as a Date, leaving out absent optional fields", () => {
    const event = analyticsEvent({ occurredAt: "2025-03-10T09:30:00.000-03:00", contact: undefined });
    const storedAt = new Date("2025-03-10T12:31:00.000Z");
    expect(toStoredEvent(event, storedAt)).toEqual({
      _id: event.id,
      v: 1,
      tenantId: event.tenantId,
      type: event.type,
      source: event.source,
      occurredAt: new Date("2025-03-10T12:30:00.000Z"),
      botId: event.botId,
      attributes: event.attributes,
      storedAt,
    });
  });
});

describe(`events and KPI repositories on MongoDB${MONGO_URL ? "" : ` (${MONGO_SKIP_REASON})`}`, () => {
  let connection: MongoConnection | null = null;
  const live = (): MongoConnection => {
    if (!connection) throw new Error("MongoDB not connected");
    return connection;
  };

  beforeAll(async () => {
    if (!MONGO_URL) return;
    connection = mongoConnection(new MongoClient(MONGO_URL, { serverSelectionTimeoutMS: 5000 }), `analytics_test_${randomBytes(4).toString("hex")}`);
    await connection.connect();
  });

  afterAll(async () => {
    if (!connection) return;
    await connection.db.dropDatabase();
    await connection.client.close();
  });

  itWithMongo("creates the tenant/time/type and TTL indexes on every collection, again without error, and follows a new retention", async () => {
    const { db } = live();
    await createEventsRepository(live(), { retentionDays: 30 }).prepare();
    await createEventsRepository(live(), { retentionDays: 30 }).prepare();
    for (const name of eventCollections) {
      const indexes = await db.collection(name).indexes();
      expect(indexes).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: "tenant_time_type", key: { tenantId: 1, occurredAt: -1, type: 1 } }),
          expect.objectContaining({ name: "occurredAt_ttl", key: { occurredAt: 1 }, expireAfterSeconds: 30 * 86_400 }),
        ]),
      );
    }

    await createEventsRepository(live(), { retentionDays: 7 }).prepare();
    const ttl = (await db.collection("message_logs").indexes()).find((index) => index.name === "occurredAt_ttl");
    expect(ttl?.expireAfterSeconds).toBe(7 * 86_400);
  });

  itWithMongo("stores events with their id as _id and a Date occurredAt, and reports a redelivery as a duplicate", async () => {
    const { db } = live();
    const repository = createEventsRepository(live(), { retentionDays: 30 });
    const [first, second] = [analyticsEvent(), analyticsEvent()];

    expect(await repository.insert("message_logs", [first])).toEqual({ inserted: 1, duplicates: 0, failedIds: [] });
    expect(await repository.insert("message_logs", [first, second])).toEqual({ inserted: 1, duplicates: 1, failedIds: [] });

    const stored = await db.collection("message_logs").find({}, { sort: { _id: 1 } }).toArray();
    expect(stored.map((d) => d._id).sort()).toEqual([first.id, second.id].sort());
    expect(stored.every((d) => d.occurredAt instanceof Date)).toBe(true);
  });

  itWithMongo("computes the same messages-per-tenant rows on MongoDB as mingo does on the same documents", async () => {
    const { db } = live();
    const repository = createEventsRepository(live(), { retentionDays: 30 });
    const now = new Date();
    const at = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * 3_600_000).toISOString();
    const events = [
      analyticsEvent({ tenantId: "kpi-a", type: "message.received", occurredAt: at(1) }),
      analyticsEvent({ tenantId: "kpi-a", type: "message.sent", occurredAt: at(2) }),
      analyticsEvent({ tenantId: "kpi-a", type: "message.received", occurredAt: at(30) }),
      analyticsEvent({ tenantId: "kpi-b", type: "message.sent", occurredAt: at(3) }),
      analyticsEvent({ tenantId: "kpi-b", type: "message.sent", occurredAt: at(4) }),
      analyticsEvent({ tenantId: "kpi-b", type: "message.sent", occurredAt: at(5) }),
      analyticsEvent({ tenantId: "kpi-b", type: "message.status", occurredAt: at(5) }),
    ];
    await db.collection("message_logs").deleteMany({});
    await repository.insert("message_logs", events);

    const fromMongo = await createKpiRepository(live()).messagesPerTenant(now, 24);
    const fromMingo = new Aggregator(messagesPerTenantPipeline(now, 24)).run(events.map((e) => toStoredEvent(e, now)));

    expect(fromMongo).toEqual([
      { tenantId: "kpi-b", messages: 3, received: 0, sent: 3 },
      { tenantId: "kpi-a", messages: 2, received: 1, sent: 1 },
    ]);
    expect(fromMongo).toEqual(fromMingo);
  });
});
