// The partition reader alone, with the stream side played by a fake.
import { describe, expect, it } from "@jest/globals";
import { createLogger, type RedisClient } from "@fleet/service-kit";
import { PartitionReader, type PartitionReaderOptions } from "../src/consumers/partitions/partition-reader.js";
import type { InboundPartitionsRepository, RawEntry } from "../src/repositories/inbound-partitions.repository.js";

const logger = createLogger({ service: "bot-orchestrator", level: "error" });

function fakeStreams(pending: RawEntry[], fresh: RawEntry[][], stray: RawEntry[][] = []): InboundPartitionsRepository {
  const fake: Pick<InboundPartitionsRepository, "ensureGroup" | "takeOver" | "readNew" | "claimForeign"> = {
    claimForeign: async () => (stray.shift() ?? []).map((entry) => ({ ...entry, deliveries: 2 })),
    ensureGroup: async () => undefined,
    takeOver: async () => pending.map((entry) => ({ ...entry, deliveries: 2 })),
    // Other consumers hold entries when the next claimForeign has some for the reader.
    readNew: async () => {
      const next = fresh.shift();
      if (next) return { entries: next, othersHold: stray.some((list) => list.length > 0) };
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { entries: [], othersHold: false };
    },
  };
  return fake as InboundPartitionsRepository;
}

const blocking = { disconnect: () => undefined } as unknown as RedisClient;
const held = { valid: true, remainingMs: 60_000 };
const entry = (id: string): RawEntry => ({ id, fields: ["data", "{}"] });

/** A reader of partition 3 whose lease is held, with room, the given streams, and what it accepts recorded. */
function readerOf(streams: InboundPartitionsRepository, options: Partial<PartitionReaderOptions> = {}): { reader: PartitionReader; accepted: string[] } {
  const accepted: string[] = [];
  const reader = new PartitionReader({
    partition: 3,
    consumer: "replica-a",
    streams,
    blocking,
    lease: held,
    accept: (_partition, raw) => accepted.push(raw.id),
    waitForRoom: async () => undefined,
    release: async () => undefined,
    logger,
    batchSize: 10,
    blockMs: 10,
    ...options,
  });
  reader.start();
  return { reader, accepted };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("partition reader", () => {
  it("hands over the entries left pending before any new one, in stream order", async () => {
    const { reader, accepted } = readerOf(fakeStreams([entry("1-0"), entry("2-0")], [[entry("3-0"), entry("4-0")]]));
    while (accepted.length < 4) await sleep(5);
    await reader.stop();
    expect(accepted).toEqual(["1-0", "2-0", "3-0", "4-0"]);
  });

  it("hands over entries another consumer read after the takeover together with the next read, in stream order", async () => {
    // replica-b, its lease lost without noticing, read 5-0 after this reader took over; this reader's next read brings 6-0.
    const { reader, accepted } = readerOf(fakeStreams([], [[entry("4-0")], [entry("6-0")]], [[], [entry("5-0")]]));
    while (accepted.length < 3) await sleep(5);
    await reader.stop();
    expect(accepted).toEqual(["4-0", "5-0", "6-0"]);
  });

  it("reads nothing while the lease is not surely held", async () => {
    let reads = 0;
    const counting = { ...fakeStreams([], []), readNew: async () => (reads++, { entries: [], othersHold: false }) } as InboundPartitionsRepository;
    const { reader } = readerOf(counting, { lease: { valid: false, remainingMs: 0 } });
    await sleep(100);
    await reader.stop();
    expect(reads).toBe(0);
  });

  it("stops promptly while waiting for room in a full replica, and releases the partition", async () => {
    let released = false;
    const { reader } = readerOf(fakeStreams([], []), {
      waitForRoom: () => new Promise(() => undefined),
      release: async () => {
        released = true;
      },
    });
    await sleep(20);
    await reader.stop();
    expect(released).toBe(true);
  });
});
