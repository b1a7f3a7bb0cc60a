// A Cloud API webhook: verified on the raw bytes before anything else, then
// every message and status of every entry/change is routed to its bot by
// phone_number_id, normalised, and appended once to its inbound partition.
// Meta retries every answer but 200 for days, so only a transient failure of
// our own infrastructure (Redis, Postgres) is answered 503: a signed body, or
// one item of it, that can never be processed is answered 200 and kept in the
// webhooks.dead stream with the reason instead.
import type { InboundEntry } from "@fleet/contracts";
import { AppError, type Logger } from "@fleet/service-kit";
import type { Counter } from "prom-client";
import { MetaWebhookSchema, normaliseMessage, normaliseStatus, verifyMetaSignature, type MetaChange, type MetaWebhook, type Normalised } from "../providers/meta/meta-webhook.js";
import type { BotCache } from "../repositories/bot-cache.js";
import type { InboundRepository } from "../repositories/inbound.repository.js";
import type { WebhookDeadLetter, WebhookDeadLetterRepository } from "../repositories/webhook-dead-letter.repository.js";

export interface ReceiveMetaWebhookDeps {
  appSecret: string;
  bots: Pick<BotCache, "findByRoutingKey">;
  inbound: InboundRepository;
  deadLetters: WebhookDeadLetterRepository;
  logger: Logger;
  counters: { inbound: Counter<"provider" | "type" | "outcome">; deadLettered: Counter<"provider" | "reason"> };
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
  entries: InboundEntry[];
  letters: Letter[];
  skipped: number;
}

export function createReceiveMetaWebhook({ appSecret, bots, inbound, deadLetters, logger, counters, now = () => new Date() }: ReceiveMetaWebhookDeps) {
  async function planChange(change: MetaChange, plan: Plan): Promise<void> {
    const { value } = change;
    const phoneNumberId = value.metadata?.phone_number_id;
    const count = (value.messages?.length ?? 0) + (value.statuses?.length ?? 0);
    if (change.field !== "messages" || !phoneNumberId) {
      plan.skipped += count;
      return;
    }
    const bot = await infrastructure(() => bots.findByRoutingKey("meta", phoneNumberId));
    if (!bot) {
      logger.warn("webhook for a phone number no bot is configured with", { phoneNumberId });
      counters.inbound.inc({ provider: "meta", type: "any", outcome: "unrouted" }, count);
      plan.skipped += count;
      return;
    }
    const ref = { botId: bot.id, tenantId: bot.tenantId };
    const context = { botId: bot.id, tenantId: bot.tenantId, phoneNumberId };
    const names = new Map((value.contacts ?? []).flatMap((c) => (c.profile?.name ? [[c.wa_id, c.profile.name] as const] : [])));
    const items = [...(value.messages ?? []).map((raw) => ({ raw, normalise: () => normaliseMessage(ref, raw, names) })), ...(value.statuses ?? []).map((raw) => ({ raw, normalise: () => normaliseStatus(ref, raw) }))];
    for (const item of items) {
      // One item that cannot be processed must not hold back the others of its batch.
      let result: Normalised;
      try {
        result = item.normalise();
      } catch (error) {
        plan.letters.push({ reason: "item_failed", message: errorSummary(error), body: JSON.stringify(item.raw), context, error });
        continue;
      }
      if (result.ok) {
        plan.entries.push(result.entry);
      } else if (result.reason === "malformed") {
        counters.inbound.inc({ provider: "meta", type: result.type.slice(0, 32), outcome: result.reason });
        plan.letters.push({ reason: "malformed_item", message: result.problem.slice(0, 200), body: JSON.stringify(item.raw), context: { ...context, type: result.type.slice(0, 32) } });
      } else {
        plan.skipped++;
        counters.inbound.inc({ provider: "meta", type: result.type.slice(0, 32), outcome: result.reason });
        logger.info("inbound item not handled yet", { botId: bot.id, type: result.type, reason: result.reason });
      }
    }
  }

  async function planWebhook(webhook: MetaWebhook): Promise<Plan> {
    const plan: Plan = { entries: [], letters: [], skipped: 0 };
    for (const entry of webhook.entry) {
      for (const change of entry.changes) await planChange(change, plan);
    }
    return plan;
  }

  async function keep(letters: Letter[], receivedAt: string): Promise<void> {
    if (letters.length === 0) return;
    const stored: WebhookDeadLetter[] = letters.map(({ reason, message, body }) => ({ provider: "meta", reason, message, receivedAt, body }));
    await infrastructure(() => deadLetters.append(stored));
    for (const letter of letters) {
      counters.deadLettered.inc({ provider: "meta", reason: letter.reason });
      const fields = { provider: "meta", reason: letter.reason, detail: letter.message, bytes: Buffer.byteLength(letter.body), ...letter.context };
      // A reason that is our own bug is logged with its stack; bad input is only a warning. Never the body.
      if (letter.error !== undefined) logger.error("webhook dead-lettered", { ...fields, stack: letter.error instanceof Error ? letter.error.stack : undefined });
      else logger.warn("webhook dead-lettered", fields);
    }
  }

  return async function receiveMetaWebhook(rawBody: Buffer, signature: string | undefined): Promise<WebhookOutcome> {
    verifyMetaSignature(appSecret, rawBody, signature);
    const receivedAt = now().toISOString();
    const text = rawBody.toString("utf8");
    const deadLetterWhole = async (letter: Omit<Letter, "body" | "context">): Promise<WebhookOutcome> => {
      await keep([{ ...letter, body: text, context: {} }], receivedAt);
      return { appended: 0, duplicates: 0, skipped: 0, deadLettered: 1 };
    };

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // The parser's message quotes the body: a fixed one instead.
      return deadLetterWhole({ reason: "not_json", message: "Body is not JSON" });
    }
    const parsed = MetaWebhookSchema.safeParse(json);
    if (!parsed.success) {
      const problem = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
      return deadLetterWhole({ reason: "not_a_notification", message: `Not a Cloud API notification: ${problem}`.slice(0, 200) });
    }

    let plan: Plan;
    try {
      plan = await planWebhook(parsed.data);
    } catch (error) {
      if (error instanceof IntakeUnavailableError) throw error;
      return deadLetterWhole({ reason: "processing_failed", message: errorSummary(error), error });
    }
    const { appended, duplicates } = await infrastructure(() => inbound.appendOnce(plan.entries));
    // After the append: if keeping the dead letters fails, the retry finds the good entries deduped.
    await keep(plan.letters, receivedAt);
    if (appended > 0) counters.inbound.inc({ provider: "meta", type: "any", outcome: "accepted" }, appended);
    if (duplicates > 0) counters.inbound.inc({ provider: "meta", type: "any", outcome: "duplicate" }, duplicates);
    return { appended, duplicates, skipped: plan.skipped, deadLettered: plan.letters.length };
  };
}

export type ReceiveMetaWebhook = ReturnType<typeof createReceiveMetaWebhook>;
