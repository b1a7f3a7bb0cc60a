// A Cloud API webhook: verified on the raw bytes before anything else, then
// every message and status of every entry/change is routed to its bot by
// phone_number_id, normalised, and appended once to wa.inbound.
import type { InboundEntry } from "@fleet/contracts";
import { AppError, type Logger } from "@fleet/service-kit";
import type { Counter } from "prom-client";
import { MetaWebhookSchema, normaliseMessage, normaliseStatus, verifyMetaSignature, type MetaChange } from "../providers/meta/meta-webhook.js";
import type { BotCache } from "../repositories/bot-cache.js";
import type { InboundRepository } from "../repositories/inbound.repository.js";

export interface ReceiveMetaWebhookDeps {
  appSecret: string;
  bots: BotCache;
  inbound: InboundRepository;
  logger: Logger;
  counters: { inbound: Counter<"provider" | "type" | "outcome"> };
}

export interface WebhookOutcome {
  appended: number;
  duplicates: number;
  skipped: number;
}

export function createReceiveMetaWebhook({ appSecret, bots, inbound, logger, counters }: ReceiveMetaWebhookDeps) {
  async function entriesOf(change: MetaChange): Promise<{ entries: InboundEntry[]; skipped: number }> {
    const { value } = change;
    const phoneNumberId = value.metadata?.phone_number_id;
    const count = (value.messages?.length ?? 0) + (value.statuses?.length ?? 0);
    if (change.field !== "messages" || !phoneNumberId) return { entries: [], skipped: count };
    const bot = await bots.findByRoutingKey("meta", phoneNumberId);
    if (!bot) {
      logger.warn("webhook for a phone number no bot is configured with", { phoneNumberId });
      counters.inbound.inc({ provider: "meta", type: "any", outcome: "unrouted" }, count);
      return { entries: [], skipped: count };
    }
    const ref = { botId: bot.id, tenantId: bot.tenantId };
    const names = new Map((value.contacts ?? []).flatMap((c) => (c.profile?.name ? [[c.wa_id, c.profile.name] as const] : [])));
    const entries: InboundEntry[] = [];
    let skipped = 0;
    const results = [...(value.messages ?? []).map((m) => normaliseMessage(ref, m, names)), ...(value.statuses ?? []).map((s) => normaliseStatus(ref, s))];
    for (const result of results) {
      if (result.ok) {
        entries.push(result.entry);
      } else {
        skipped++;
        counters.inbound.inc({ provider: "meta", type: result.type.slice(0, 32), outcome: result.reason });
        logger.info("inbound item not handled yet", { botId: bot.id, type: result.type, reason: result.reason });
      }
    }
    return { entries, skipped };
  }

  return async function receiveMetaWebhook(rawBody: Buffer, signature: string | undefined): Promise<WebhookOutcome> {
    verifyMetaSignature(appSecret, rawBody, signature);
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString("utf8"));
    } catch {
      throw new AppError("invalid_argument", "MALFORMED_PAYLOAD", "Webhook body is not JSON");
    }
    const parsed = MetaWebhookSchema.safeParse(json);
    if (!parsed.success) throw new AppError("invalid_argument", "MALFORMED_PAYLOAD", "Webhook body is not a Cloud API notification", { details: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".")}: ${i.message}`) });

    const entries: InboundEntry[] = [];
    let skipped = 0;
    let stored: { appended: number; duplicates: number };
    try {
      for (const entry of parsed.data.entry) {
        for (const change of entry.changes) {
          const result = await entriesOf(change);
          entries.push(...result.entries);
          skipped += result.skipped;
        }
      }
      stored = await inbound.appendOnce(entries);
    } catch (error) {
      // Not a 500: the provider must retry later, and dedupe makes the retry safe.
      throw new AppError("unavailable", "INTAKE_UNAVAILABLE", "Cannot accept webhooks right now", { cause: error });
    }
    const { appended, duplicates } = stored;
    if (appended > 0) counters.inbound.inc({ provider: "meta", type: "any", outcome: "accepted" }, appended);
    if (duplicates > 0) counters.inbound.inc({ provider: "meta", type: "any", outcome: "duplicate" }, duplicates);
    return { appended, duplicates, skipped };
  };
}

export type ReceiveMetaWebhook = ReturnType<typeof createReceiveMetaWebhook>;
