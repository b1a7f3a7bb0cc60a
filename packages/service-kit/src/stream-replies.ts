// Parsers of the stream replies ioredis hands back as `unknown`: they check the
// shape Redis promises instead of casting it, and throw when it is something else.
import type { StreamEntry } from "./streams.js";

export interface ParsedEntries {
  entries: StreamEntry[];
  /** Ids still pending whose entry was deleted from the stream (XDEL, trimming): Redis returns them without fields. */
  deletedIds: string[];
}

export interface PendingDetail {
  id: string;
  consumer: string;
  idleMs: number;
  deliveries: number;
}

function fail(what: string, raw: unknown): never {
  throw new Error(`unexpected ${what} reply from Redis: ${JSON.stringify(raw)?.slice(0, 200)}`);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** `[[id, [field, value, ...] | null], ...]`, as XRANGE, XCLAIM and XAUTOCLAIM return entries. */
export function parseEntryList(raw: unknown): ParsedEntries {
  if (!Array.isArray(raw)) fail("entry list", raw);
  const parsed: ParsedEntries = { entries: [], deletedIds: [] };
  for (const item of raw) {
    if (!Array.isArray(item) || typeof item[0] !== "string") fail("entry", item);
    const [id, fields] = item;
    if (fields === null) parsed.deletedIds.push(id);
    else if (isStringArray(fields)) parsed.entries.push({ id, fields });
    else fail("entry fields", item);
  }
  return parsed;
}

/** XREADGROUP / XREAD: `[[stream, entries], ...]`, or null when the block timed out. */
export function parseReadReply(raw: unknown): ParsedEntries {
  const parsed: ParsedEntries = { entries: [], deletedIds: [] };
  if (raw === null) return parsed;
  if (!Array.isArray(raw)) fail("XREADGROUP", raw);
  for (const stream of raw) {
    if (!Array.isArray(stream) || stream.length !== 2) fail("XREADGROUP stream", stream);
    const { entries, deletedIds } = parseEntryList(stream[1]);
    parsed.entries.push(...entries);
    parsed.deletedIds.push(...deletedIds);
  }
  return parsed;
}

/** XAUTOCLAIM: `[cursor, entries]` (Redis 6.2) or `[cursor, entries, deletedIds]` (Redis 7). */
export function parseAutoClaimReply(raw: unknown): ParsedEntries & { cursor: string } {
  if (!Array.isArray(raw) || typeof raw[0] !== "string") fail("XAUTOCLAIM", raw);
  const { entries, deletedIds } = parseEntryList(raw[1]);
  const deleted: unknown = raw[2] ?? [];
  if (!isStringArray(deleted)) fail("XAUTOCLAIM deleted ids", raw);
  return { cursor: raw[0], entries, deletedIds: [...deletedIds, ...deleted] };
}

/** XPENDING in its extended form: `[[id, consumer, idle ms, deliveries], ...]`. */
export function parsePendingDetails(raw: unknown): PendingDetail[] {
  if (!Array.isArray(raw)) fail("XPENDING", raw);
  return raw.map((item: unknown) => {
    if (!Array.isArray(item)) fail("XPENDING entry", item);
    const [id, consumer, idleMs, deliveries] = item;
    if (typeof id !== "string" || typeof consumer !== "string" || typeof idleMs !== "number" || typeof deliveries !== "number") {
      fail("XPENDING entry", item);
    }
    return { id, consumer, idleMs, deliveries };
  });
}

/** Replies that are lists of ids (XCLAIM ... JUSTID). */
export function parseIdList(raw: unknown): string[] {
  if (!isStringArray(raw)) fail("id list", raw);
  return raw;
}
