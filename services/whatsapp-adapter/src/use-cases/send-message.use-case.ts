// SendMessage: idempotent by key (same key for the same bot → first result,
// no second send), paced per provider number, retried with backoff on
// retryable provider errors, guarded by a circuit breaker per bot+provider,
// and falling back to the bot's next provider in its configured order. Rich
// content a provider cannot show is degraded to text first (degrade.ts), and
// the options such a text offers are remembered for the contact's answer.
// A failure after which the provider may have accepted the message (see
// MaybeSentError) is neither retried nor sent elsewhere: the call, and every
// later call with its key, fails with SEND_OUTCOME_UNKNOWN.
import { randomUUID } from "node:crypto";
import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, retry, wrap, BrokenCircuitError, CircuitState, type CircuitBreakerPolicy, type IPolicy } from "cockatiel";
import { LRUCache } from "lru-cache";
import type { ProviderKindName } from "@fleet/contracts";
import { AppError, entriesBound, type EventPublisher, type Logger } from "@fleet/service-kit";
import type { Counter, Gauge, Histogram } from "prom-client";
import { deadline } from "../providers/deadline.js";
import { degrade } from "../providers/degrade.js";
import { isMaybeSent, MaybeSentError, type OutboundContent, type ReplyOption } from "../providers/provider.js";
import type { ProviderRegistry } from "../providers/provider-registry.js";
import type { OfferedChoicesRepository } from "../repositories/offered-choices.repository.js";
import type { SlidingWindow, Slot } from "../repositories/pacer.js";
import type { BotCache } from "../repositories/bot-cache.js";
import type { BotRecord } from "../repositories/bots.repository.js";
import type { BotHealthRepository } from "../repositories/bot-health.repository.js";
import type { AmbiguousSend, IdempotencyRepository, StoredSend } from "../repositories/idempotency.repository.js";

export interface SendMessageInput {
  tenantId: string;
  botId: string;
  recipient: string;
  content: OutboundContent | null;
  idempotencyKey: string;
  replyToProviderMessageId?: string;
  /** Absolute time after which the caller no longer waits. */
  deadline: number;
}

export interface SendMessageResult extends StoredSend {
  replayed: boolean;
}

export interface SendMessageOptions {
  /**
   * Takes the write of a sent message's result instead of waiting for it; the caller waits for it
   * before answering its own caller (SendMessages: at the end of the batch, so each write shares its
   * round trip to Redis with the next reply's claim). The write never rejects: a failure is logged,
   * and the key's lease then ends as "ambiguous".
   */
  deferRecord?: (write: Promise<void>) => void;
}

/**
 * Waits until the provider number may send again (fleet-wide pacing) and takes a slot; the slot is
 * ended once the provider answered (it counts until then), or cancelled when nothing was sent.
 */
export type Pacer = (kind: ProviderKindName, routingKey: string, perSecond: number, signal: AbortSignal) => Promise<Slot>;

export interface SendMessageDeps {
  bots: Pick<BotCache, "find">;
  idempotency: IdempotencyRepository;
  providers: ProviderRegistry;
  choices: Pick<OfferedChoicesRepository, "remember" | "forget">;
  pace: Pacer;
  botHealth: BotHealthRepository;
  /** provider.error events for the shop's analytics and live feed. */
  events?: Pick<EventPublisher, "emit">;
  logger: Logger;
  metrics: {
    /** whatsapp_messages_sent_total: messages a provider accepted. */
    sent: Counter<"provider">;
    /** whatsapp_errors_total: failed sends through a provider, by the AppError code. */
    errors: Counter<"provider" | "code">;
    duration: Histogram<"provider">;
    /** Open circuits (bot × provider) per provider, on this replica. */
    openCircuits: Gauge<"provider">;
  };
  /**
   * The tenants' outbound quotas (messages per minute through all their bots): a send waits for a
   * slot of its tenant's window, and past its deadline fails TENANT_QUOTA_DEADLINE (retryable:
   * the message is never dropped). Absent: no quotas.
   */
  quotas?: {
    limitOf(tenantId: string): Promise<number | null>;
    window: SlidingWindow;
    /** Sends waiting for their tenant's quota on this replica, and how long each waited. */
    metrics: { waiting: Gauge; wait: Histogram };
  };
  retryAttempts?: number;
  /** Consecutive provider failures that open a bot's circuit for that provider. */
  breakerFailures?: number;
  /** How long an open circuit refuses calls before one is let through (half-open). */
  breakerHalfOpenAfterMs?: number;
}

/** The answer when the provider may or may not have accepted the message: not retryable, and the same for every later call with the key. */
export const SEND_OUTCOME_UNKNOWN = "SEND_OUTCOME_UNKNOWN";

function sendOutcomeUnknown(send: AmbiguousSend, cause?: unknown): AppError {
  return new AppError(
    "failed_precondition",
    SEND_OUTCOME_UNKNOWN,
    "The provider may or may not have accepted this message; it will not be sent again with this idempotency key",
    { details: { provider: send.provider ?? null, providerCode: send.providerCode }, cause },
  );
}

const NEVER_ABORTED = new AbortController().signal;

/** A pacing slot asked for ahead, for the first attempt through `provider`; null once taken or freed. */
interface EarlySlot {
  provider: BotRecord["providers"][number];
  slot: Promise<Slot> | null;
}

/** A message a provider accepted, and the pacing slot it went out in (ended once the result is written). */
interface Delivered {
  sent: StoredSend;
  slot: Slot;
}

/** The number's sending rate: its own setting, else the provider's default. */
function ratePerSecond(provider: BotRecord["providers"][number], defaultRate: number): number {
  return Number(provider.settings.messages_per_second) || defaultRate;
}

const MAX_POLICIES = 10_000;

/**
 * Retryable failures that say nothing about the provider's health, so they do not open the bot's
 * circuit: our own pacing ran out of time, or one recipient's pair rate limit (the bot's other
 * conversations are fine).
 */
const NOT_PROVIDER_HEALTH = new Set(["PACING_DEADLINE", "PROVIDER_PAIR_RATE_LIMITED"]);

/** Provider answers that mean the bot's account needs attention, not that one message was bad. */
const ACCOUNT_PROBLEMS = new Set(["PROVIDER_CREDENTIALS_INVALID", "PROVIDER_ACCOUNT_BLOCKED", "PROVIDER_NOT_CONFIGURED"]);

const RECIPIENT = /^(\d{7,15}|[\w.:-]+@(s\.whatsapp\.net|lid))$/;
// Printable ASCII: keys embed provider message ids (wamids are base64 with "=", "+", "/").
const KEY = /^[\x21-\x7e]{1,256}$/;

/** WhatsApp's own limits (the same on every provider), so a flow that works on one provider works on all. */
function contentProblems(content: OutboundContent): string[] {
  const problems: string[] = [];
  const within = (value: string | undefined, max: number, what: string, required = true) => {
    if (value === undefined || value === "") {
      if (required) problems.push(`${what} is required`);
    } else if (value.length > max) problems.push(`${what} must be at most ${max} characters`);
  };
  const optionIds = (ids: string[]) => {
    if (new Set(ids).size !== ids.length) problems.push("option ids must be unique");
    for (const id of ids) within(id, 256, "option id");
  };
  switch (content.type) {
    case "text":
      within(content.body, 4096, "text body");
      break;
    case "media":
      if (content.uploaded) {
        if (!/^[\w.:-]{1,256}$/.test(content.uploaded.mediaId)) problems.push("uploaded media id is malformed");
      } else if (!content.url || !/^https?:\/\//.test(content.url)) problems.push("media needs an http(s) url or an uploaded media id");
      within(content.caption, 1024, "media caption", false);
      break;
    case "buttons":
      within(content.body, 1024, "buttons body");
      within(content.header, 60, "buttons header", false);
      within(content.footer, 60, "buttons footer", false);
      if (content.buttons.length < 1 || content.buttons.length > 3) problems.push("buttons must have 1 to 3 buttons");
      for (const button of content.buttons) within(button.title, 20, "button title");
      optionIds(content.buttons.map((b) => b.id));
      break;
    case "list": {
      within(content.body, 4096, "list body");
      within(content.button, 20, "list button");
      within(content.header, 60, "list header", false);
      within(content.footer, 60, "list footer", false);
      const rows = content.sections.flatMap((section) => section.rows);
      if (content.sections.length < 1 || content.sections.length > 10) problems.push("list must have 1 to 10 sections");
      if (rows.length < 1 || rows.length > 10) problems.push("list must have 1 to 10 rows in all");
      for (const section of content.sections) {
        within(section.title, 24, "section title", content.sections.length > 1);
        if (section.rows.length === 0) problems.push("every section needs a row");
      }
      for (const row of rows) {
        within(row.title, 24, "row title");
        within(row.description, 72, "row description", false);
      }
      optionIds(rows.map((r) => r.id));
      break;
    }
    case "template":
      if (!/^[a-z0-9_]{1,512}$/.test(content.name)) problems.push("template name must be lower-case letters, digits and _");
      if (!/^[a-z]{2,3}(_[A-Z]{2})?$/.test(content.language)) problems.push("template language must look like es or es_MX");
      for (const parameter of content.parameters) within(parameter, 1024, "template parameter");
      break;
    case "location":
      if (!(Math.abs(content.latitude) <= 90) || !(Math.abs(content.longitude) <= 180)) problems.push("location must have a latitude within ±90 and a longitude within ±180");
      within(content.name, 1000, "location name", false);
      within(content.address, 1000, "location address", false);
      break;
    case "contacts":
      if (content.contacts.length < 1 || content.contacts.length > 10) problems.push("contacts must have 1 to 10 cards");
      for (const card of content.contacts) {
        within(card.name, 256, "contact name");
        if (card.phones.length === 0 || card.phones.some((p) => !/^\+?\d{5,20}$/.test(p))) problems.push("every contact needs phone numbers of digits");
      }
      break;
  }
  return problems;
}

function validate(input: SendMessageInput): OutboundContent {
  const problems: string[] = [];
  if (!input.tenantId) problems.push("tenant_id is required");
  if (!input.botId) problems.push("bot_id is required");
  if (!RECIPIENT.test(input.recipient)) problems.push("recipient must be E.164 digits or a WhatsApp JID");
  if (!KEY.test(input.idempotencyKey)) problems.push("idempotency_key is required (1-256 printable ASCII characters)");
  const content = input.content;
  if (!content) problems.push("content is required");
  else problems.push(...contentProblems(content));
  if (problems.length > 0 || !content) throw new AppError("invalid_argument", "INVALID_SEND_REQUEST", "Invalid SendMessage request", { details: problems });
  return content;
}

export function createSendMessage({ bots, idempotency, providers, choices, pace, botHealth, events, logger, metrics, quotas, retryAttempts = 2, breakerFailures = 5, breakerHalfOpenAfterMs = 10_000 }: SendMessageDeps) {
  /** Waits for a slot of the tenant's quota, if it has one. */
  async function withinQuota(tenantId: string, signal: AbortSignal): Promise<Slot | null> {
    if (!quotas) return null;
    let limit: number | null;
    try {
      limit = await quotas.limitOf(tenantId);
    } catch (error) {
      throw new AppError("unavailable", "QUOTA_UNAVAILABLE", "The tenant's outbound quota cannot be read", { cause: error });
    }
    if (limit === null) return null;
    quotas.metrics.waiting.inc();
    const stop = quotas.metrics.wait.startTimer();
    try {
      return await quotas.window(`quota:${tenantId}`, limit, signal);
    } finally {
      quotas.metrics.waiting.dec();
      stop();
    }
  }

  // Bounded: a bot not sending for a while loses its retry/breaker state, which only matters while it fails.
  const policies = new LRUCache<string, { policy: IPolicy; breaker: CircuitBreakerPolicy; kind: ProviderKindName }>({
    ...entriesBound(MAX_POLICIES),
    dispose: ({ breaker, kind }) => {
      if (breaker.state !== CircuitState.Closed) metrics.openCircuits.dec({ provider: kind });
    },
  });
  // A failure that may hide an accepted message is never retried, but it still tells the breaker the provider is in trouble.
  const retryable = handleWhen((error) => error instanceof AppError && error.retryable && !isMaybeSent(error));
  const providerTrouble = handleWhen((error) => error instanceof AppError && error.retryable && !NOT_PROVIDER_HEALTH.has(error.code));

  function policyFor(botId: string, kind: ProviderKindName): IPolicy {
    const key = `${botId}/${kind}`;
    const cached = policies.get(key);
    if (cached) return cached.policy;
    const breaker = circuitBreaker(providerTrouble, { halfOpenAfter: breakerHalfOpenAfterMs, breaker: new ConsecutiveBreaker(breakerFailures) });
    breaker.onBreak(() => {
      metrics.openCircuits.inc({ provider: kind });
      logger.warn("provider circuit opened", { botId, provider: kind });
    });
    breaker.onReset(() => {
      metrics.openCircuits.dec({ provider: kind });
      logger.info("provider circuit closed", { botId, provider: kind });
    });
    const retries = retry(retryable, { maxAttempts: retryAttempts, backoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 2000 }) });
    const policy = wrap(retries, breaker);
    policies.set(key, { policy, breaker, kind });
    return policy;
  }

  /** After a send through a provider that may degrade choices: what a numbered answer from the contact now means. */
  async function rememberOffer(botId: string, contact: string, showsChoices: boolean, type: OutboundContent["type"], offered: ReplyOption[]): Promise<void> {
    if (showsChoices) return;
    try {
      if (offered.length > 0) await choices.remember(botId, contact, { kind: type === "list" ? "list" : "buttons", options: offered });
      else await choices.forget(botId, contact);
    } catch (error) {
      // The message is out; a numbered answer will then read as plain text.
      logger.warn("offered choices not recorded", { botId, error: error instanceof Error ? error.message : String(error) });
    }
  }

  /** The providers a content may go out through, in the bot's order: an uploaded file exists at one provider only, so no fallback for it. */
  function candidatesFor(bot: BotRecord, content: OutboundContent): BotRecord["providers"] {
    const uploadedTo = content.type === "media" ? content.uploaded?.provider : undefined;
    return uploadedTo ? bot.providers.filter((p) => p.kind === uploadedTo) : bot.providers;
  }

  /** A slot's work is over (the provider answered, whatever it said): not waited for. */
  function endSlot(slot: Slot, botId: string): void {
    slot.end().catch((error: unknown) => logger.warn("pacing slot not released", { botId, error: error instanceof Error ? error.message : String(error) }));
  }

  /**
   * Asks for the pacing slot of the bot's first provider now, so that it goes to Redis in the same
   * write as the idempotency claim: one round trip for both instead of one after the other. Not
   * when the tenant has an outbound quota (or it cannot be read now): its slot comes first, and a
   * pacing slot must not be held while the quota is waited for.
   */
  async function askEarly(bot: BotRecord, tenantId: string, content: OutboundContent, signal: AbortSignal): Promise<EarlySlot | null> {
    if (quotas && (await quotas.limitOf(tenantId).catch(() => undefined)) !== null) return null;
    const provider = candidatesFor(bot, content)[0];
    const descriptor = provider && providers.get(provider.kind);
    if (!provider || !descriptor?.sender) return null;
    const slot = pace(provider.kind, provider.routingKey ?? bot.id, ratePerSecond(provider, descriptor.defaultRatePerSecond), signal);
    // Until it is taken, a failure to get it is nobody's: the attempt that takes it sees it.
    slot.catch(() => undefined);
    return { provider, slot };
  }

  /** Frees an early slot nobody took (the key was already used, the circuit was open, the content could not go out that way). */
  function discard(early: EarlySlot | null): void {
    const slot = early?.slot;
    if (!early || !slot) return;
    early.slot = null;
    slot.then((taken) => taken.cancel()).catch(() => undefined);
  }

  async function deliver(bot: BotRecord, input: SendMessageInput, content: OutboundContent, signal: AbortSignal, early: EarlySlot | null): Promise<Delivered> {
    let lastError: AppError | null = null;
    const uploadedTo = content.type === "media" ? content.uploaded?.provider : undefined;
    const candidates = candidatesFor(bot, content);
    if (candidates.length === 0) throw new AppError("failed_precondition", "MEDIA_UPLOADED_ELSEWHERE", `The bot has no ${uploadedTo ?? ""} provider to send the uploaded file through`);
    for (const provider of candidates) {
      const descriptor = providers.get(provider.kind);
      const sender = descriptor?.sender;
      if (!descriptor || !sender) {
        lastError = new AppError("failed_precondition", "PROVIDER_NOT_AVAILABLE", `Provider ${provider.kind} cannot send yet`);
        continue;
      }
      let degraded: ReturnType<typeof degrade>;
      try {
        degraded = degrade(content, descriptor.capabilities);
      } catch (error) {
        // This provider cannot say it at all (a template without templates): the next one may.
        lastError = error instanceof AppError ? error : new AppError("failed_precondition", "PROVIDER_CANNOT_SEND", "Provider cannot send this content", { cause: error });
        metrics.errors.inc({ provider: provider.kind, code: lastError.code });
        continue;
      }
      const stop = metrics.duration.startTimer({ provider: provider.kind });
      try {
        const { providerMessageId, slot } = await policyFor(bot.id, provider.kind).execute(async () => {
          // The first attempt through the first provider takes the slot asked for with the claim.
          const asked = early?.provider === provider ? early.slot : null;
          if (early && asked) early.slot = null;
          const slot = await (asked ?? pace(provider.kind, provider.routingKey ?? bot.id, ratePerSecond(provider, descriptor.defaultRatePerSecond), signal));
          try {
            // Once the request leaves, it runs to its own timeout even if our caller gives up: aborting
            // it could leave a message the provider accepted without a stored result, and the
            // caller's retry would send it again.
            const sent = await sender.send({ settings: provider.settings, secrets: provider.secrets }, { recipient: input.recipient, content: degraded.content, replyToProviderMessageId: input.replyToProviderMessageId, botId: bot.id }, NEVER_ABORTED);
            return { providerMessageId: sent.providerMessageId, slot };
          } catch (error) {
            endSlot(slot, bot.id);
            // A sender answers with AppErrors; anything else is a bug in it, and whether the request left is unknown.
            throw error instanceof AppError ? error : new MaybeSentError(provider.kind, "PROVIDER_FAILED", "Provider call failed", { cause: error });
          }
        }, signal);
        metrics.sent.inc({ provider: provider.kind });
        await rememberOffer(bot.id, input.recipient, descriptor.capabilities.buttons && descriptor.capabilities.list, content.type, degraded.offered);
        return { sent: { providerMessageId, provider: provider.kind }, slot };
      } catch (error) {
        // Other errors come from before the send (pacing on Redis, a cancelled retry wait): nothing left.
        const appError =
          error instanceof BrokenCircuitError
            ? new AppError("unavailable", "PROVIDER_CIRCUIT_OPEN", `Provider ${provider.kind} is failing; circuit open`)
            : error instanceof AppError
              ? error
              : new AppError("unavailable", "PROVIDER_FAILED", "Provider call failed", { cause: error });
        metrics.errors.inc({ provider: provider.kind, code: appError.code });
        logger.warn("provider send failed", { botId: bot.id, provider: provider.kind, code: appError.code, maybeSent: isMaybeSent(appError) });
        await events
          ?.emit({
            id: `provider.error:${bot.id}:${input.idempotencyKey}:${provider.kind}`,
            type: "provider.error",
            tenantId: bot.tenantId,
            botId: bot.id,
            contact: input.recipient,
            attributes: { provider: provider.kind, code: appError.code, maybe_sent: isMaybeSent(appError) },
          })
          .catch(() => undefined);
        lastError = appError;
        if (ACCOUNT_PROBLEMS.has(appError.code)) {
          await botHealth.report(bot.id, { kind: provider.kind, code: appError.code, at: new Date().toISOString() }).catch(() => undefined);
        }
        // Only transient failures move on to the next provider: a rejected message would be rejected there
        // too, and one that may have been accepted must not go out twice.
        if ((!appError.retryable && appError.code !== "PROVIDER_NOT_CONFIGURED") || isMaybeSent(appError)) throw appError;
        // The next provider sends through another number: the first one's early slot is not needed.
        discard(early);
      } finally {
        stop();
      }
    }
    throw lastError ?? new AppError("failed_precondition", "BOT_HAS_NO_PROVIDER", "Bot has no provider configured");
  }

  /** Claims the idempotency key, sends within `signal`'s time, and records the outcome. */
  async function claimAndSend(input: SendMessageInput, bot: BotRecord, content: OutboundContent, signal: AbortSignal, options: SendMessageOptions): Promise<SendMessageResult> {
    const key = `${input.botId}:${input.idempotencyKey}`;
    // This call's own claims: a claim resent after a Redis restart finds the record it made, not a stranger's.
    const owner = randomUUID();
    const early = await askEarly(bot, input.tenantId, content, signal);
    try {
      for (;;) {
        let claim: Awaited<ReturnType<typeof idempotency.claim>>;
        try {
          claim = await idempotency.claim(key, owner);
        } catch (error) {
          // Redis may have taken the claim and lost the answer (a restart): free it if it is ours, so a retry may send.
          await idempotency.release(key, owner).catch(() => undefined);
          throw error;
        }
        if (claim.state === "claimed") break;
        discard(early);
        if (claim.state === "done") return { ...claim.result, replayed: true };
        if (claim.state === "ambiguous") throw sendOutcomeUnknown(claim.send);
        // Another call with this key is sending right now (e.g. a redelivery racing the original): wait for its result.
        if (signal.aborted) throw new AppError("unavailable", "SEND_IN_PROGRESS", "A send with this idempotency key is still in progress");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      let delivered: Delivered;
      try {
        const quotaSlot = await withinQuota(input.tenantId, signal);
        try {
          delivered = await deliver(bot, input, content, signal, early);
        } catch (error) {
          await quotaSlot?.end().catch(() => undefined);
          throw error;
        }
        quotaSlot?.end().catch(() => undefined);
      } catch (error) {
        if (isMaybeSent(error)) {
          const send = { provider: error.provider, providerCode: error.code };
          // If this write fails the pending record stays, and its lease ends as "ambiguous" too.
          await idempotency.markAmbiguous(key, send).catch((cause: unknown) => logger.warn("ambiguous send not recorded; its lease will expire as ambiguous", { botId: bot.id, error: cause instanceof Error ? cause.message : String(cause) }));
          throw sendOutcomeUnknown(send, error);
        }
        // Certainly not sent: free the key so a retry may send.
        await idempotency.release(key, owner).catch(() => undefined);
        throw error;
      }
      // The message is out: failing now would invite a retry. Unrecorded, the key's lease ends as "ambiguous", never free.
      const recorded = idempotency.complete(key, delivered.sent).catch((cause: unknown) => {
        logger.warn("send result not recorded; its lease will expire as ambiguous", { botId: bot.id, error: cause instanceof Error ? cause.message : String(cause) });
      });
      // Ended with the result's write, in the same round trip (a lost end frees the slot after the provider timeout).
      endSlot(delivered.slot, bot.id);
      if (options.deferRecord) options.deferRecord(recorded);
      else await recorded;
      return { ...delivered.sent, replayed: false };
    } finally {
      discard(early);
    }
  }

  return async function sendMessage(input: SendMessageInput, options: SendMessageOptions = {}): Promise<SendMessageResult> {
    const content = validate(input);
    // Before any replay: idempotency keys are scoped by bot id, so the bot must belong to the caller's tenant.
    const bot = await bots.find(input.tenantId, input.botId);
    if (!bot) throw new AppError("not_found", "BOT_NOT_FOUND", "Bot not found");
    const limit = deadline(Math.max(input.deadline - Date.now(), 1));
    try {
      return await claimAndSend(input, bot, content, limit.signal, options);
    } finally {
      limit.clear();
    }
  };
}

export type SendMessage = ReturnType<typeof createSendMessage>;
