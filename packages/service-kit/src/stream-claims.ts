// Pending-entry commands of a consumer group, for StreamConsumer and for consumers
// that schedule their own reads (e.g. one per partition lease). The rule they
// implement: a live consumer keeps refreshing what it holds (`refreshPending`), so
// only entries nobody refreshes — their consumer died, or their handler failed and
// let go of them — grow idle long enough for `claimIdleEntries` to take them over.
import type { RedisClient } from "./redis.js";
import { parseAutoClaimReply, parseIdList, parsePendingDetails } from "./stream-replies.js";
import type { StreamEntry } from "./streams.js";

/** One consumer of one group on one stream. */
export interface GroupConsumer {
  stream: string;
  group: string;
  consumer: string;
}

export interface ClaimedEntry extends StreamEntry {
  /** Deliveries so far, this claim included (1 = first delivery). */
  deliveries: number;
}

export interface ClaimIdleOptions {
  /** Only entries idle at least this long are taken: longer than a live consumer's refresh period. */
  minIdleMs: number;
  /** The most entries taken in this call. */
  count: number;
  /** Where the scan of the pending list starts: "0-0", or the cursor a previous call returned. */
  cursor?: string;
}

export interface ClaimIdleResult {
  /** Pass it to the next call; "0-0" once the whole pending list was scanned. */
  cursor: string;
  /** Entries now pending for this consumer, with their delivery count. */
  entries: ClaimedEntry[];
  /** Pending ids whose entry no longer exists in the stream; acknowledging them is harmless and clears them on Redis 6.2. */
  deletedIds: string[];
}

// XCLAIM's arguments stay well below any request-size limit at this many ids.
const REFRESH_CHUNK = 1000;

/**
 * Resets the idle time of entries this consumer holds without counting a delivery
 * (`XCLAIM <consumer> 0 <ids> JUSTID`): call it more often than other consumers'
 * `minIdleMs`, so entries still in hand are never taken over. Returns the ids that
 * are still pending (an id missing from the answer was acknowledged or deleted).
 * Refreshing an entry another consumer already took over takes it back, so the
 * period must stay well below `minIdleMs` (a third of it, say).
 */
export async function refreshPending(redis: RedisClient, { stream, group, consumer }: GroupConsumer, ids: readonly string[]): Promise<string[]> {
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += REFRESH_CHUNK) chunks.push(ids.slice(i, i + REFRESH_CHUNK));
  const replies = await Promise.all(chunks.map((chunk) => redis.xclaim(stream, group, consumer, 0, ...chunk, "JUSTID")));
  return replies.flatMap(parseIdList);
}

/**
 * Takes over entries of the group idle for at least `minIdleMs` (XAUTOCLAIM, which
 * counts a delivery), and reports each one's delivery count so the caller can
 * dead-letter those delivered too often instead of handling them again.
 */
export async function claimIdleEntries(redis: RedisClient, { stream, group, consumer }: GroupConsumer, options: ClaimIdleOptions): Promise<ClaimIdleResult> {
  const reply = parseAutoClaimReply(await redis.xautoclaim(stream, group, consumer, options.minIdleMs, options.cursor ?? "0-0", "COUNT", options.count));
  // XAUTOCLAIM does not say how often an entry was delivered; XPENDING of each id does (one round trip, pipelined).
  const details = await Promise.all(reply.entries.map(({ id }) => redis.xpending(stream, group, id, id, 1, consumer)));
  const entries: ClaimedEntry[] = [];
  reply.entries.forEach((entry, index) => {
    const [detail] = parsePendingDetails(details[index]);
    // Not pending any more: acknowledged since the claim (its previous consumer was slow, not dead).
    if (detail) entries.push({ ...entry, deliveries: detail.deliveries });
  });
  return { cursor: reply.cursor, entries, deletedIds: reply.deletedIds };
}
