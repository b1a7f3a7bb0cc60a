import { describe, expect, it } from "@jest/globals";
import { assignPartitions, partitionsOf } from "../src/consumers/partitions/partition-assignment.js";

const replicas = (n: number) => Array.from({ length: n }, (_, i) => `orchestrator-${i + 1}`);

describe("partition assignment", () => {
  it("gives every partition exactly one owner among the live replicas", () => {
    for (const n of [1, 2, 3, 5, 16, 20]) {
      const assignment = assignPartitions(replicas(n), 16);
      expect([...assignment.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
      for (const owner of assignment.values()) expect(replicas(n)).toContain(owner);
    }
  });

  it("balances: no replica owns more than its share rounded up", () => {
    for (const n of [2, 3, 4, 5, 7]) {
      const counts = replicas(n).map((member) => partitionsOf(member, replicas(n), 16).size);
      expect(Math.max(...counts)).toBeLessThanOrEqual(Math.ceil(16 / n));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(16);
    }
  });

  it("is the same whatever order replicas are listed in, so every replica computes the same", () => {
    const members = replicas(4);
    expect(assignPartitions([...members].reverse(), 16)).toEqual(assignPartitions(members, 16));
  });

  it("moves few partitions when a replica joins", () => {
    const before = assignPartitions(replicas(3), 16);
    const after = assignPartitions(replicas(4), 16);
    const moved = [...before.keys()].filter((p) => before.get(p) !== after.get(p)).length;
    // The newcomer needs 4; a full reshuffle would move about 12.
    expect(moved).toBeLessThanOrEqual(8);
    expect(partitionsOf("orchestrator-4", replicas(4), 16).size).toBeGreaterThanOrEqual(3);
  });

  it("assigns nothing when no replica is alive", () => {
    expect(assignPartitions([], 16).size).toBe(0);
  });
});
