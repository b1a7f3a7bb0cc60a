// Which orchestrator replica should own which inbound partition, computed by
// every replica from the same list of live replicas, so they agree without
// talking to each other. Balanced (no replica gets more than ceil(P/n)) and
// stable: a replica joining or leaving moves few partitions, because each
// partition prefers replicas in an order fixed by a hash of (replica,
// partition) — rendezvous hashing with a capacity.
import { fnv1a32 } from "@fleet/contracts";

/** Partition → the replica that should own it. */
export function assignPartitions(members: readonly string[], partitions: number): Map<number, string> {
  const assignment = new Map<number, string>();
  const live = [...new Set(members)].sort();
  if (live.length === 0) return assignment;
  const capacity = Math.ceil(partitions / live.length);
  const load = new Map(live.map((member) => [member, 0]));
  for (let partition = 0; partition < partitions; partition++) {
    const ranked = live
      .map((member) => ({ member, score: fnv1a32(`${member}/${partition}`) }))
      .sort((a, b) => b.score - a.score || (a.member < b.member ? -1 : 1));
    const chosen = ranked.find(({ member }) => (load.get(member) ?? 0) < capacity) ?? ranked[0];
    if (!chosen) continue;
    assignment.set(partition, chosen.member);
    load.set(chosen.member, (load.get(chosen.member) ?? 0) + 1);
  }
  return assignment;
}

/** The partitions `member` should own. */
export function partitionsOf(member: string, members: readonly string[], partitions: number): Set<number> {
  const mine = new Set<number>();
  for (const [partition, owner] of assignPartitions(members, partitions)) if (owner === member) mine.add(partition);
  return mine;
}
