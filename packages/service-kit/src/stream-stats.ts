// What a stream's consumer groups still need, read in one server-side script:
// length, and per group pending count, lag and the oldest entry it may still need.
// The same script trims below the oldest needed entry (`trimAcknowledged`), so no
// group can appear or move back between the reading and the trimming.
//
// A script, not XINFO from the client: ioredis neither prefixes nor routes XINFO
// (its key is not where ioredis looks for one), so on a Redis Cluster the command
// goes to a random node and is redirected (MOVED, then a reload of the slot map);
// KEYS of a script are prefixed and sent to the right node at once.
import type { RedisClient } from "./redis.js";

export interface StreamGroupStats {
  name: string;
  consumers: number;
  /** Entries delivered to the group and not acknowledged yet. */
  pending: number;
  /** Entries of the stream not delivered to the group yet. */
  lag: number;
  /**
   * False when Redis could not compute the lag (an entry was deleted inside the
   * undelivered range, or the server predates 7.0) and more entries were undelivered
   * than the script counts: `lag` is then the stream length, an upper bound.
   */
  lagExact: boolean;
  lastDeliveredId: string;
  /** The oldest entry delivered and not acknowledged; null when nothing is pending. */
  oldestPendingId: string | null;
}

export interface StreamStats {
  length: number;
  groups: StreamGroupStats[];
  /**
   * Every entry older than this id was acknowledged by every group, so trimming to
   * `MINID` this id loses nothing; null when the stream has no group (nothing is
   * known to be processed, nothing may be trimmed).
   */
  neededFrom: string | null;
}

// When Redis reports no lag, the script counts undelivered entries up to this many.
const LAG_COUNT_LIMIT = 1000;

// KEYS[1] stream. ARGV[1] lag count limit, ARGV[2] "trim" to also trim.
// Replies {0} for a missing stream, else {1, length, neededFrom|false, groups, trimmed}
// with groups = {{name, consumers, pending, lag, lagExact, lastDeliveredId, oldestPendingId|false}, ...}.
const SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local function parts(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return ms, seq
end
-- Compares as numbers of any size: longer digit string first, then lexically.
local function lower(a, b)
  local am, as = parts(a)
  local bm, bs = parts(b)
  if #am ~= #bm then return #am < #bm end
  if am ~= bm then return am < bm end
  if #as ~= #bs then return #as < #bs end
  return as < bs
end
-- Adds one to a decimal digit string of any length.
local function increment(digits)
  local out, carry = {}, 1
  for k = #digits, 1, -1 do
    local d = string.byte(digits, k) - 48 + carry
    carry = 0
    if d == 10 then d = 0; carry = 1 end
    out[k] = string.char(48 + d)
  end
  local result = table.concat(out)
  if carry == 1 then result = '1' .. result end
  return result
end
-- The smallest id after this one.
local function successor(id)
  local ms, seq = parts(id)
  if seq == '18446744073709551615' then return increment(ms) .. '-0' end
  return ms .. '-' .. increment(seq)
end
local length = redis.call('XLEN', KEYS[1])
local limit = tonumber(ARGV[1])
local groups = {}
local needed = false
for i, raw in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local info = {}
  for j = 1, #raw, 2 do info[raw[j]] = raw[j + 1] end
  local last = info['last-delivered-id']
  local oldest = false
  if info['pending'] > 0 then oldest = redis.call('XPENDING', KEYS[1], info['name'])[2] end
  local lag = info['lag']
  local exact = 1
  if type(lag) ~= 'number' then
    local ok, after = pcall(redis.call, 'XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', limit)
    if ok and #after < limit then lag = #after else lag = length; exact = 0 end
  end
  -- Its oldest pending entry, else everything after the last one delivered to it.
  local mine = oldest or successor(last)
  if needed == false or lower(mine, needed) then needed = mine end
  groups[i] = {info['name'], info['consumers'], info['pending'], lag, exact, last, oldest}
end
local trimmed = 0
if ARGV[2] == 'trim' and needed ~= false then
  trimmed = redis.call('XTRIM', KEYS[1], 'MINID', '~', needed)
end
return {1, length, needed, groups, trimmed}
`;

function fail(raw: unknown): never {
  throw new Error(`unexpected stream stats reply from Redis: ${JSON.stringify(raw)?.slice(0, 200)}`);
}

function parseGroup(raw: unknown): StreamGroupStats {
  if (!Array.isArray(raw)) fail(raw);
  const [name, consumers, pending, lag, exact, lastDeliveredId, oldestPendingId] = raw;
  if (
    typeof name !== "string" ||
    typeof consumers !== "number" ||
    typeof pending !== "number" ||
    typeof lag !== "number" ||
    typeof exact !== "number" ||
    typeof lastDeliveredId !== "string" ||
    !(typeof oldestPendingId === "string" || oldestPendingId === null)
  ) {
    fail(raw);
  }
  return { name, consumers, pending, lag, lagExact: exact === 1, lastDeliveredId, oldestPendingId };
}

async function run(redis: RedisClient, stream: string, trim: boolean): Promise<{ stats: StreamStats; trimmed: number } | null> {
  const raw: unknown = await redis.eval(SCRIPT, 1, stream, LAG_COUNT_LIMIT, trim ? "trim" : "read");
  if (!Array.isArray(raw)) fail(raw);
  if (raw[0] === 0) return null;
  const [, length, neededFrom, groups, trimmed] = raw;
  if (typeof length !== "number" || !(typeof neededFrom === "string" || neededFrom === null) || !Array.isArray(groups) || typeof trimmed !== "number") fail(raw);
  return { stats: { length, neededFrom, groups: groups.map(parseGroup) }, trimmed };
}

/**
 * Length and per-group pending, lag and oldest needed entry of a stream, from one
 * script (XLEN, XINFO GROUPS, XPENDING per group with something pending); null when
 * the stream does not exist. `stream` is unprefixed, like every other key.
 */
export async function streamGroupStats(redis: RedisClient, stream: string): Promise<StreamStats | null> {
  return (await run(redis, stream, false))?.stats ?? null;
}

/**
 * Trims the stream (XTRIM MINID ~) below the oldest entry any of its groups may
 * still need: the oldest pending entry of each group, else the last one it was
 * delivered; the minimum over groups. A stream without a group is never trimmed.
 * `~` trims whole internal nodes only, so some acknowledged entries may stay until
 * a later call. Returns how many entries were removed.
 */
export async function trimAcknowledged(redis: RedisClient, stream: string): Promise<number> {
  return (await run(redis, stream, true))?.trimmed ?? 0;
}
