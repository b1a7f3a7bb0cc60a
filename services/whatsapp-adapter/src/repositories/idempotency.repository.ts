// Idempotency records of SendMessage in Redis, one per bot + key, kept for
// IDEMPOTENCY_TTL_S (longer than any redelivery of the caller):
// - "pending": a send is in flight, with the end of its lease;
// - "done": the result, replayed to every later call;
// - "ambiguous": the provider may or may not have accepted the message; every
//   later call gets that answer and nothing is sent again.
// A pending record whose lease ended without a result means the sender died
// mid-send: that is ambiguous too, never free.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { ProviderKindSchema, type ProviderKindName } from "@fleet/contracts";
import type { RedisClient } from "@fleet/service-kit";

export interface StoredSend {
  providerMessageId: string;
  provider: ProviderKindName;
}

export interface AmbiguousSend {
  /** The provider that may have accepted the message; absent when the sender died before saying. */
  provider?: ProviderKindName;
  /** Why the outcome is unknown: the provider's error code, or LEASE_EXPIRED / RECORD_UNREADABLE. */
  providerCode: string;
}

export type Claim = { state: "claimed" } | { state: "done"; result: StoredSend } | { state: "ambiguous"; send: AmbiguousSend } | { state: "in_progress" };

const PendingSchema = z.object({ state: z.literal("pending"), leaseUntil: z.number(), owner: z.string().optional() });
const DoneSchema = z.object({ state: z.literal("done"), providerMessageId: z.string().min(1), provider: ProviderKindSchema });
const AmbiguousSchema = z.object({ state: z.literal("ambiguous"), provider: ProviderKindSchema.optional(), providerCode: z.string().min(1) });
const RecordSchema = z.discriminatedUnion("state", [PendingSchema, DoneSchema, AmbiguousSchema]);
// Written by adapters older than the state field: a bare "pending" lease (it expires with its key) and a bare result.
const LegacyDoneSchema = z.object({ providerMessageId: z.string().min(1), provider: ProviderKindSchema });
const LEGACY_PENDING = "pending";

type IdempotencyRecord = z.infer<typeof RecordSchema>;

// KEYS[1]: the record. ARGV: lease ms, ttl s, owner (one token per SendMessage call). Sets a
// pending record when there is none, leased until Redis's own clock + lease (one clock for every
// replica). Returns {1, now} when claimed — also when the pending record is this owner's own: the
// client resent a claim whose reply a Redis restart lost — else {0, now, existing value}.
const CLAIM = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pending = '{"state":"pending","leaseUntil":' .. string.format('%d', now + tonumber(ARGV[1])) .. ',"owner":"' .. ARGV[3] .. '"}'
if redis.call('SET', KEYS[1], pending, 'NX', 'EX', ARGV[2]) then return {1, now} end
local existing = redis.call('GET', KEYS[1])
if existing and string.find(existing, '"owner":"' .. ARGV[3] .. '"', 1, true) then return {1, now} end
return {0, now, existing}`;

const ClaimReplySchema = z.union([z.tuple([z.literal(1), z.number()]), z.tuple([z.literal(0), z.number(), z.string()])]);

// KEYS[1]: the record. ARGV: owner. Deletes the record only while it is that owner's pending claim.
const RELEASE_OWN = `local existing = redis.call('GET', KEYS[1])
if existing and string.find(existing, '"state":"pending"', 1, true) and string.find(existing, '"owner":"' .. ARGV[1] .. '"', 1, true) then
  return redis.call('DEL', KEYS[1])
end
return 0`;

interface IdempotencyCommands {
  fleetIdempotencyClaim(key: string, leaseMs: number, ttlS: number, owner: string): Promise<unknown>;
  fleetIdempotencyReleaseOwn(key: string, owner: string): Promise<unknown>;
}

function parseRecord(raw: string): IdempotencyRecord | null {
  if (raw === LEGACY_PENDING) return { state: "pending", leaseUntil: Number.POSITIVE_INFINITY };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const current = RecordSchema.safeParse(json);
  if (current.success) return current.data;
  const legacy = LegacyDoneSchema.safeParse(json);
  return legacy.success ? { state: "done", ...legacy.data } : null;
}

export function createIdempotencyRepository(redis: RedisClient, { ttlS, leaseMs }: { ttlS: number; leaseMs: number }) {
  redis.defineCommand("fleetIdempotencyClaim", { numberOfKeys: 1, lua: CLAIM });
  redis.defineCommand("fleetIdempotencyReleaseOwn", { numberOfKeys: 1, lua: RELEASE_OWN });
  const commands = redis as unknown as IdempotencyCommands;
  const keyOf = (key: string) => `idem:${key}`;
  const write = async (key: string, record: IdempotencyRecord) => {
    await redis.set(keyOf(key), JSON.stringify(record), "EX", ttlS);
  };

  return {
    /**
     * Claims the key for one send, or says what an earlier call with it left. `owner` names this
     * call (a fresh token per call): claiming again with the same owner answers "claimed".
     */
    async claim(key: string, owner: string = randomUUID()): Promise<Claim> {
      const reply = ClaimReplySchema.parse(await commands.fleetIdempotencyClaim(keyOf(key), leaseMs, ttlS, owner));
      if (reply[0] === 1) return { state: "claimed" };
      const [, now, raw] = reply;
      const record = parseRecord(raw);
      // A value nobody can read may hide a send: treat it like one whose outcome is unknown.
      if (record === null) return { state: "ambiguous", send: { providerCode: "RECORD_UNREADABLE" } };
      if (record.state === "done") return { state: "done", result: { providerMessageId: record.providerMessageId, provider: record.provider } };
      if (record.state === "ambiguous") return { state: "ambiguous", send: { provider: record.provider, providerCode: record.providerCode } };
      return record.leaseUntil > now ? { state: "in_progress" } : { state: "ambiguous", send: { providerCode: "LEASE_EXPIRED" } };
    },
    async complete(key: string, result: StoredSend): Promise<void> {
      await write(key, { state: "done", ...result });
    },
    /** Remembers, for the whole TTL, that the provider may have accepted the message. */
    async markAmbiguous(key: string, send: AmbiguousSend): Promise<void> {
      await write(key, { state: "ambiguous", ...send });
    },
    /**
     * Frees the key after a send that certainly did not happen, so a retry may send. When Redis does
     * not answer (a restart), it keeps trying in the background for as long as the claim's lease
     * runs: nobody else can claim the key meanwhile, and once Redis is back the retry finds it free
     * instead of a lease run out that reads as "maybe sent" (never sent again).
     */
    async release(key: string, owner?: string): Promise<void> {
      // With an owner, only that call's pending claim goes: a claim whose answer was lost may or may not exist.
      const remove = () => (owner === undefined ? redis.del(keyOf(key)) : commands.fleetIdempotencyReleaseOwn(keyOf(key), owner));
      try {
        await remove();
      } catch (error) {
        const until = Date.now() + leaseMs;
        const retry = (delay: number) => {
          const timer = setTimeout(() => {
            remove().catch(() => {
              if (Date.now() + delay < until) retry(Math.min(delay * 2, 2000));
            });
          }, delay);
          timer.unref();
        };
        retry(100);
        throw error;
      }
    },
  };
}

export type IdempotencyRepository = ReturnType<typeof createIdempotencyRepository>;
