// Conversation state and decided-once transitions in Redis. A conversation's keys carry its inbound
// partition's hash tag, so on a Redis Cluster they share a slot with the partition stream and its
// timers, and one script can touch them all:
//   wa.conv.{inbound.P}:<bot>:<contact>        hash: version, tenant, state (JSON), TTL 24 h by default after
//                                              the last turn, or after its pending timer's due time
//   wa.conv.{inbound.P}.tx:<entry id>          the transition decided for an inbound entry (effects), TTL 48 h
//   wa.conv.{inbound.P}.seen:<bot>:<contact>   id of the contact's first conversation (contact.is_new), TTL 400 days
// `commit` stores the new state (compare-and-set on its version) and the entry's transition in one
// script, before any effect runs; if the entry already has a transition, it answers that one instead,
// so a redelivered entry replays the same effects with the same idempotency keys.
import { inboundPartition, partitionTag } from "@fleet/contracts";
import type { RedisClient } from "@fleet/service-kit";
import { z } from "zod";
import { ConversationStateSchema, type ConversationState } from "../flows/engine/conversation-state.js";
import { EffectSchema, type Effect } from "../flows/engine/effects.js";
import type { ConversationView } from "../flows/engine/simulation.types.js";

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
return {'ok', tostring(version + 1)}`;

const RESET = `
local existed = redis.call('HGET', KEYS[1], 'tenant')
if existed ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

type Commit = (stateKey: string, txKey: string, seenKey: string, expected: number, state: string, tx: string, ttlMs: number, tenant: string, txTtlMs: number, seen: string, seenTtlMs: number) => Promise<[string, string]>;
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
  redis.defineCommand("fleetConversationCommit", { numberOfKeys: 3, lua: COMMIT });
  redis.defineCommand("fleetConversationReset", { numberOfKeys: 1, lua: RESET });
  const commands = redis as unknown as { fleetConversationCommit: Commit; fleetConversationReset: Reset };
  const transitionTtlMs = options.transitionTtlMs ?? 48 * 3600_000;
  const seenTtlMs = options.seenTtlMs ?? 400 * 24 * 3600_000;
  const now = options.now ?? Date.now;

  /** A conversation waiting for a timer (a 7-day wait, a long hand-off) is kept until it fires, and STATE_TTL after. */
  const stateTtlFor = (state: ConversationState | null): number => {
    const until = Math.max(state?.timer?.dueAt ?? 0, state?.pausedUntil ?? 0);
    return Math.max(options.stateTtlMs, until - now() + options.stateTtlMs);
  };

  const keys = (botId: string, contact: string) => {
    const tag = partitionTag(inboundPartition(botId, contact, options.partitions));
    return {
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
      const [hash, seen, tx] = await Promise.all([redis.hmget(k.state, "version", "tenant", "state"), redis.get(k.seen), redis.get(k.tx(entryId))]);
      const [version, tenant, raw] = hash;
      const sameTenant = tenant === tenantId;
      return {
        state: sameTenant ? parseState(raw) : null,
        version: Number(version ?? 0),
        firstConversation: seen,
        decided: tx ? parseTransition(tx) : null,
      };
    },

    /**
     * Stores the new state (if `state` is not null) and the entry's effects, only if the stored version is
     * still `expectedVersion` and the entry has no transition yet.
     */
    async commit(input: { tenantId: string; botId: string; contact: string; entryId: string; expectedVersion: number; state: ConversationState | null; effects: Effect[]; firstConversation: string | null }): Promise<CommitResult> {
      const k = keys(input.botId, input.contact);
      const [kind, value] = await commands.fleetConversationCommit(
        k.state,
        k.tx(input.entryId),
        k.seen,
        input.expectedVersion,
        input.state ? JSON.stringify(input.state) : "",
        JSON.stringify({ effects: input.effects }),
        stateTtlFor(input.state),
        input.tenantId,
        transitionTtlMs,
        input.firstConversation ?? "",
        seenTtlMs,
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
