// The partition reader alone, with the stream side played by a fake.
import { describe, expect, it } from "@jest/globals";
import { createLogger, type RedisClient } from "@fleet/service-kit";
import { PartitionReader } from "../src/consumers/partitions/partition-reader.js";
import type { InboundPartitionsRepository, RawEntry } from "../src/repositories/inbound-partitions.repository.js";

const logger = createLogger({ service: "bot-orchestrator", level: "error" });

function fakeStreams(pending: RawEntry[], fresh: RawEntry[][]): InboundPartitionsRepository {
  const fake: Pick<InboundPartitionsRepository, "ensureGroup" | "takeOver" | "readNew"> = {
    ensureGroup: async () => undefined,
    takeOver: async () => pending.map((entry) => ({ ...entry, deliveries: 2 })),
    readNew: async () => {
      const next = fresh.shift();
      if (next) return next;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return [];
    },
  };
  return fake as InboundPartitionsRepository;
}

const blocking = { disconnect: () => undefined } as unknown as RedisClient;
const entry = (id: string): RawEntry => ({ id, fields: ["data", "{}"] });

describe("partition reader", () => {
  it("hands over the entries left pending before any new one, in stream order", async () => {
    const accepted: string[] = [];
    const reader = new PartitionReader({
      partition: 3,
      consumer: "replica-a",
      streams: fakeStreams([entry("1-0"), entry("2-0")], [[entry("3-0"), entry("4-0")]]),
      blocking,
      accept: (_partition, raw) => accepted.push(raw.id),
      waitForRoom: async () => undefined,
      release: async () => undefined,
      logger,
      batchSize: 10,
      blockMs: 10,
    });
    reader.start();
    while (accepted.length < 4) await new Promise((resolve) => setTimeout(resolve, 5));
    await reader.stop();
    expect(accepted).toEqual(["1-0", "2-0", "3-0", "4-0"]);
  });

  it("stops promptly while waiting for room in a full replica, and releases the partition", async () => {
    let released = false;
    const reader = new PartitionReader({
      partition: 0,
      consumer: "replica-a",
      streams: fakeStreams([], []),
      blocking,
      accept: () => undefined,
      waitForRoom: () => new Promise(() => undefined),
      release: async () => {
        released = true;
      },
      logger,
      batchSize: 10,
      blockMs: 10,
    });
    reader.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await reader.stop();
    expect(released).toBe(true);
  });
});
