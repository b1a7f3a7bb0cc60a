// Inbound partitioning: every conversation (bot + contact) maps to one of P
// partition streams by a stable hash, so one orchestrator replica at a time
// handles it, in order. The adapter (writer) and the orchestrator (reader)
// must agree on P; `INBOUND_PARTITIONS_KEY` records it so a fleet whose
// services disagree refuses to start instead of breaking the order.
//
// Keys of one partition share the hash tag `{inbound.N}`: the dedupe marker
// and the stream are written by one script, so on a Redis Cluster they must
// live in the same slot.

/** Default number of inbound partitions. */
export const DEFAULT_INBOUND_PARTITIONS = 16;

/** Key holding the partition count the fleet was started with. */
export const INBOUND_PARTITIONS_KEY = "wa.inbound.partitions";

/** Inbound entries that could never be handled, with the reason (one stream for all partitions). */
export const INBOUND_DEAD_LETTER_STREAM = "wa.inbound.dead";

/** The conversation an inbound entry belongs to. */
export function conversationKey(botId: string, contact: string): string {
  return `${botId}:${contact}`;
}

/** 32-bit FNV-1a over the UTF-8 bytes: stable across processes, versions and platforms. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The partition (0 … partitions-1) of a conversation. */
export function inboundPartition(botId: string, contact: string, partitions: number): number {
  return fnv1a32(conversationKey(botId, contact)) % partitions;
}

/** The hash tag of a partition's keys: keys carrying it live in the partition stream's Cluster slot. */
export function partitionTag(partition: number): string {
  return `{inbound.${partition}}`;
}
const tag = partitionTag;

/** Stream of one inbound partition. */
export function inboundStream(partition: number): string {
  return `wa.inbound.${tag(partition)}`;
}

/** Marker that a provider message id was already appended (same slot as its partition's stream). */
export function inboundDedupeKey(partition: number, entryId: string): string {
  return `wa.inbound.${tag(partition)}.seen:${entryId}`;
}

/** Lease naming the orchestrator replica that owns a partition. */
export function inboundLeaseKey(partition: number): string {
  return `wa.inbound.${tag(partition)}.owner`;
}
