// The rollups script on real Redis: idempotent by event id, late events in their own buckets,
// expiries, tenants apart.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ROLLUP_TTL_SECONDS, dayBucket, hourBucket, rollupKeys, type AnalyticsEvent } from "@fleet/contracts";
import { createTestRedis, type TestRedis } from "@fleet/testing";
import { foldEvent, type EventFold } from "../src/rollups/fold-event.js";
import { createFoldIntoRollups } from "../src/rollups/fold-into-rollups.use-case.js";
import { createRollupsRepository, type RollupsRepository } from "../src/rollups/rollups.repository.js";
import { analyticsEvent, capturingLogger } from "./fakes.js";

let sequence = 0;
const uniqueTenant = () => `shop-${process.pid}-${++sequence}`;

function folded(event: AnalyticsEvent): EventFold {
  const fold = foldEvent(event);
  if (!fold) throw new Error(`${event.type} is not folded`);
  return fold;
}

describe("rollups repository on Redis", () => {
  let test: TestRedis;
  let repository: RollupsRepository;

  beforeAll(async () => {
    test = await createTestRedis();
    repository = createRollupsRepository(test.redis);
  });

  afterAll(async () => {
    await test.cleanup();
  });

  const hourOf = (tenantId: string, at: Date) => test.redis.hgetall(rollupKeys.hour(tenantId, hourBucket(at)));
  const dayOf = (tenantId: string, at: Date) => test.redis.hgetall(rollupKeys.day(tenantId, dayBucket(at)));

  it("counts an event folded twice once", async () => {
    const tenantId = uniqueTenant();
    const now = new Date();
    const event = analyticsEvent({ tenantId, type: "message.sent", occurredAt: now.toISOString(), attributes: { response_ms: 300 } });

    expect(await repository.apply(folded(event))).toEqual({ outcome: "folded", failedIncrements: 0 });
    expect(await repository.apply(folded(event))).toEqual({ outcome: "duplicate" });

    const expected = { out: "1", resp_ms_sum: "300", resp_n: "1", resp_le_500: "1" };
    expect(await hourOf(tenantId, now)).toEqual(expected);
    expect(await dayOf(tenantId, now)).toEqual(expected);
    expect(await test.redis.smembers(rollupKeys.hourBots(tenantId, hourBucket(now)))).toEqual(["bot-1"]);
  });

  it("adds up several events of an hour, fractional response times included", async () => {
    const tenantId = uniqueTenant();
    const now = new Date();
    const sent = (responseMs: number, botId: string) => analyticsEvent({ tenantId, botId, type: "message.sent", occurredAt: now.toISOString(), attributes: { response_ms: responseMs } });
    for (const event of [sent(250, "bot-1"), sent(250.5, "bot-2"), sent(70_000, "bot-1"), analyticsEvent({ tenantId, occurredAt: now.toISOString() })]) {
      await repository.apply(folded(event));
    }
    expect(await hourOf(tenantId, now)).toEqual({ out: "3", in: "1", resp_ms_sum: "70500.5", resp_n: "3", resp_le_250: "1", resp_le_500: "1", resp_le_inf: "1" });
    expect((await test.redis.smembers(rollupKeys.hourBots(tenantId, hourBucket(now)))).sort()).toEqual(["bot-1", "bot-2"]);
  });

  it("puts a late event in its own old hour and day, not in the current ones", async () => {
    const tenantId = uniqueTenant();
    const now = new Date();
    const twoDaysAgo = new Date(now.getTime() - 2 * 24 * 3600 * 1000);
    await repository.apply(folded(analyticsEvent({ tenantId, type: "order.created", source: "gateway", occurredAt: twoDaysAgo.toISOString(), attributes: { totalMinor: 1500, currency: "USD" } })));

    expect(await hourOf(tenantId, twoDaysAgo)).toEqual({ orders: "1", "sales:USD": "1500" });
    expect(await dayOf(tenantId, twoDaysAgo)).toEqual({ orders: "1", "sales:USD": "1500" });
    expect(await hourOf(tenantId, now)).toEqual({});
    expect(await dayOf(tenantId, now)).toEqual({});
  });

  it("keeps hour buckets about 35 days, day buckets about 400 days and seen-marks 8 days", async () => {
    const tenantId = uniqueTenant();
    const now = new Date();
    const event = analyticsEvent({ tenantId, occurredAt: now.toISOString() });
    await repository.apply(folded(event));

    const hourTtl = await test.redis.ttl(rollupKeys.hour(tenantId, hourBucket(now)));
    const botsTtl = await test.redis.ttl(rollupKeys.hourBots(tenantId, hourBucket(now)));
    const dayTtl = await test.redis.ttl(rollupKeys.day(tenantId, dayBucket(now)));
    const seenTtl = await test.redis.ttl(rollupKeys.seen(tenantId, event.id));
    // Counted from the end of the bucket's period: at most one more hour (day) than the TTL.
    expect(hourTtl).toBeGreaterThan(ROLLUP_TTL_SECONDS.hour - 5);
    expect(hourTtl).toBeLessThanOrEqual(ROLLUP_TTL_SECONDS.hour + 3600);
    expect(Math.abs(botsTtl - hourTtl)).toBeLessThanOrEqual(1);
    expect(dayTtl).toBeGreaterThan(ROLLUP_TTL_SECONDS.day - 5);
    expect(dayTtl).toBeLessThanOrEqual(ROLLUP_TTL_SECONDS.day + 24 * 3600);
    expect(seenTtl).toBeGreaterThan(ROLLUP_TTL_SECONDS.seen - 5);
    expect(seenTtl).toBeLessThanOrEqual(ROLLUP_TTL_SECONDS.seen);
  });

  it("does not extend an old bucket's life when a late event lands in it", async () => {
    const tenantId = uniqueTenant();
    const tenDaysAgo = new Date(Date.now() - 10 * 24 * 3600 * 1000);
    await repository.apply(folded(analyticsEvent({ tenantId, occurredAt: tenDaysAgo.toISOString() })));
    const hourTtl = await test.redis.ttl(rollupKeys.hour(tenantId, hourBucket(tenDaysAgo)));
    expect(hourTtl).toBeLessThanOrEqual(ROLLUP_TTL_SECONDS.hour - 9 * 24 * 3600);
    expect(hourTtl).toBeGreaterThan(ROLLUP_TTL_SECONDS.hour - 11 * 24 * 3600);
  });

  it("skips the hour bucket of an event older than hours are kept, and still counts its day", async () => {
    const tenantId = uniqueTenant();
    const fortyDaysAgo = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    const outcome = await repository.apply(folded(analyticsEvent({ tenantId, occurredAt: fortyDaysAgo.toISOString() })));
    expect(outcome).toEqual({ outcome: "folded", failedIncrements: 0 });
    expect(await test.redis.exists(rollupKeys.hour(tenantId, hourBucket(fortyDaysAgo)), rollupKeys.hourBots(tenantId, hourBucket(fortyDaysAgo)))).toBe(0);
    expect(await dayOf(tenantId, fortyDaysAgo)).toEqual({ in: "1" });
  });

  it("writes nothing, not even a seen-mark, for an event older than every bucket", async () => {
    const tenantId = uniqueTenant();
    const event = analyticsEvent({ tenantId, occurredAt: new Date(Date.now() - 500 * 24 * 3600 * 1000).toISOString() });
    expect(await repository.apply(folded(event))).toEqual({ outcome: "expired" });
    expect(await test.redis.keys(`${test.prefix}analytics:{${tenantId}}:*`)).toEqual([]);
  });

  it("never mixes two tenants, even for events with the same id", async () => {
    const [first, second] = [uniqueTenant(), uniqueTenant()];
    const now = new Date();
    const id = `shared-${process.pid}`;
    await repository.apply(folded(analyticsEvent({ id, tenantId: first, type: "message.received", occurredAt: now.toISOString() })));
    await repository.apply(folded(analyticsEvent({ id, tenantId: second, type: "error", botId: "bot-9", occurredAt: now.toISOString() })));

    expect(await hourOf(first, now)).toEqual({ in: "1" });
    expect(await hourOf(second, now)).toEqual({ errors: "1" });
    expect(await dayOf(first, now)).toEqual({ in: "1" });
    expect(await test.redis.smembers(rollupKeys.hourBots(first, hourBucket(now)))).toEqual(["bot-1"]);
    expect(await test.redis.smembers(rollupKeys.hourBots(second, hourBucket(now)))).toEqual(["bot-9"]);
  });

  it("counts the rest of an event when Redis refuses one of its counters, and says so", async () => {
    const tenantId = uniqueTenant();
    const now = new Date();
    // A counter at the top of int64: one more order overflows it.
    await test.redis.hset(rollupKeys.hour(tenantId, hourBucket(now)), "orders", "9223372036854775807");
    const { logger, lines } = capturingLogger();
    const fold = createFoldIntoRollups({ repository, logger });

    const event = analyticsEvent({ tenantId, type: "order.created", source: "gateway", occurredAt: now.toISOString(), attributes: { totalMinor: 700, currency: "MXN" } });
    expect(await fold(event)).toBe("folded");
    expect(await hourOf(tenantId, now)).toEqual({ orders: "9223372036854775807", "sales:MXN": "700" });
    expect(await dayOf(tenantId, now)).toEqual({ orders: "1", "sales:MXN": "700" });
    expect(lines.find((line) => line.message === "rollup counters refused part of an event")).toMatchObject({ eventId: event.id, failedIncrements: 1 });
    expect(await fold(event)).toBe("duplicate");
  });

  it("folds events given in one turn together exactly as one by one: duplicates within the turn once, hours, bots and tenants apart", async () => {
    const [oneByOne, together] = [uniqueTenant(), uniqueTenant()];
    const now = new Date();
    const hourAgo = new Date(now.getTime() - 3600 * 1000);
    const events = (tenantId: string) => {
      const at = (date: Date) => date.toISOString();
      const repeated = analyticsEvent({ tenantId, id: `repeated-${tenantId}`, occurredAt: at(now) });
      return [
        repeated,
        analyticsEvent({ tenantId, type: "message.sent", botId: "bot-2", occurredAt: at(now), attributes: { response_ms: 250.5 } }),
        analyticsEvent({ tenantId, type: "message.sent", occurredAt: at(now), attributes: { response_ms: 0.25 } }),
        analyticsEvent({ tenantId, type: "message.sent", occurredAt: at(hourAgo), attributes: { response_ms: 90_000 } }),
        analyticsEvent({ tenantId, type: "order.created", contact: undefined, source: "gateway", occurredAt: at(now), attributes: { totalMinor: 1500, currency: "USD" } }),
        analyticsEvent({ tenantId, type: "error", botId: "bot-3", occurredAt: at(hourAgo) }),
        repeated,
        analyticsEvent({ tenantId, occurredAt: new Date(now.getTime() - 500 * 24 * 3600 * 1000).toISOString() }),
      ];
    };
    const sequential = [];
    for (const event of events(oneByOne)) sequential.push(await repository.apply(folded(event)));
    const batched = await Promise.all(events(together).map((event) => repository.apply(folded(event))));

    const folded1 = { outcome: "folded", failedIncrements: 0 };
    expect(batched).toEqual([folded1, folded1, folded1, folded1, folded1, folded1, { outcome: "duplicate" }, { outcome: "expired" }]);
    expect(batched).toEqual(sequential);
    for (const at of [now, hourAgo]) {
      expect(await hourOf(together, at)).toEqual(await hourOf(oneByOne, at));
      expect((await test.redis.smembers(rollupKeys.hourBots(together, hourBucket(at)))).sort()).toEqual((await test.redis.smembers(rollupKeys.hourBots(oneByOne, hourBucket(at)))).sort());
      expect(await test.redis.ttl(rollupKeys.hour(together, hourBucket(at)))).toBeGreaterThan(ROLLUP_TTL_SECONDS.hour - 3600);
    }
    expect(await dayOf(together, now)).toEqual(await dayOf(oneByOne, now));
    expect(await hourOf(together, now)).toEqual({ in: "1", out: "2", resp_ms_sum: "250.75", resp_n: "2", resp_le_250: "1", resp_le_500: "1", orders: "1", "sales:USD": "1500" });
    expect((await test.redis.smembers(rollupKeys.hourBots(together, hourBucket(now)))).sort()).toEqual(["bot-1", "bot-2"]);
    expect((await test.redis.smembers(rollupKeys.hourBots(together, hourBucket(hourAgo)))).sort()).toEqual(["bot-1", "bot-3"]);
  });

  it("sends the events of a tenant given in one turn to Redis as one script", async () => {
    const tenantId = uniqueTenant();
    await repository.apply(folded(analyticsEvent({ tenantId })));
    const monitor = await test.redis.duplicate().monitor();
    const scripts: string[][] = [];
    monitor.on("monitor", (_time: string, args: string[]) => {
      if (/^eval/i.test(args[0] ?? "") && args.some((arg) => arg.includes(`{${tenantId}}`))) scripts.push(args);
    });
    try {
      // MONITOR starts reporting once its connection is ready; a round trip on another connection settles that.
      await test.redis.ping();
      await Promise.all(Array.from({ length: 5 }, () => repository.apply(folded(analyticsEvent({ tenantId })))));
      await test.redis.ping();
    } finally {
      monitor.disconnect();
    }
    expect(scripts).toHaveLength(1);
    expect(await hourOf(tenantId, new Date())).toEqual({ in: "6" });
  });

  it("counts a refused counter as failed for every event of a turn that added to it, and writes the rest", async () => {
    const tenantId = uniqueTenant();
    const now = new Date();
    await test.redis.hset(rollupKeys.hour(tenantId, hourBucket(now)), "in", "9223372036854775807");
    const [first, second, other] = await Promise.all([
      repository.apply(folded(analyticsEvent({ tenantId, occurredAt: now.toISOString() }))),
      repository.apply(folded(analyticsEvent({ tenantId, occurredAt: now.toISOString() }))),
      repository.apply(folded(analyticsEvent({ tenantId, type: "error", occurredAt: now.toISOString() }))),
    ]);
    expect([first, second, other]).toEqual([
      { outcome: "folded", failedIncrements: 1 },
      { outcome: "folded", failedIncrements: 1 },
      { outcome: "folded", failedIncrements: 0 },
    ]);
    expect(await hourOf(tenantId, now)).toEqual({ in: "9223372036854775807", errors: "1" });
    expect(await dayOf(tenantId, now)).toEqual({ in: "2", errors: "1" });
  });

  it("adds integer increments whose sum passes 2^53 one by one, so none is rounded", async () => {
    const tenantId = uniqueTenant();
    const now = new Date();
    const order = (totalMinor: number) => analyticsEvent({ tenantId, type: "order.created", contact: undefined, source: "gateway", occurredAt: now.toISOString(), attributes: { totalMinor, currency: "USD" } });
    await Promise.all([order(Number.MAX_SAFE_INTEGER), order(Number.MAX_SAFE_INTEGER), order(3)].map((event) => repository.apply(folded(event))));
    const expected = (2n * BigInt(Number.MAX_SAFE_INTEGER) + 3n).toString();
    expect(await hourOf(tenantId, now)).toEqual({ orders: "3", "sales:USD": expected });
    expect(await dayOf(tenantId, now)).toEqual({ orders: "3", "sales:USD": expected });
  });

  it("ignores an event type the rollups do not count without writing anything", async () => {
    const tenantId = uniqueTenant();
    const fold = createFoldIntoRollups({ repository, logger: capturingLogger().logger });
    expect(await fold(analyticsEvent({ tenantId, type: "message.status" }))).toBe("ignored");
    expect(await test.redis.keys(`${test.prefix}analytics:{${tenantId}}:*`)).toEqual([]);
  });
});

describe("conversion in the live rollups on Redis", () => {
  let test: TestRedis;
  let repository: RollupsRepository;

  beforeAll(async () => {
    test = await createTestRedis();
    repository = createRollupsRepository(test.redis);
  });

  afterAll(async () => {
    await test.cleanup();
  });

  const hour = (tenantId: string, at: Date) => test.redis.hgetall(rollupKeys.hour(tenantId, hourBucket(at)));
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  const started = (tenantId: string, at: Date, contact = "c1") => analyticsEvent({ tenantId, type: "conversation.started", occurredAt: at.toISOString(), contact });
  const order = (tenantId: string, at: Date, contact = "c1") =>
    analyticsEvent({ tenantId, type: "order.created", source: "gateway", occurredAt: at.toISOString(), contact, attributes: { totalMinor: 100, currency: "USD" } });

  it("counts a conversion once, in the start's hour, however often its orders are delivered", async () => {
    const tenantId = uniqueTenant();
    const start = minutesAgo(180);
    const firstOrder = order(tenantId, minutesAgo(10));
    await repository.apply(folded(started(tenantId, start)));
    await repository.apply(folded(firstOrder));
    await repository.apply(folded(firstOrder));
    await repository.apply(folded(order(tenantId, minutesAgo(5))));
    expect(await hour(tenantId, start)).toEqual({ conv_started: "1", conv_converted: "1" });
    expect(await test.redis.hget(rollupKeys.day(tenantId, dayBucket(start)), "conv_converted")).toBe("1");
  });

  it("keeps the later conversation when an earlier one arrives late, and credits only the later", async () => {
    const tenantId = uniqueTenant();
    const earlier = minutesAgo(300);
    const later = minutesAgo(120);
    await repository.apply(folded(started(tenantId, later)));
    await repository.apply(folded(started(tenantId, earlier)));
    await repository.apply(folded(order(tenantId, minutesAgo(60))));
    expect(await hour(tenantId, later)).toMatchObject({ conv_converted: "1" });
    expect(await hour(tenantId, earlier)).toEqual({ conv_started: "1" });
    expect(await test.redis.hget(rollupKeys.latestConversation(tenantId, "c1"), "s")).toBe(String(later.getTime()));
  });

  it("credits nothing for an order before the latest conversation, of another contact or another tenant", async () => {
    const [tenantId, other] = [uniqueTenant(), uniqueTenant()];
    const start = minutesAgo(120);
    await repository.apply(folded(started(tenantId, start)));
    await repository.apply(folded(order(tenantId, minutesAgo(130))));
    await repository.apply(folded(order(tenantId, minutesAgo(60), "c2")));
    await repository.apply(folded(order(other, minutesAgo(60))));
    expect(await hour(tenantId, start)).not.toHaveProperty("conv_converted");
    expect(await test.redis.keys(`${test.prefix}analytics:{${tenantId}}:cv:*`)).toEqual([]);
  });

  it("keeps a contact's latest conversation 8 days from its start, and none older than that", async () => {
    const tenantId = uniqueTenant();
    await repository.apply(folded(started(tenantId, minutesAgo(60))));
    const ttl = await test.redis.pttl(rollupKeys.latestConversation(tenantId, "c1"));
    expect(ttl).toBeGreaterThan(ROLLUP_TTL_SECONDS.conversation * 1000 - 3_700_000);
    expect(ttl).toBeLessThanOrEqual(ROLLUP_TTL_SECONDS.conversation * 1000 - 3_500_000);
    const stale = uniqueTenant();
    await repository.apply(folded(started(stale, new Date(Date.now() - 9 * 24 * 3600 * 1000))));
    expect(await test.redis.exists(rollupKeys.latestConversation(stale, "c1"))).toBe(0);
  });
});
