// The inbound partitions repository's takeover of entries other consumers hold, on real Redis: what
// a replica read after it lost a partition (without noticing yet) moves to the partition's owner.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { inboundStream } from "@fleet/contracts";
import { createLogger, streamDeadLetteredCounter } from "@fleet/service-kit";
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
});
