// Handles one inbound entry: a contact's message, a timer that fell due, staff resuming the bot, or
// a delivery status. For a message, timer or resume, the bot's flow decides what happens:
//   1. decide — load the conversation and the transition already decided for this entry, if any (a
//      redelivery); otherwise run the engine (answering its action and http calls) and commit the new
//      state and the planned effects in one step, compare-and-set on the state's version;
//   2. carry out — send the replies, in order and in one call to the adapter, each with idempotency
//      key = entry id + reply index, and emit events (timers were scheduled and cancelled by the
//      commit itself). Every effect is idempotent, so a redelivered entry carries out the same
//      effects again and nothing happens twice.
// A bot with no active flow (and no tenant default) answers with a stateless echo. Transient send
// failures are retried in place (keeping the conversation's order) and then left for a later
// redelivery. A reply the provider may or may not have accepted (SEND_OUTCOME_UNKNOWN) is never
// retried: the adapter answers the same for that key for as long as a redelivery can happen.
import { ExponentialBackoff, handleWhen, retry } from "cockatiel";
import type { InboundEntry, InboundMessage } from "@fleet/contracts";
import { AppError, toAppError, type Logger } from "@fleet/service-kit";
import type { Effect, OutboundContent } from "../flows/engine/effects.js";
import type { EngineInput } from "../flows/engine/conversation-state.js";
import { resume, runTurn, type Turn } from "../flows/engine/engine.js";
import type { ConversationContext } from "../flows/engine/variables-view.js";
import type { CallRunner } from "../flows/runtime/call-runner.js";
import type { FlowSource } from "../flows/runtime/flow-source.js";
import type { ConversationsRepository } from "../repositories/conversations.repository.js";
import type { EventInput, EventsRepository } from "../repositories/events.repository.js";

/** Records one event of the turn (appended with the others when the turn ends). */
type Emit = (event: EventInput) => void;
import { greetingReplies } from "./reply.js";

export interface ReplyTarget {
  tenantId: string;
  botId: string;
  recipient: string;
  /** Provider id of the message this reply answers. */
  replyTo?: string;
}

export interface SentReply {
  providerMessageId: string;
  provider: string;
}

/** One reply of a batch: sent, or the error it failed with. */
export type ReplyOutcome = { sent: SentReply } | { error: AppError };

export interface OutboundReply {
  content: OutboundContent;
  idempotencyKey: string;
}

export interface ReplySender {
  send(target: ReplyTarget, content: OutboundContent, idempotencyKey: string): Promise<SentReply>;
  /**
   * A turn's replies to one contact in one call, in order: an outcome per reply up to and including
   * the first that failed (the rest are not attempted), except that a failure whose outcome is
   * unknown (SEND_OUTCOME_UNKNOWN) does not stop the rest. Throws when the call as a whole failed.
   * A sender without it sends them one by one (sendInOrder).
   */
  sendAll?(target: ReplyTarget, replies: OutboundReply[]): Promise<ReplyOutcome[]>;
}

/** sendAll's contract on top of one send per reply. */
export function sendInOrder(sender: Pick<ReplySender, "send">): NonNullable<ReplySender["sendAll"]> {
  return async (target, replies) => {
    const outcomes: ReplyOutcome[] = [];
    for (const reply of replies) {
      try {
        outcomes.push({ sent: await sender.send(target, reply.content, reply.idempotencyKey) });
      } catch (error) {
        const appError = toAppError(error);
        outcomes.push({ error: appError });
        if (appError.code !== SEND_OUTCOME_UNKNOWN) break;
      }
    }
    return outcomes;
  };
}

/**
 * What became of an entry. Three outcomes leave it for a retry in place: "retry_later" (a reply
 * failed and that counts as a failed attempt), "throttled" (the bot's provider pacing or rate
 * limit held the reply back: not a failure, but a sign to send less at once for this bot) and
 * "unavailable" (the adapter or the provider is away for everybody: not this entry's failure).
 * Every other outcome acks it. "ambiguous": every reply was handled, but at least one may or
 * may not have reached the contact.
 */
export type Outcome = "replied" | "ambiguous" | "failed" | "retry_later" | "throttled" | "unavailable" | "recorded";

/** Retryable failures that say "not now for this bot", not "this reply failed". */
const THROTTLED = new Set(["GRPC_DEADLINE_EXCEEDED", "PACING_DEADLINE", "TENANT_QUOTA_DEADLINE", "SEND_IN_PROGRESS", "PROVIDER_RATE_LIMITED"]);
/** Retryable failures that hit every conversation alike (adapter unreachable, provider's circuit open). */
const UNAVAILABLE = new Set(["GRPC_UNAVAILABLE", "PROVIDER_CIRCUIT_OPEN"]);

function retryOutcome(code: string): Outcome {
  if (THROTTLED.has(code)) return "throttled";
  if (UNAVAILABLE.has(code)) return "unavailable";
  return "retry_later";
}

/** The adapter's answer when the provider may have accepted a message: asking again sends nothing. */
export const SEND_OUTCOME_UNKNOWN = "SEND_OUTCOME_UNKNOWN";
/** Times a turn is decided again after another replica moved the conversation's state meanwhile. */
const MAX_CONFLICTS = 3;

function providerCodeOf(details: unknown): string | null {
  if (typeof details !== "object" || details === null || !("providerCode" in details)) return null;
  return typeof details.providerCode === "string" ? details.providerCode : null;
}

/** Characters of a message's text the live feed gets. */
const LIVE_FEED_TEXT = 1000;

/** A reply as the live feed shows it: its text, or the file's URL. */
function summaryOf(content: OutboundContent): string {
  return (content.type === "media" ? (content.caption ?? content.url) : content.body).slice(0, LIVE_FEED_TEXT);
}

/** Who paused or resumed the bot: the staff member for a pause or resume entry, else the flow (a hand-off step, its timeout). */
function byOf(entry: Exclude<InboundEntry, { kind: "status" }>): string {
  return (entry.kind === "pause" || entry.kind === "resume") && entry.by ? entry.by : "flow";
}

/** A contact's message in the engine's words. */
export function engineInputOf(message: InboundMessage): EngineInput {
  const text = message.text ?? "";
  const payload = message.replyId === undefined ? {} : { payload: message.replyId };
  switch (message.type) {
    case "text":
      return { type: "message", kind: "text", text, ...payload };
    case "button_reply":
      return { type: "message", kind: "button", text, ...payload };
    case "list_reply":
      return { type: "message", kind: "list", text, ...payload };
    case "media":
      return {
        type: "message",
        kind: "media",
        text: message.media?.caption ?? text,
        ...(message.media ? { mediaType: message.media.kind } : {}),
        ...(message.media?.url ? { mediaUrl: message.media.url } : {}),
      };
    case "location":
      return { type: "message", kind: "location", text, ...(message.location ? { latitude: message.location.latitude, longitude: message.location.longitude } : {}) };
    default:
      return { type: "message", kind: "other", text };
  }
}

export interface HandleInboundDeps {
  sender: ReplySender;
  events: EventsRepository;
  conversations: ConversationsRepository;
  flows: FlowSource;
  calls: CallRunner;
  logger: Logger;
  /** The shop's name and time zone (tenant.*, now.*). */
  tenants: TenantProfiles;
  /** Waits, delays and hand-offs last this fraction of their seconds (FLOW_TIMER_SCALE; 1 in production). */
  timeScale?: number;
  now?: () => number;
}

export interface TenantProfiles {
  profile(tenantId: string): Promise<{ name?: string; timezone: string }>;
}

/** The engine's input for an entry that is not a delivery status. */
function engineInputOfEntry(entry: Exclude<InboundEntry, { kind: "status" }>): EngineInput {
  switch (entry.kind) {
    case "message":
      return engineInputOf(entry);
    case "timer":
      return { type: "timer", timerId: entry.timerId, ...(entry.name ? { name: entry.name } : {}) };
    case "pause":
      return { type: "pause", until: entry.until };
    case "resume":
      return { type: "resume" };
  }
}

type TurnEntry = Exclude<InboundEntry, { kind: "status" }>;

export function createHandleInbound({ sender, events, conversations, flows, calls, logger, tenants, timeScale = 1, now = Date.now }: HandleInboundDeps) {
  // Throttled replies are not retried here: waiting is the scheduler's job, with the bot's slot given back.
  const isTransient = (error: unknown) => error instanceof AppError && error.retryable && error.code !== SEND_OUTCOME_UNKNOWN && !THROTTLED.has(error.code);
  const transient = retry(handleWhen(isTransient), { maxAttempts: 3, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }) });
  const sendAll = sender.sendAll ? sender.sendAll.bind(sender) : sendInOrder(sender);

  /** The transition for this entry: the one already decided, or a new one, committed before anything runs. */
  async function decide(entry: TurnEntry, contact: string): Promise<Effect[]> {
    const input = engineInputOfEntry(entry);
    const [botFlows, tenant] = await Promise.all([flows.forBot(entry.tenantId, entry.botId), tenants.profile(entry.tenantId)]);
    for (let attempt = 0; attempt < MAX_CONFLICTS; attempt += 1) {
      const loaded = await conversations.load(entry.tenantId, entry.botId, contact, entry.id);
      if (loaded.decided) return loaded.decided;
      let state = loaded.state;
      const flow = state ? await flows.version(entry.tenantId, state.flow.id, state.flow.version) : null;
      // The version the conversation ran is gone (its flow was deleted): the contact starts over.
      if (state && !flow) state = null;
      const context: ConversationContext = {
        now: now(),
        contact: { phone: contact, ...(entry.kind === "message" && entry.contactName ? { name: entry.contactName } : {}), isNew: loaded.firstConversation === null || loaded.firstConversation === state?.id },
        bot: {},
        tenant,
        timeScale,
      };
      let turn: Turn = runTurn({ state, flow, entry: botFlows.entry, resolveFlow: (slug) => botFlows.bySlug.get(slug), input, entryId: entry.id, context });
      while (turn.status === "call") {
        const result = await calls(turn.call, { tenantId: entry.tenantId, botId: entry.botId, contact, idempotencyKey: `${entry.id}:${turn.call.step}` });
        turn = resume(turn.suspension, result);
      }
      // Nothing started and nothing to do: nothing to remember.
      if (!loaded.state && !turn.state && turn.effects.length === 0) return [];
      const committed = await conversations.commit({
        tenantId: entry.tenantId,
        botId: entry.botId,
        contact,
        entryId: entry.id,
        expectedVersion: loaded.version,
        state: turn.state,
        effects: turn.effects,
        firstConversation: loaded.firstConversation ?? turn.state?.id ?? null,
      });
      if (committed.kind === "committed") return turn.effects;
      if (committed.kind === "replay") return committed.effects;
      logger.warn("conversation moved while deciding a turn; deciding again", { botId: entry.botId, attempt });
    }
    throw new AppError("unavailable", "CONVERSATION_CONFLICT", "The conversation kept changing while its turn was decided");
  }

  /** Carries out a transition's effects in order; stops at a send that must be retried. */
  async function carryOut(entry: TurnEntry, contact: string, effects: Effect[], emit: Emit): Promise<Outcome> {
    const context = { tenantId: entry.tenantId, botId: entry.botId, contact };
    const target: ReplyTarget = { tenantId: entry.tenantId, botId: entry.botId, recipient: contact, ...(entry.kind === "message" ? { replyTo: entry.providerMessageId } : {}) };
    const started = entry.kind === "message" ? Date.parse(entry.occurredAt) : now();
    const contents = effects.flatMap((effect) => (effect.type === "send" ? [effect.content] : []));
    const outcomes = contents.length > 0 ? await sendReplies(entry, target, contents) : [];
    let replyIndex = 0;
    let ambiguous = false;
    for (const [index, effect] of effects.entries()) {
      switch (effect.type) {
        case "send": {
          const outcome = replyOutcome(entry, outcomes[replyIndex], effect.content, replyIndex, started, context, emit);
          replyIndex += 1;
          if (outcome === "ambiguous") ambiguous = true;
          else if (outcome !== "replied") return outcome;
          break;
        }
        case "schedule_timer":
        case "cancel_timer":
          // Applied with the transition's commit, atomically.
          break;
        case "event":
          emit({ id: `${entry.id}:event:${index}`, type: effect.name, ...context, attributes: effect.attributes });
          break;
        case "pause":
          // The state carries the pause (GetConversation); the dashboard hears of it here.
          emit({ id: `${entry.id}:event:${index}`, type: "conversation.paused", ...context, attributes: { until: new Date(effect.until).toISOString(), step: effect.step, by: byOf(entry) } });
          break;
        case "resume":
          emit({ id: `${entry.id}:event:${index}`, type: "conversation.resumed", ...context, attributes: { by: byOf(entry) } });
          break;
      }
    }
    return ambiguous ? "ambiguous" : "replied";
  }

  /**
   * The turn's replies, sent in order in one call: an outcome per reply up to the first that
   * failed. A transient failure (the adapter or the provider away for a moment) is retried in
   * place from that reply on, the ones before it being sent already; the last failure stays.
   */
  async function sendReplies(entry: TurnEntry, target: ReplyTarget, contents: OutboundContent[]): Promise<ReplyOutcome[]> {
    const outcomes: ReplyOutcome[] = [];
    try {
      await transient.execute(async () => {
        const from = outcomes.length;
        const answered = await sendAll(target, contents.slice(from).map((content, offset) => ({ content, idempotencyKey: `${entry.id}:${from + offset}` })));
        for (const outcome of answered) {
          if ("error" in outcome && isTransient(outcome.error)) throw outcome.error;
          outcomes.push(outcome);
        }
      });
    } catch (error) {
      outcomes.push({ error: toAppError(error) });
    }
    return outcomes;
  }

  /** What one reply's outcome means for the entry, with its event. */
  function replyOutcome(entry: TurnEntry, outcome: ReplyOutcome | undefined, content: OutboundContent, index: number, started: number, context: { tenantId: string; botId: string; contact: string }, emit: Emit): Outcome {
    // sendReplies answers every reply up to the first failure, and carryOut stops there.
    if (!outcome) throw new AppError("internal", "INTERNAL", `No outcome for reply ${index} of the turn`);
    if ("sent" in outcome) {
      emit({ id: `${entry.id}:reply:${index}`, type: "message.sent", ...context, attributes: { provider: outcome.sent.provider, response_ms: Math.max(now() - started, 0), text: summaryOf(content) } });
      return "replied";
    }
    const appError = outcome.error;
    if (appError.code === SEND_OUTCOME_UNKNOWN) {
      logger.warn("reply may or may not have reached the contact; not sent again", { botId: entry.botId, code: appError.code });
      emit({ id: `${entry.id}:reply:${index}:ambiguous`, type: "message.send_ambiguous", ...context, attributes: { code: appError.code, provider_code: providerCodeOf(appError.details) } });
      return "ambiguous";
    }
    if (appError.retryable) {
      const retryLater = retryOutcome(appError.code);
      if (retryLater === "retry_later") logger.warn("reply not accepted yet; entry retried later", { botId: entry.botId, code: appError.code });
      return retryLater;
    }
    logger.error("reply rejected", { botId: entry.botId, code: appError.code });
    emit({ id: `${entry.id}:reply:${index}:failed`, type: "message.send_failed", ...context, attributes: { code: appError.code } });
    return "failed";
  }

  /**
   * A turn's events (message received, replies sent, the flow's events) are collected and appended
   * together when the turn ends, in one round trip, whatever its outcome: a retried entry appends
   * them again under the same ids, which every reader counts once.
   */
  async function handleTurn(entry: TurnEntry, contact: string): Promise<Outcome> {
    const pending: EventInput[] = [];
    try {
      return await takeTurn(entry, contact, (event) => void pending.push({ occurredAt: new Date(now()).toISOString(), ...event }));
    } finally {
      if (pending.length > 0) await events.emitMany(pending);
    }
  }

  async function takeTurn(entry: TurnEntry, contact: string, emit: Emit): Promise<Outcome> {
    if (entry.kind === "message") {
      // The text goes to the dashboard's live feed (also while the bot is paused for the contact).
      const text = (entry.text ?? entry.media?.caption ?? "").slice(0, LIVE_FEED_TEXT);
      emit({ id: `${entry.id}:received`, type: "message.received", tenantId: entry.tenantId, botId: entry.botId, contact, attributes: { provider: entry.provider, type: entry.type, text, name: entry.contactName ?? null } });
    }
    const botFlows = await flows.forBot(entry.tenantId, entry.botId);
    if (!botFlows.entry) {
      // No flow for this bot or its tenant: a stateless echo, decided by the message alone.
      if (entry.kind !== "message") return "recorded";
      return carryOut(entry, contact, greetingReplies(entry).map((reply) => ({ type: "send", content: { type: "text", body: reply.text } })), emit);
    }
    let effects: Effect[];
    try {
      effects = await decide(entry, contact);
    } catch (error) {
      const appError = toAppError(error);
      if (!appError.retryable) throw error;
      logger.warn("turn not decided; entry retried later", { botId: entry.botId, code: appError.code });
      return "retry_later";
    }
    if (effects.length === 0) return "recorded";
    return carryOut(entry, contact, effects, emit);
  }

  return async function handleInbound(entry: InboundEntry): Promise<Outcome> {
    switch (entry.kind) {
      case "status":
        await events.emit({
          id: entry.id,
          type: "message.status",
          tenantId: entry.tenantId,
          botId: entry.botId,
          contact: entry.recipient,
          occurredAt: entry.occurredAt,
          attributes: { status: entry.status, provider: entry.provider, error_code: entry.errors?.[0]?.code ?? null },
        });
        return "recorded";
      case "message":
        return handleTurn(entry, entry.from);
      case "timer":
      case "resume":
      case "pause":
        return handleTurn(entry, entry.contact);
    }
  };
}

export type HandleInbound = ReturnType<typeof createHandleInbound>;
