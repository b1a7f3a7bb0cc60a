// Conversation state and decided-once transitions in Redis. A conversation's keys carry its inbound
// partition's hash tag, so on a Redis Cluster they share a slot with the partition stream and its
// timers, and one script can touch them all:
//   wa.conv.{inbound.P}:<bot>:<contact>        hash: version, tenant, state (JSON), TTL 24 h by default after
//                                              the last turn, or after its pending timer's due time
//   wa.conv.{inbound.P}.tx:<entry id>          the transition decided for an inbound entry (effects), TTL 48 h
//   wa.conv.{inbound.P}.seen:<bot>:<contact>   id of the contact's first conversation (contact.is_new), TTL 400 days
// `commit` stores the new state (compare-and-set on its version), the entry's transition and the
// timers it schedules or cancels (wa.timers.{inbound.P}, see timers.repository.ts) in one script,
// before any reply is sent; if the entry already has a transition, it answers that one instead, so a
// redelivered entry replays the same effects with the same idempotency keys.
import { inboundPartition, partitionTag } from "@fleet/contracts";
import type { RedisClient } from "@fleet/service-kit";
import { z } from "zod";
import { ConversationStateSchema, type ConversationState } from "../flows/engine/conversation-state.js";
import { EffectSchema, type Effect } from "../flows/engine/effects.js";
import type { ConversationView } from "../flows/engine/simulation.types.js";
import { timerEntry, timerKeys } from "./timers.repository.js";

const LOAD = `
local hash = redis.call('HMGET', KEYS[1], 'version', 'tenant', 'state')
return {hash[1], hash[2], hash[3], redis.call('GET', KEYS[2]), redis.call('GET', KEYS[3])}`;

// ARGV[9..]: timer operations, 'c' id | 's' id dueAt entry.
const COMMIT = `
local tx = redis.call('GET', KEYS[2])
if tx then return {'replay', tx} end
local version = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if version ~= tonumber(ARGV[1]) then return {'conflict', tostring(version)} end
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'version', version + 1, 'tenant', ARGV[5], 'state', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[6])
if ARGV[7] ~= '' then redis.call('SET', KEYS[3], ARGV[7], 'NX', 'PX', ARGV[8]) end
local i = 9
while i <= #ARGV do
  if ARGV[i] == 'c' then
    redis.call('ZREM', KEYS[4], ARGV[i + 1])
    redis.call('HDEL', KEYS[5], ARGV[i + 1])
    i = i + 2
  else
    redis.call('ZADD', KEYS[4], ARGV[i + 2], ARGV[i + 1])
    redis.call('HSET', KEYS[5], ARGV[i + 1], ARGV[i + 3])
    i = i + 4
  end
end
return {'ok', tostring(version + 1)}`;

const RESET = `
local existed = redis.call('HGET', KEYS[1], 'tenant')
if existed ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

type Load = (stateKey: string, seenKey: string, txKey: string) => Promise<[string | null, string | null, string | null, string | null, string | null]>;
type Commit = (...args: (string | number)[]) => Promise<[string, string]>;
type Reset = (stateKey: string, tenant: string) => Promise<number>;

/** A transition as stored: the effects decided for one entry. */
const TransitionSchema = z.object({ effects: z.array(EffectSchema) });

export interface LoadedConversation {
  /** null: no stored state (new contact, expired, or reset). */
  state: ConversationState | null;
  /** CAS version of the stored state (0 when none). */
  version: number;
  /** The id of the contact's first conversation with this bot, if any. */
  firstConversation: string | null;
  /** The effects already decided for this entry (a redelivery), if any. */
  decided: Effect[] | null;
}

export type CommitResult = { kind: "committed"; version: number } | { kind: "replay"; effects: Effect[] } | { kind: "conflict"; version: number };

export interface ConversationsOptions {
  partitions: number;
  /** How long a conversation's state lives after its last turn. */
  stateTtlMs: number;
  /** How long a decided transition is kept for redeliveries (longer than any redelivery). */
  transitionTtlMs?: number;
  /** How long the bot remembers that it saw a contact (contact.is_new). */
  seenTtlMs?: number;
  now?: () => number;
}

export function createConversationsRepository(redis: RedisClient, options: ConversationsOptions) {
  redis.defineCommand("fleetConversationLoad", { numberOfKeys: 3, lua: LOAD });
  redis.defineCommand("fleetConversationCommit", { numberOfKeys: 5, lua: COMMIT });
  redis.defineCommand("fleetConversationReset", { numberOfKeys: 1, lua: RESET });
  const commands = redis as unknown as { fleetConversationLoad: Load; fleetConversationCommit: Commit; fleetConversationReset: Reset };
  const transitionTtlMs = options.transitionTtlMs ?? 48 * 3600_000;
  const seenTtlMs = options.seenTtlMs ?? 400 * 24 * 3600_000;
  const now = options.now ?? Date.now;

  /** A conversation waiting for a timer (a 7-day wait, a long hand-off) is kept until it fires, and STATE_TTL after. */
  const stateTtlFor = (state: ConversationState | null): number => {
    const until = Math.max(state?.timer?.dueAt ?? 0, state?.pausedUntil ?? 0);
    return Math.max(options.stateTtlMs, until - now() + options.stateTtlMs);
  };

  const keys = (botId: string, contact: string) => {
    const partition = inboundPartition(botId, contact, options.partitions);
    const tag = partitionTag(partition);
    return {
      timers: timerKeys(partition),
      state: `wa.conv.${tag}:${botId}:${contact}`,
      seen: `wa.conv.${tag}.seen:${botId}:${contact}`,
      tx: (entryId: string) => `wa.conv.${tag}.tx:${entryId}`,
    };
  };

  function parseState(raw: string | null | undefined): ConversationState | null {
    if (!raw) return null;
    try {
      const parsed = ConversationStateSchema.safeParse(JSON.parse(raw));
      // A state this build cannot read is treated as none: the contact starts over instead of being stuck.
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  return {
    /** The conversation, its version, and the transition already decided for `entryId` — in one round trip. */
    async load(tenantId: string, botId: string, contact: string, entryId: string): Promise<LoadedConversation> {
      const k = keys(botId, contact);
      const [version, tenant, raw, seen, tx] = await commands.fleetConversationLoad(k.state, k.seen, k.tx(entryId));
      const sameTenant = tenant === tenantId;
      return {
        state: sameTenant ? parseState(raw) : null,
        version: Number(version ?? 0),
        firstConversation: seen,
        decided: tx ? parseTransition(tx) : null,
      };
    },

    /**
     * Stores the new state (if `state` is not null) and the entry's effects, and schedules and cancels
     * the timers among them, only if the stored version is still `expectedVersion` and the entry has no
     * transition yet.
     */
    async commit(input: { tenantId: string; botId: string; contact: string; entryId: string; expectedVersion: number; state: ConversationState | null; effects: Effect[]; firstConversation: string | null }): Promise<CommitResult> {
      const k = keys(input.botId, input.contact);
      const timerOps: (string | number)[] = [];
      for (const effect of input.effects) {
        if (effect.type === "cancel_timer") timerOps.push("c", effect.timerId);
        if (effect.type === "schedule_timer") {
          const entry = timerEntry({ tenantId: input.tenantId, botId: input.botId, contact: input.contact, timerId: effect.timer.id, dueAt: effect.timer.dueAt });
          timerOps.push("s", effect.timer.id, effect.timer.dueAt, JSON.stringify(entry));
        }
      }
      const [kind, value] = await commands.fleetConversationCommit(
        k.state,
        k.tx(input.entryId),
        k.seen,
        k.timers.set,
        k.timers.data,
        input.expectedVersion,
        input.state ? JSON.stringify(input.state) : "",
        JSON.stringify({ effects: input.effects }),
        stateTtlFor(input.state),
        input.tenantId,
        transitionTtlMs,
        input.firstConversation ?? "",
        seenTtlMs,
        ...timerOps,
      );
      if (kind === "replay") return { kind: "replay", effects: parseTransition(value) ?? [] };
      if (kind === "conflict") return { kind: "conflict", version: Number(value) };
      return { kind: "committed", version: Number(value) };
    },

    /** One contact's conversation for staff, or null (none, expired, or another tenant's). */
    async view(tenantId: string, botId: string, contact: string): Promise<ConversationView | null> {
      const [version, tenant, raw] = await redis.hmget(keys(botId, contact).state, "version", "tenant", "state");
      if (tenant !== tenantId) return null;
      const state = parseState(raw);
      if (!state) return null;
      return {
        tenantId,
        botId,
        contact,
        flowId: state.flow.id,
        flowVersion: state.flow.version,
        step: state.step,
        variables: state.vars,
        pausedUntil: state.pausedUntil === null ? null : new Date(state.pausedUntil).toISOString(),
        timers: state.timer ? [{ id: state.timer.id, purpose: state.timer.purpose, dueAt: new Date(state.timer.dueAt).toISOString() }] : [],
        startedAt: new Date(state.startedAt).toISOString(),
        updatedAt: new Date(state.updatedAt).toISOString(),
        version: Number(version ?? 0),
      };
    },

    /** Forgets the contact's conversation (its pending timer then finds nothing to resume). False when there was none for this tenant. */
    async reset(tenantId: string, botId: string, contact: string): Promise<boolean> {
      return (await commands.fleetConversationReset(keys(botId, contact).state, tenantId)) === 1;
    },
  };
}

function parseTransition(raw: string): Effect[] | null {
  try {
    const parsed = TransitionSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data.effects : null;
  } catch {
    return null;
  }
}

export type ConversationsRepository = ReturnType<typeof createConversationsRepository>;
