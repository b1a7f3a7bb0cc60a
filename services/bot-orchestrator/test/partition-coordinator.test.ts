// The partition coordinator on real Redis leases: a partition being let go stays this replica's
// until its running entries finished, however long that takes, and is released then.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { inboundLeaseKey } from "@fleet/contracts";
import { createLeaseRepository, createLogger, type LeaseRepository } from "@fleet/service-kit";
import { createTestRedis, type TestRedis } from "@fleet/testing";
import { PartitionCoordinator } from "../src/consumers/partitions/partition-coordinator.js";
import { createReplicasRepository } from "../src/repositories/replicas.repository.js";

const LEASE_TTL_MS = 300;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("partition coordinator", () => {
  let test: TestRedis;
  let leases: LeaseRepository;

  beforeAll(async () => {
    test = await createTestRedis();
    leases = createLeaseRepository(test.redis);
  });

  afterAll(async () => {
    await test.cleanup();
  });

  it("keeps renewing the lease of a partition whose running entries outlast the TTL while it stops, then releases it", async () => {
    let finishRunning: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (finishRunning = resolve));
    const started: number[] = [];
    const coordinator = new PartitionCoordinator({
      name: "replica-a",
      partitions: 1,
      leaseTtlMs: LEASE_TTL_MS,
      leases,
      replicas: createReplicasRepository(test.redis),
      agreeOnPartitionCount: async () => ({ agreed: true }),
      logger: createLogger({ service: "bot-orchestrator", level: "error" }),
      startPartition(partition, lease) {
        started.push(partition);
        return { partition, lease, stop: () => running };
      },
    });
    coordinator.start();
    while (started.length === 0) await sleep(10);

    const stopped = coordinator.stop();
    // Several TTLs into the stop, an entry still runs: nobody else may have the partition yet.
    for (let waited = 0; waited < 4 * LEASE_TTL_MS; waited += LEASE_TTL_MS / 2) {
      await sleep(LEASE_TTL_MS / 2);
      expect(await leases.holder(inboundLeaseKey(0))).toBe("replica-a");
    }
    finishRunning();
    await stopped;
    expect(await leases.holder(inboundLeaseKey(0))).toBeNull();
  });
});
