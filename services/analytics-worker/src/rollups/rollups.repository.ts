// Writes the live rollups in Redis. Folding is idempotent per event: its seen-mark (SET NX, so a
// redelivered or re-appended event counts once), the counters of its hour and day buckets, the
// hour's set of active bots, each bucket's expiry, and its part in conversion (a contact's latest
// conversation, a conversation's converted-mark, SET NX too). Correcting: one script per tenant and
// day, which makes the hour buckets, bot sets and day bucket hold what the reconciliation recomputed
// from MongoDB. Every key of a script carries the tenant as hash tag (see rollupKeys), so it runs on a
// Redis Cluster too.
//
// Events without a part in conversion (nearly all of them: messages in and out) are folded together:
// those apply() is given within one turn of the event loop (the consumer hands over a whole read at
// once) go to Redis as one script per tenant, which marks each event seen, adds up what the new
// ones add to each bucket and writes each counter, expiry and bot set once. Conversion events keep a
// script each: an order reads its contact's latest conversation first.
import { CONVERSION_WINDOW_MS, ROLLUP_FIELDS, ROLLUP_TTL_SECONDS, rollupKeys } from "@fleet/contracts";
import type { RedisClient } from "@fleet/service-kit";
import { z } from "zod";
import { dayExpiresAt, hourExpiresAt, type EventFold } from "./fold-event.js";

/** folded: counted now. duplicate: counted before. expired: older than every bucket it would go to; nothing written. */
export type ApplyOutcome = { outcome: "folded"; failedIncrements: number } | { outcome: "duplicate" } | { outcome: "expired" };

/** What one hour of a tenant must hold, as recomputed from MongoDB. */
export interface HourTarget {
  /** YYYYMMDDHH */
  hour: string;
  /** Bucket fields (see ROLLUP_FIELDS, salesField, responseBucketField) and their values. */
  fields: Record<string, number>;
  /** The bots active in the hour. */
  bots: string[];
}

export interface DayCorrection {
  tenantId: string;
  /** YYYYMMDD */
  day: string;
  /** The recomputed hours of the day (only hours with events). */
  hours: HourTarget[];
  /**
   * The whole day was recomputed: the day bucket becomes the sum of `hours`. Otherwise it only
   * takes what the hours' corrections changed (the hours outside the recomputed range stay as counted).
   */
  wholeDay: boolean;
}

/** Buckets changed by a correction: hour buckets, hour bot sets, day buckets. */
export interface CorrectionCounts {
  hours: number;
  bots: number;
  days: number;
}

export interface RollupsRepository {
  apply(fold: EventFold): Promise<ApplyOutcome>;
  correct(correction: DayCorrection): Promise<CorrectionCounts>;
}

const CONVERTED = ROLLUP_FIELDS.conversationsConverted;
const FLOAT_FIELD = ROLLUP_FIELDS.responseMsSum;

// KEYS: seen-mark, hour bucket, day bucket, hour's bot set, then for conversion: the contact's latest
// conversation ('started' and 'order'), the conversation's converted-mark and its hour and day buckets ('order').
// ARGV: 1 seen TTL (s), 2 hour expire-at (s), 3 day expire-at (s), 4 bot id ('' for none),
// 5 conversion mode ('' | 'started' | 'order'), 6-10 the mode's arguments, then from 11 triples
// (op 'i' | 'f', field, increment).
//   started: 6 start (ms), 7 event id, 8 latest-conversation expire-at (ms), 9 hour bucket, 10 day bucket.
//   order: 6 the conversation id read before, 7 its hour expire-at (s), 8 its day expire-at (s), 9 mark TTL (s).
// A bucket whose expiry is already past (by Redis's clock, one clock for every replica) is left
// alone: EXPIREAT in the past would delete it, and the write would be lost anyway.
// Increments run under pcall: one that Redis refuses (a field overflowing) must not leave the event
// marked seen with half of its counters written and the rest never retried. Replies {1, failed}
// when folded, {0} for a duplicate, {2} when every bucket has expired, {3} when the contact's latest
// conversation changed since it was read (nothing written: read it again).
// A conversation.started replaces the contact's latest conversation only when it is later (start,
// then event id): a late one must not take over the orders of the conversation after it.
const APPLY = `
local now = tonumber(redis.call('TIME')[1])
local hourLive = tonumber(ARGV[2]) > now
local dayLive = tonumber(ARGV[3]) > now
if not hourLive and not dayLive then return {2} end
local mode = ARGV[5]
if mode == 'order' and redis.call('HGET', KEYS[5], 'id') ~= ARGV[6] then return {3} end
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return {0} end
local failed = 0
local function fold(key, expireAt)
  for i = 11, #ARGV, 3 do
    local command = 'HINCRBY'
    if ARGV[i] == 'f' then command = 'HINCRBYFLOAT' end
    local reply = redis.pcall(command, key, ARGV[i + 1], ARGV[i + 2])
    if type(reply) == 'table' and reply.err then failed = failed + 1 end
  end
  redis.call('EXPIREAT', key, expireAt)
end
if hourLive then
  fold(KEYS[2], ARGV[2])
  if ARGV[4] ~= '' then
    redis.call('SADD', KEYS[4], ARGV[4])
    redis.call('EXPIREAT', KEYS[4], ARGV[2])
  end
end
if dayLive then fold(KEYS[3], ARGV[3]) end
if mode == 'started' and tonumber(ARGV[8]) > now * 1000 then
  local current = redis.call('HMGET', KEYS[5], 's', 'id')
  local start = tonumber(ARGV[6])
  local currentStart = tonumber(current[1])
  if not currentStart or start > currentStart or (start == currentStart and ARGV[7] > current[2]) then
    redis.call('DEL', KEYS[5])
    redis.call('HSET', KEYS[5], 's', ARGV[6], 'id', ARGV[7], 'h', ARGV[9], 'd', ARGV[10], 'he', ARGV[2], 'de', ARGV[3])
    redis.call('PEXPIREAT', KEYS[5], ARGV[8])
  end
elseif mode == 'order' and redis.call('SET', KEYS[6], '1', 'NX', 'EX', ARGV[9]) then
  if tonumber(ARGV[7]) > now then
    redis.call('HINCRBY', KEYS[7], '${CONVERTED}', 1)
    redis.call('EXPIREAT', KEYS[7], ARGV[7])
  end
  if tonumber(ARGV[8]) > now then
    redis.call('HINCRBY', KEYS[8], '${CONVERTED}', 1)
    redis.call('EXPIREAT', KEYS[8], ARGV[8])
  end
end
return {1, failed}
`;

// Events of one tenant without a part in conversion. KEYS: per event its seen-mark, hour bucket, day
// bucket and hour's bot set. ARGV: 1 seen TTL (s), 2 event count, then per event: hour expire-at (s),
// day expire-at (s), bot id ('' for none), increment count n, then n triples (op 'i' | 'f', field,
// increment). Each event is judged as APPLY judges it (both buckets expired: {2}; seen before, also
// earlier in this batch: {0}); the increments of the new ones are summed per bucket and field and
// written once, each under pcall; a refused counter counts as failed for every event in its sum.
// An integer sum past 2^53 (beyond exact doubles) is written increment by increment instead.
// Replies per event two numbers: outcome (1 folded, 0 duplicate, 2 expired) and failed increments.
const APPLY_MANY = `
local now = tonumber(redis.call('TIME')[1])
local seenTtl = ARGV[1]
local count = tonumber(ARGV[2])
local outcome, failed = {}, {}
local keys, sums, expiry, bots = {}, {}, {}, {}
local function add(key, expireAt, e, first, n)
  local fields = sums[key]
  if not fields then
    fields = {order = {}, by = {}}
    sums[key] = fields
    keys[#keys + 1] = key
  end
  expiry[key] = math.max(expiry[key] or 0, expireAt)
  for i = first, first + 3 * (n - 1), 3 do
    local field = ARGV[i + 1]
    local sum = fields.by[field]
    if not sum then
      sum = {float = ARGV[i] == 'f', total = 0, parts = {}, events = {}}
      fields.by[field] = sum
      fields.order[#fields.order + 1] = field
    end
    sum.total = sum.total + tonumber(ARGV[i + 2])
    sum.parts[#sum.parts + 1] = ARGV[i + 2]
    sum.events[#sum.events + 1] = e
  end
end
local at = 3
for e = 1, count do
  local k = (e - 1) * 4
  local hourExpireAt, dayExpireAt, bot, n = tonumber(ARGV[at]), tonumber(ARGV[at + 1]), ARGV[at + 2], tonumber(ARGV[at + 3])
  local first = at + 4
  at = first + 3 * n
  failed[e] = 0
  local hourLive, dayLive = hourExpireAt > now, dayExpireAt > now
  if not hourLive and not dayLive then
    outcome[e] = 2
  elseif not redis.call('SET', KEYS[k + 1], '1', 'NX', 'EX', seenTtl) then
    outcome[e] = 0
  else
    outcome[e] = 1
    if hourLive then
      add(KEYS[k + 2], hourExpireAt, e, first, n)
      if bot ~= '' then
        local set = bots[KEYS[k + 4]]
        if not set then
          set = {members = {}, expireAt = 0}
          bots[KEYS[k + 4]] = set
        end
        set.members[bot] = true
        set.expireAt = math.max(set.expireAt, hourExpireAt)
      end
    end
    if dayLive then add(KEYS[k + 3], dayExpireAt, e, first, n) end
  end
end
local function refused(reply) return type(reply) == 'table' and reply.err end
for _, key in ipairs(keys) do
  local fields = sums[key]
  for _, field in ipairs(fields.order) do
    local sum = fields.by[field]
    if sum.float then
      if refused(redis.pcall('HINCRBYFLOAT', key, field, string.format('%.17g', sum.total))) then
        for _, e in ipairs(sum.events) do failed[e] = failed[e] + 1 end
      end
    elseif math.abs(sum.total) <= 9007199254740991 then
      if refused(redis.pcall('HINCRBY', key, field, string.format('%d', sum.total))) then
        for _, e in ipairs(sum.events) do failed[e] = failed[e] + 1 end
      end
    else
      for i, part in ipairs(sum.parts) do
        if refused(redis.pcall('HINCRBY', key, field, part)) then failed[sum.events[i]] = failed[sum.events[i]] + 1 end
      end
    end
  end
  redis.call('EXPIREAT', key, expiry[key])
end
for key, set in pairs(bots) do
  for member in pairs(set.members) do redis.call('SADD', key, member) end
  redis.call('EXPIREAT', key, set.expireAt)
end
local reply = {}
for e = 1, count do
  reply[2 * e - 1] = outcome[e]
  reply[2 * e] = failed[e]
end
return reply
`;

// KEYS: the day bucket, then per hour its bucket and its bot set.
// ARGV: 1 day expire-at (s), 2 whole day ('1' | '0'), 3 number of hours, then per hour: expire-at (s),
// field count n, n fields, n values, bot count m, m bots; then, for a whole day, the day's field count
// and its fields and values. Makes each hash hold exactly its target (fields absent from the target are
// removed); a whole day's bucket takes its target, another day takes the changes made to its hours.
// The response-time sum is a float: a difference below its rounding is no difference. Replies
// {hours changed, bot sets changed, day changed (0 | 1)}.
const CORRECT = `
local now = tonumber(redis.call('TIME')[1])
local FLOAT = '${FLOAT_FIELD}'
local function differs(field, have, want)
  if field == FLOAT then return math.abs(have - want) > 1e-6 * math.max(1, math.abs(want)) end
  return have ~= want
end
local function text(field, value)
  if field == FLOAT then return string.format('%.17g', value) end
  return string.format('%d', value)
end
local function correct(key, target, deltas)
  local flat = redis.call('HGETALL', key)
  local current = {}
  for i = 1, #flat, 2 do current[flat[i]] = tonumber(flat[i + 1]) or 0 end
  local changed = false
  for field, have in pairs(current) do
    if target[field] == nil then
      redis.call('HDEL', key, field)
      changed = true
      if deltas then deltas[field] = (deltas[field] or 0) - have end
    end
  end
  for field, want in pairs(target) do
    local have = current[field]
    if have == nil or differs(field, have, want) then
      redis.call('HSET', key, field, text(field, want))
      changed = true
      if deltas then deltas[field] = (deltas[field] or 0) + want - (have or 0) end
    end
  end
  return changed
end
local function readFields(at)
  local n = tonumber(ARGV[at])
  local fields = {}
  for i = 1, n do fields[ARGV[at + i]] = tonumber(ARGV[at + n + i]) end
  return fields, at + 2 * n + 1
end
local dayExpireAt = tonumber(ARGV[1])
local deltas = {}
local hours, bots = 0, 0
local at = 4
for h = 1, tonumber(ARGV[3]) do
  local expireAt = tonumber(ARGV[at])
  local target
  target, at = readFields(at + 1)
  local count = tonumber(ARGV[at])
  local wanted = {}
  for i = 1, count do wanted[ARGV[at + i]] = true end
  at = at + count + 1
  local hourKey, botsKey = KEYS[2 * h], KEYS[2 * h + 1]
  if expireAt > now then
    if correct(hourKey, target, deltas) then
      hours = hours + 1
      redis.call('EXPIREAT', hourKey, expireAt)
    end
    local members = redis.call('SMEMBERS', botsKey)
    local same = #members == count
    for _, member in ipairs(members) do if not wanted[member] then same = false end end
    if not same then
      redis.call('DEL', botsKey)
      for bot in pairs(wanted) do redis.call('SADD', botsKey, bot) end
      if count > 0 then redis.call('EXPIREAT', botsKey, expireAt) end
      bots = bots + 1
    end
  end
end
local day = 0
if dayExpireAt > now then
  if ARGV[2] == '1' then
    local target = readFields(at)
    if correct(KEYS[1], target, nil) then day = 1 end
  else
    for field, delta in pairs(deltas) do
      if field == FLOAT then
        if math.abs(delta) > 1e-6 then
          redis.call('HINCRBYFLOAT', KEYS[1], field, string.format('%.17g', delta))
          day = 1
        end
      elseif delta ~= 0 then
        redis.call('HINCRBY', KEYS[1], field, string.format('%d', delta))
        day = 1
      end
    end
  end
  if day == 1 then redis.call('EXPIREAT', KEYS[1], dayExpireAt) end
end
return {hours, bots, day}
`;

const ApplyReplySchema = z.union([z.tuple([z.literal(1), z.number().int()]), z.tuple([z.literal(0)]), z.tuple([z.literal(2)]), z.tuple([z.literal(3)])]);
const CorrectReplySchema = z.tuple([z.number().int(), z.number().int(), z.number().int()]);

/** A contact's latest conversation as the fold script stores it. */
const LatestConversationSchema = z.object({
  s: z.coerce.number().int(),
  id: z.string().min(1),
  h: z.string(),
  d: z.string(),
  he: z.coerce.number().int(),
  de: z.coerce.number().int(),
});

type Args = (string | number)[];

interface RollupCommands {
  fleetRollupApply(seen: string, hour: string, day: string, hourBots: string, ...args: Args): Promise<unknown>;
  fleetRollupApplyStarted(seen: string, hour: string, day: string, hourBots: string, latest: string, ...args: Args): Promise<unknown>;
  fleetRollupApplyOrder(seen: string, hour: string, day: string, hourBots: string, latest: string, mark: string, convHour: string, convDay: string, ...args: Args): Promise<unknown>;
  fleetRollupApplyMany(...keysAndArgs: Args): Promise<unknown>;
  fleetRollupCorrect(...keysAndArgs: Args): Promise<unknown>;
}

// A conversation.started folded between the read of the latest conversation and the script makes
// the script answer {3}; a few rereads settle it unless the contact starts conversations nonstop.
const MAX_CONVERSION_ATTEMPTS = 5;

/** Events per APPLY_MANY script: bounds how long one script holds Redis. */
const MAX_BATCH = 100;

const ApplyManyReplySchema = z.array(z.number().int());

interface Queued {
  fold: EventFold;
  resolve: (outcome: ApplyOutcome) => void;
  reject: (error: unknown) => void;
}

/** The start (ms) of a YYYYMMDDHH bucket. */
export function hourStartMs(hour: string): number {
  return Date.UTC(Number(hour.slice(0, 4)), Number(hour.slice(4, 6)) - 1, Number(hour.slice(6, 8)), Number(hour.slice(8, 10)));
}

export function createRollupsRepository(redis: RedisClient): RollupsRepository {
  redis.defineCommand("fleetRollupApply", { numberOfKeys: 4, lua: APPLY });
  redis.defineCommand("fleetRollupApplyStarted", { numberOfKeys: 5, lua: APPLY });
  redis.defineCommand("fleetRollupApplyOrder", { numberOfKeys: 8, lua: APPLY });
  // Its key count varies with the hours of the day: given as the first argument.
  redis.defineCommand("fleetRollupCorrect", { lua: CORRECT });
  redis.defineCommand("fleetRollupApplyMany", { lua: APPLY_MANY });
  const commands = redis as unknown as RollupCommands;

  /** Events of one tenant, one script: see APPLY_MANY. */
  async function applyMany(batch: Queued[]): Promise<void> {
    const keys: string[] = [];
    const args: Args = [ROLLUP_TTL_SECONDS.seen, batch.length];
    for (const { fold } of batch) {
      keys.push(rollupKeys.seen(fold.tenantId, fold.eventId), rollupKeys.hour(fold.tenantId, fold.hour), rollupKeys.day(fold.tenantId, fold.day), rollupKeys.hourBots(fold.tenantId, fold.hour));
      args.push(Math.ceil(fold.hourExpiresAt / 1000), Math.ceil(fold.dayExpiresAt / 1000), fold.botId ?? "", fold.increments.length);
      for (const { field, by, float } of fold.increments) args.push(float ? "f" : "i", field, by);
    }
    const reply = ApplyManyReplySchema.parse(await commands.fleetRollupApplyMany(keys.length, ...keys, ...args));
    if (reply.length !== 2 * batch.length) throw new Error(`the rollups script answered ${reply.length} numbers for ${batch.length} events`);
    batch.forEach(({ resolve }, index) => {
      const [code, failedIncrements] = [reply[2 * index], reply[2 * index + 1] ?? 0];
      resolve(code === 1 ? { outcome: "folded", failedIncrements } : code === 0 ? { outcome: "duplicate" } : { outcome: "expired" });
    });
  }

  /** An event with a part in conversion: its own script, read again while the contact's latest conversation moves. */
  async function applyConversion(fold: EventFold): Promise<ApplyOutcome> {
    for (let attempt = 1; ; attempt++) {
      const reply = await applyOnce(fold);
      if (reply[0] === 1) return { outcome: "folded", failedIncrements: reply[1] };
      if (reply[0] === 0) return { outcome: "duplicate" };
      if (reply[0] === 2) return { outcome: "expired" };
      // A failure leaves the entry pending: it is folded again later, nothing was written.
      if (attempt >= MAX_CONVERSION_ATTEMPTS) throw new Error(`the latest conversation of the order's contact kept changing (event ${fold.eventId})`);
    }
  }

  // Folds queued in this turn of the event loop, sent together at its end.
  let queued: Queued[] = [];
  function flush(): void {
    const byTenant = new Map<string, Queued[]>();
    for (const item of queued) {
      const group = byTenant.get(item.fold.tenantId);
      if (group) group.push(item);
      else byTenant.set(item.fold.tenantId, [item]);
    }
    queued = [];
    for (const group of byTenant.values()) {
      for (let start = 0; start < group.length; start += MAX_BATCH) {
        const batch = group.slice(start, start + MAX_BATCH);
        applyMany(batch).catch((error: unknown) => {
          for (const { reject } of batch) reject(error);
        });
      }
    }
  }

  /** The conversation an order may convert: the contact's latest one, when the order is at most the window after its start. */
  async function creditable(tenantId: string, contact: string, atMs: number): Promise<z.infer<typeof LatestConversationSchema> | null> {
    const stored = LatestConversationSchema.safeParse(await redis.hgetall(rollupKeys.latestConversation(tenantId, contact)));
    if (!stored.success) return null;
    const { s } = stored.data;
    return s <= atMs && atMs - s <= CONVERSION_WINDOW_MS ? stored.data : null;
  }

  async function applyOnce(fold: EventFold): Promise<z.infer<typeof ApplyReplySchema>> {
    const base: Args = [ROLLUP_TTL_SECONDS.seen, Math.ceil(fold.hourExpiresAt / 1000), Math.ceil(fold.dayExpiresAt / 1000), fold.botId ?? ""];
    const increments: Args = [];
    for (const { field, by, float } of fold.increments) increments.push(float ? "f" : "i", field, by);
    const keys = [
      rollupKeys.seen(fold.tenantId, fold.eventId),
      rollupKeys.hour(fold.tenantId, fold.hour),
      rollupKeys.day(fold.tenantId, fold.day),
      rollupKeys.hourBots(fold.tenantId, fold.hour),
    ] as const;
    const { conversion } = fold;
    let reply: unknown;
    if (conversion?.kind === "started") {
      const latestExpiresAt = conversion.startMs + ROLLUP_TTL_SECONDS.conversation * 1000;
      reply = await commands.fleetRollupApplyStarted(
        ...keys,
        rollupKeys.latestConversation(fold.tenantId, conversion.contact),
        ...base,
        "started",
        conversion.startMs,
        fold.eventId,
        latestExpiresAt,
        fold.hour,
        fold.day,
        ...increments,
      );
    } else {
      const latest = conversion?.kind === "order" ? await creditable(fold.tenantId, conversion.contact, conversion.atMs) : null;
      reply =
        conversion && latest
          ? await commands.fleetRollupApplyOrder(
              ...keys,
              rollupKeys.latestConversation(fold.tenantId, conversion.contact),
              rollupKeys.converted(fold.tenantId, latest.id),
              rollupKeys.hour(fold.tenantId, latest.h),
              rollupKeys.day(fold.tenantId, latest.d),
              ...base,
              "order",
              latest.id,
              latest.he,
              latest.de,
              ROLLUP_TTL_SECONDS.seen,
              "",
              ...increments,
            )
          : await commands.fleetRollupApply(...keys, ...base, "", "", "", "", "", "", ...increments);
    }
    return ApplyReplySchema.parse(reply);
  }

  return {
    apply(fold) {
      if (fold.conversion === null) {
        return new Promise<ApplyOutcome>((resolve, reject) => {
          if (queued.length === 0) setImmediate(flush);
          queued.push({ fold, resolve, reject });
        });
      }
      return applyConversion(fold);
    },

    async correct({ tenantId, day, hours, wholeDay }) {
      const keys: string[] = [rollupKeys.day(tenantId, day)];
      const args: Args = [Math.ceil(dayExpiresAt(hourStartMs(`${day}00`)) / 1000), wholeDay ? "1" : "0", hours.length];
      const dayTarget: Record<string, number> = {};
      for (const { hour, fields, bots } of hours) {
        if (hour.slice(0, 8) !== day) throw new RangeError(`hour ${hour} is not in day ${day}`);
        keys.push(rollupKeys.hour(tenantId, hour), rollupKeys.hourBots(tenantId, hour));
        const names = Object.keys(fields);
        args.push(Math.ceil(hourExpiresAt(hourStartMs(hour)) / 1000), names.length, ...names, ...names.map((name) => String(fields[name])), bots.length, ...bots);
        for (const name of names) dayTarget[name] = (dayTarget[name] ?? 0) + (fields[name] ?? 0);
      }
      if (wholeDay) {
        const names = Object.keys(dayTarget);
        args.push(names.length, ...names, ...names.map((name) => String(dayTarget[name])));
      }
      const [changedHours, changedBots, changedDay] = CorrectReplySchema.parse(await commands.fleetRollupCorrect(keys.length, ...keys, ...args));
      return { hours: changedHours, bots: changedBots, days: changedDay };
    },
  };
}
