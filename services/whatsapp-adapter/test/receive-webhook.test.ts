// The webhook intake's classification with fakes for its repositories: a bug
// of ours on a signed webhook is dead-lettered and acknowledged (Meta would
// retry it for days), while a failing repository means "retry later".
import { describe, expect, it } from "@jest/globals";
import { Counter } from "prom-client";
import { buildMessagesWebhook, signWebhookBody } from "@fleet/provider-sandbox";
import { AppError } from "@fleet/service-kit";
import { memoryLogger } from "@fleet/testing";
import type { BotRecord } from "../src/repositories/bots.repository.js";
import type { WebhookDeadLetter } from "../src/repositories/webhook-dead-letter.repository.js";
import { basePolicy } from "../src/providers/base-url.js";
import { metaProvider } from "../src/providers/meta/meta.provider.js";
import { createProviderRegistry } from "../src/providers/provider-registry.js";
import type { WebhookRequest } from "../src/providers/provider.js";
import { createReceiveWebhook } from "../src/use-cases/receive-webhook.use-case.js";

const APP_SECRET = "0123456789abcdef0123456789abcdef";
const SHOP_NUMBER = "106540352242922";
const { logger } = memoryLogger("whatsapp-adapter", "error");

function intake(findByRoutingKey: () => Promise<BotRecord | null>, { deadLetterFails = false } = {}) {
  const appended: unknown[] = [];
  const letters: WebhookDeadLetter[] = [];
  const receiveWebhook = createReceiveWebhook({
    providers: createProviderRegistry([
      metaProvider({ baseUrl: "https://graph.facebook.com", version: "v23.0", timeoutMs: 1000, appSecret: APP_SECRET, mediaMaxBytes: 1024 * 1024, baseUrls: basePolicy("https://graph.facebook.com", [], false) }),
    ]),
    choices: { find: async () => null },
    bots: { findByRoutingKey, findById: async () => null },
    inbound: {
      async appendOnce(entries) {
        appended.push(...entries);
        return { appended: entries.length, duplicates: 0, messages: entries.filter((e) => e.kind === "message").length };
      },
    },
    deadLetters: {
      async append(batch) {
        if (deadLetterFails) throw new Error("connection is closed");
        letters.push(...batch);
      },
    },
    logger,
    counters: {
      inbound: new Counter({ name: "t_inbound_items_total", help: "t", labelNames: ["provider", "type", "outcome"] as const, registers: [] }),
      deadLettered: new Counter({ name: "t_dead_lettered_total", help: "t", labelNames: ["provider", "reason"] as const, registers: [] }),
      received: new Counter({ name: "t_received_total", help: "t", labelNames: ["provider"] as const, registers: [] }),
    },
    now: () => new Date("2026-11-22T10:00:00.000Z"),
  });
  const receive = (rawBody: Buffer, signature: string | undefined) => {
    const request: WebhookRequest = { rawBody, headers: signature === undefined ? {} : { "x-hub-signature-256": signature }, publicUrl: "https://fleet.test/webhooks/meta" };
    return receiveWebhook("meta", request);
  };
  return { receive, appended, letters };
}

const raw = Buffer.from(JSON.stringify(buildMessagesWebhook({ phoneNumberId: SHOP_NUMBER, displayPhoneNumber: "15550001111" }, [{ from: "5215512345678", text: "hola" }])));
const signature = signWebhookBody(APP_SECRET, raw.toString("utf8"));

/** A bot record our own code chokes on, standing in for any bug past the signature check. */
function brokenBot(): Promise<BotRecord> {
  const record: BotRecord = { id: "b1", tenantId: "t1", displayName: "Shop", providers: [] };
  Object.defineProperty(record, "tenantId", {
    get() {
      throw new TypeError("Cannot read properties of undefined");
    },
  });
  return Promise.resolve(record);
}

describe("receiveWebhook (Meta)", () => {
  it("dead-letters the whole body as processing_failed, and acknowledges it, when our own code throws on it", async () => {
    const { receive, appended, letters } = intake(brokenBot);

    const outcome = await receive(raw, signature);

    expect(outcome).toEqual({ appended: 0, duplicates: 0, skipped: 0, deadLettered: 1 });
    expect(appended).toEqual([]);
    expect(letters).toEqual([{ provider: "meta", reason: "processing_failed", message: expect.stringContaining("TypeError"), receivedAt: "2026-11-22T10:00:00.000Z", body: raw.toString("utf8") }]);
  });

  it("answers INTAKE_UNAVAILABLE when the bot lookup fails, and dead-letters nothing", async () => {
    const { receive, letters } = intake(() => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432")));

    const error = await receive(raw, signature).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ kind: "unavailable", code: "INTAKE_UNAVAILABLE" });
    expect(letters).toEqual([]);
  });

  it("answers INTAKE_UNAVAILABLE when the dead letter of a poison body cannot be written", async () => {
    const { receive } = intake(brokenBot, { deadLetterFails: true });

    await expect(receive(Buffer.from("not json"), signWebhookBody(APP_SECRET, "not json"))).rejects.toMatchObject({ code: "INTAKE_UNAVAILABLE" });
  });
});
