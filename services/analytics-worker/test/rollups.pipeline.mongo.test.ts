// The rollup pipelines on a real MongoDB (run when MONGO_URL is set): the events stored by the events
// repository, recomputed by the driver's aggregate, give what mingo gives on the same fixtures and
// what the live fold wrote to Redis; and the reconciliation reads MongoDB through the same path.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import mongodb from "mongodb";
import { Registry } from "prom-client";
import type { AnalyticsEvent } from "@fleet/contracts";
import { createTestRedis, type TestRedis } from "@fleet/testing";
import { createAnalyticsMetrics } from "../src/metrics.js";
import { createEventsRepository, eventCollections } from "../src/repositories/events.repository.js";
import { createLeaseRepository } from "../src/repositories/lease.repository.js";
import { mongoConnection, type MongoConnection } from "../src/repositories/mongo.js";
import { createFoldIntoRollups } from "../src/rollups/fold-into-rollups.use-case.js";
import { createRollupsRecomputeRepository, mongoAggregate } from "../src/rollups/rollups-recompute.repository.js";
import { createRollupsRepository } from "../src/rollups/rollups.repository.js";
import { createReconcileRollups } from "../src/use-cases/reconcile-rollups.use-case.js";
import { collectionFor } from "../src/use-cases/record-events.use-case.js";
import { capturingLogger } from "./fakes.js";
import { DAY0, bucketsOf, event, at, hourOf, mingoAggregate, parityFixtures, storedCollections } from "./rollups.fixtures.js";

// The driver is CommonJS: jest's ESM loader sees only its default export.
const { MongoClient } = mongodb;

const MONGO_URL = process.env.MONGO_URL;
const MONGO_SKIP_REASON = "skipped: MONGO_URL not set (no mongod on this machine)";
if (!MONGO_URL) console.log(`analytics-worker rollup pipelines: MongoDB tests ${MONGO_SKIP_REASON}`);
const describeWithMongo = MONGO_URL ? describe : describe.skip;

const DAY = 24 * 3_600_000;

describeWithMongo("rollup pipelines on MongoDB", () => {
  let connection: MongoConnection | null = null;
  let test: TestRedis;
  let events: AnalyticsEvent[];
  const from = new Date(DAY0 - 4 * DAY);
  const to = new Date(DAY0 + 4 * DAY);

  beforeAll(async () => {
    if (!MONGO_URL) return;
    connection = mongoConnection(new MongoClient(MONGO_URL, { serverSelectionTimeoutMS: 5000 }), `analytics_test_${randomBytes(4).toString("hex")}`);
    const repository = createEventsRepository(connection, { retentionDays: 30 });
    await repository.prepare();
    // The parity fixtures plus an order folded before its conversation (missed live).
    events = [
      ...parityFixtures().folded,
      event("shop-a", "order.created", at(2, 15, 20), { source: "gateway", contact: "c7", attributes: { totalMinor: 4200, currency: "USD" } }),
      event("shop-a", "conversation.started", at(2, 15), { contact: "c7" }),
    ];
    // Stored as the worker stores them: by collection, duplicates included (duplicate keys).
    for (const collection of eventCollections) {
      const mine = events.filter((item) => collectionFor(item.type) === collection);
      if (mine.length > 0) await repository.insert(collection, mine);
    }
    test = await createTestRedis();
    const fold = createFoldIntoRollups({ repository: createRollupsRepository(test.redis), logger: capturingLogger().logger });
    for (const item of events) await fold(item);
  });

  afterAll(async () => {
    if (!connection) return;
    await connection.db.dropDatabase();
    await connection.client.close();
    await test.cleanup();
  });

  const mongo = () => {
    if (!connection) throw new Error("MongoDB not connected");
    return connection;
  };

  it("recomputes on MongoDB exactly what mingo recomputes on the same events", async () => {
    const onMongo = await createRollupsRecomputeRepository(mongoAggregate(mongo())).recompute(from, to);
    const onMingo = await createRollupsRecomputeRepository(mingoAggregate(storedCollections(events))).recompute(from, to);
    expect(onMongo.length).toBeGreaterThan(10);
    expect(onMongo).toEqual(onMingo);
  });

  it("reconciles the live rollups from MongoDB: the missed conversion is credited", async () => {
    const reconcile = createReconcileRollups({
      leases: createLeaseRepository(test.redis),
      recompute: createRollupsRecomputeRepository(mongoAggregate(mongo())),
      rollups: createRollupsRepository(test.redis),
      pendingEvents: async () => 0,
      corrections: createAnalyticsMetrics(new Registry()).rollupCorrections,
      holder: "replica-1",
      intervalMs: 300_000,
      hours: 8 * 24,
      settleMs: 0,
      retentionDays: 30,
      maxPendingEvents: 0,
      now: () => to,
    });
    expect(await reconcile()).toMatchObject({ reconciled: true, corrections: { hours: 1, bots: 0, days: 1 } });
    expect((await bucketsOf(test.redis, test.prefix, "shop-a", "h"))[hourOf(2, 15)]).toEqual({ conv_started: 1, conv_converted: 1, orders: 1, "sales:USD": 4200 });
  });
});
