// The inbound partitions repository's takeover of entries other consumers hold, on real Redis: what
// a replica read after it lost a partition (without noticing yet) moves to the partition's owner.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { inboundStream } from "@fleet/contracts";
import { createLogger, createRedisClient, streamDeadLetteredCounter } from "@fleet/service-kit";
import { createTestRedis, type TestRedis } from "@fleet/testing";
import { Registry } from "prom-client";
import { INBOUND_GROUP, createInboundPartitionsRepository } from "../src/repositories/inbound-partitions.repository.js";

const PARTITION = 5;

describe("inbound partitions repository", () => {
  let test: TestRedis;
  let streams: ReturnType<typeof createInboundPartitionsRepository>;

  beforeAll(async () => {
    test = await createTestRedis();
    streams = createInboundPartitionsRepository(test.redis, {
      logger: createLogger({ service: "bot-orchestrator", level: "error" }),
      deadLettered: streamDeadLetteredCounter(new Registry()),
      deadLetterMaxLen: 100,
    });
  });

  afterAll(async () => {
    await test.cleanup();
  });

  it("moves what other consumers hold to the owner, oldest first with its deliveries, and finds nothing the second time", async () => {
    await streams.ensureGroup(PARTITION);
    const stream = inboundStream(PARTITION);
    const ids: string[] = [];
    for (let n = 1; n <= 4; n++) ids.push((await test.redis.xadd(stream, "*", "data", JSON.stringify({ n }))) ?? "");
    // The owner read the first entry; a replica that lost the partition read the next two; one is unread.
    await test.redis.xreadgroup("GROUP", INBOUND_GROUP, "owner", "COUNT", 1, "STREAMS", stream, ">");
    await test.redis.xreadgroup("GROUP", INBOUND_GROUP, "stale", "COUNT", 2, "STREAMS", stream, ">");

    const taken = await streams.claimForeign(PARTITION, "owner");

    expect(taken.map(({ id, fields, deliveries }) => ({ id, fields, deliveries }))).toEqual([
      { id: ids[1], fields: ["data", JSON.stringify({ n: 2 })], deliveries: 2 },
      { id: ids[2], fields: ["data", JSON.stringify({ n: 3 })], deliveries: 2 },
    ]);
    const pending = (await test.redis.xpending(stream, INBOUND_GROUP, "-", "+", 10)) as [string, string, number, number][];
    expect(pending.map(([id, consumer]) => [id, consumer])).toEqual([
      [ids[0], "owner"],
      [ids[1], "owner"],
      [ids[2], "owner"],
    ]);
    expect(await streams.claimForeign(PARTITION, "owner")).toEqual([]);
  });

  it("says with each read whether other consumers hold entries, asked in the same write as the read", async () => {
    const partition = PARTITION + 1;
    await streams.ensureGroup(partition);
    const stream = inboundStream(partition);
    const blocking = createRedisClient({ url: test.url, keyPrefix: test.prefix, logger: createLogger({ service: "bot-orchestrator", level: "error" }), name: "reader", blocking: true });
    try {
      const first = await test.redis.xadd(stream, "*", "data", "{}");
      await test.redis.xreadgroup("GROUP", INBOUND_GROUP, "stale", "COUNT", 1, "STREAMS", stream, ">");
      const second = await test.redis.xadd(stream, "*", "data", "{}");

      const read = await streams.readNew(blocking, partition, "owner", 10, 100);
      expect(read.entries.map((entry) => entry.id)).toEqual([second]);
      expect(read.othersHold).toBe(true);

      expect((await streams.claimForeign(partition, "owner")).map((entry) => entry.id)).toEqual([first]);
      const third = await test.redis.xadd(stream, "*", "data", "{}");
      expect(await streams.readNew(blocking, partition, "owner", 10, 100)).toEqual({ entries: [{ id: third, fields: ["data", "{}"] }], othersHold: false });
      // A read that waited and found nothing.
      expect(await streams.readNew(blocking, partition, "owner", 10, 50)).toEqual({ entries: [], othersHold: false });
    } finally {
      blocking.disconnect();
    }
  });
});
