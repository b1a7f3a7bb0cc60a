// One webhook use case for every provider: find whom the request is for
// (the platform, the bot its URL names, or the number its body names), verify
// it with that bot's credentials (or the platform's secret) on the raw bytes,
// parse it into batches, route each batch to its bot, normalise each item to a
// stream entry, and append each once to its inbound partition.
// Providers retry every answer but 2xx for hours or days, so only a transient
// failure of our own infrastructure (Redis, Postgres) is answered 503: a
// verified body, or one item of it, that can never be processed is answered
// 200 and kept in the webhooks.dead stream with the reason instead.
// On providers that cannot show buttons or lists, a text answer that picks one
// of the options last offered as numbered text becomes that option's reply.
import type { ProviderEntry, ProviderKindName } from "@fleet/contracts";
import { AppError, type Logger } from "@fleet/service-kit";
import type { Counter } from "prom-client";
import { choiceOf } from "../providers/degrade.js";
import type { Normalised, ProviderDescriptor, WebhookBatch, WebhookRequest } from "../providers/provider.js";
import type { ProviderRegistry } from "../providers/provider-registry.js";
import type { BotCache } from "../repositories/bot-cache.js";
import type { BotRecord } from "../repositories/bots.repository.js";
import type { OfferedChoicesRepository } from "../repositories/offered-choices.repository.js";
import type { InboundRepository } from "../repositories/inbound.repository.js";
import type { WebhookDeadLetter, WebhookDeadLetterRepository } from "../repositories/webhook-dead-letter.repository.js";

export interface ReceiveWebhookDeps {
  providers: ProviderRegistry;
  bots: Pick<BotCache, "findByRoutingKey" | "findById">;
  choices: Pick<OfferedChoicesRepository, "find">;
  inbound: InboundRepository;
  deadLetters: WebhookDeadLetterRepository;
  logger: Logger;
  counters: {
    inbound: Counter<"provider" | "type" | "outcome">;
    deadLettered: Counter<"provider" | "reason">;
    /** whatsapp_messages_received_total: new messages from contacts (not statuses, not retries). */
    received: Counter<"provider">;
  };
  now?: () => Date;
}

export interface WebhookOutcome {
  appended: number;
  duplicates: number;
  skipped: number;
  deadLettered: number;
}

/**
 * Why a webhook or item was dead-lettered (the metric's `reason` label):
 * not_json, not_a_notification: the whole body; malformed_item: an item failing the Cloud API schema;
 * item_failed, processing_failed: our code threw on an item / on the rest of the body (a bug).
 */
type DeadLetterReason = "not_json" | "not_a_notification" | "malformed_item" | "item_failed" | "processing_failed";

/** A failure of the intake's own infrastructure: the provider must retry, and dedupe makes the retry safe. */
class IntakeUnavailableError extends AppError {
  constructor(cause: unknown) {
    super("unavailable", "INTAKE_UNAVAILABLE", "Cannot accept webhooks right now", { cause });
  }
}

/** Runs a repository call; whatever it throws means the infrastructure is unavailable, not that the webhook is bad. */
async function infrastructure<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new IntakeUnavailableError(error);
  }
}

function errorSummary(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 200);
}

interface Letter {
  reason: DeadLetterReason;
  message: string;
  body: string;
  context: Record<string, string>;
  error?: unknown;
}

interface Plan {
  entries: ProviderEntry[];
  letters: Letter[];
  skipped: number;
}

/** Why a webhook names no bot we have: answered 404 so the provider (or a prober) learns nothing more. */
const unknownWebhook = () => new AppError("not_found", "WEBHOOK_TARGET_UNKNOWN", "No bot receives webhooks here");

export function createReceiveWebhook({ providers, bots, choices, inbound, deadLetters, logger, counters, now = () => new Date() }: ReceiveWebhookDeps) {
  /** The bot a batch belongs to: the one the URL named (whose number must match), or the one its number names. */
  async function botOf(kind: ProviderKindName, named: BotRecord | null, batch: WebhookBatch): Promise<BotRecord | null> {
    if (named) {
      const own = named.providers.find((p) => p.kind === kind)?.routingKey;
      return batch.routingKey === undefined || own === null || own === undefined || own === batch.routingKey ? named : null;
    }
    return batch.routingKey === undefined ? null : infrastructure(() => bots.findByRoutingKey(kind, batch.routingKey ?? ""));
  }

  /** A text that answers numbered options (offered by a provider that cannot show them) becomes that option's reply. */
  async function withChoice(descriptor: ProviderDescriptor, entry: ProviderEntry): Promise<ProviderEntry> {
    const { buttons, list } = descriptor.capabilities;
    if ((buttons && list) || entry.kind !== "message" || entry.type !== "text" || !entry.text) return entry;
    const offer = await infrastructure(() => choices.find(entry.botId, entry.from));
    const chosen = offer ? choiceOf(entry.text, offer.options) : undefined;
    return offer && chosen ? { ...entry, type: offer.kind === "buttons" ? "button_reply" : "list_reply", replyId: chosen.id } : entry;
  }

  async function planBatch(descriptor: ProviderDescriptor, named: BotRecord | null, batch: WebhookBatch, plan: Plan): Promise<void> {
    const { kind } = descriptor;
    const bot = await botOf(kind, named, batch);
    if (!bot) {
      logger.warn("webhook for a number no bot is configured with", { provider: kind, routingKey: batch.routingKey });
      counters.inbound.inc({ provider: kind, type: "any", outcome: "unrouted" }, batch.items.length);
      plan.skipped += batch.items.length;
      return;
    }
    const ref = { botId: bot.id, tenantId: bot.tenantId };
    const context = { botId: bot.id, tenantId: bot.tenantId, ...(batch.routingKey ? { routingKey: batch.routingKey } : {}) };
    for (const item of batch.items) {
      // One item that cannot be processed must not hold back the others of its batch.
      let result: Normalised;
      try {
        result = item.normalise(ref);
      } catch (error) {
        plan.letters.push({ reason: "item_failed", message: errorSummary(error), body: JSON.stringify(item.raw), context, error });
        continue;
      }
      if (result.ok) {
        plan.entries.push(await withChoice(descriptor, result.entry));
      } else if (result.reason === "malformed") {
        counters.inbound.inc({ provider: kind, type: result.type.slice(0, 32), outcome: result.reason });
        plan.letters.push({ reason: "malformed_item", message: result.problem.slice(0, 200), body: JSON.stringify(item.raw), context: { ...context, type: result.type.slice(0, 32) } });
      } else {
        plan.skipped++;
        counters.inbound.inc({ provider: kind, type: result.type.slice(0, 32), outcome: result.reason });
        if (result.reason === "unsupported_type") logger.info("inbound item not handled yet", { botId: bot.id, provider: kind, type: result.type });
      }
    }
  }

  async function keep(kind: ProviderKindName, letters: Letter[], receivedAt: string): Promise<void> {
    if (letters.length === 0) return;
    const stored: WebhookDeadLetter[] = letters.map(({ reason, message, body }) => ({ provider: kind, reason, message, receivedAt, body }));
    await infrastructure(() => deadLetters.append(stored));
    for (const letter of letters) {
      counters.deadLettered.inc({ provider: kind, reason: letter.reason });
      const fields = { provider: kind, reason: letter.reason, detail: letter.message, bytes: Buffer.byteLength(letter.body), ...letter.context };
      // A reason that is our own bug is logged with its stack; bad input is only a warning. Never the body.
      if (letter.error !== undefined) logger.error("webhook dead-lettered", { ...fields, stack: letter.error instanceof Error ? letter.error.stack : undefined });
      else logger.warn("webhook dead-lettered", fields);
    }
  }

  return async function receiveWebhook(kind: ProviderKindName, request: WebhookRequest): Promise<WebhookOutcome> {
    const descriptor = providers.get(kind);
    const reader = descriptor?.inbound;
    if (!descriptor || !reader) throw unknownWebhook();
    const target = reader.target(request);
    if (!target) throw unknownWebhook();
    let named: BotRecord | null = null;
    if (target.by === "bot") named = await infrastructure(() => bots.findById(target.botId));
    else if (target.by === "routing_key") named = await infrastructure(() => bots.findByRoutingKey(kind, target.routingKey));
    const account = named?.providers.find((p) => p.kind === kind);
    if (target.by !== "platform" && !account) throw unknownWebhook();
    await reader.verify(request, account ? { settings: account.settings, secrets: account.secrets } : null);

    const receivedAt = now().toISOString();
    const deadLetterWhole = async (letter: Omit<Letter, "body" | "context">): Promise<WebhookOutcome> => {
      await keep(kind, [{ ...letter, body: request.rawBody.toString("utf8"), context: named ? { botId: named.id, tenantId: named.tenantId } : {} }], receivedAt);
      return { appended: 0, duplicates: 0, skipped: 0, deadLettered: 1 };
    };
    const parsed = reader.parse(request);
    if (!parsed.ok) return deadLetterWhole({ reason: parsed.reason, message: parsed.problem });

    const plan: Plan = { entries: [], letters: [], skipped: 0 };
    try {
      for (const batch of parsed.batches) await planBatch(descriptor, named, batch, plan);
    } catch (error) {
      if (error instanceof IntakeUnavailableError) throw error;
      return deadLetterWhole({ reason: "processing_failed", message: errorSummary(error), error });
    }
    const { appended, duplicates, messages } = await infrastructure(() => inbound.appendOnce(plan.entries));
    // After the append: if keeping the dead letters fails, the retry finds the good entries deduped.
    await keep(kind, plan.letters, receivedAt);
    if (appended > 0) counters.inbound.inc({ provider: kind, type: "any", outcome: "accepted" }, appended);
    if (messages > 0) counters.received.inc({ provider: kind }, messages);
    if (duplicates > 0) counters.inbound.inc({ provider: kind, type: "any", outcome: "duplicate" }, duplicates);
    return { appended, duplicates, skipped: plan.skipped, deadLettered: plan.letters.length };
  };
}

export type ReceiveWebhook = ReturnType<typeof createReceiveWebhook>;
