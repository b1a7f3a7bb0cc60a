// SendMessage over a real gRPC client, through the real Meta sender, against
// the Graph API sandbox on a real port: what reaches "WhatsApp", idempotency,
// retries, error mapping, tenant scoping, pacing, sends whose outcome cannot
// be known, and the fallback to a bot's next provider.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { ProviderKind } from "@fleet/contracts/adapter";
import { Counter, Gauge, Histogram } from "prom-client";
import { createLogger } from "@fleet/service-kit";
import { freePort } from "@fleet/testing";
import { basePolicy } from "../src/providers/base-url.js";
import { metaProvider } from "../src/providers/meta/meta.provider.js";
import type { MessageSender, ProviderDescriptor } from "../src/providers/provider.js";
import { createProviderRegistry } from "../src/providers/provider-registry.js";
import { createOfferedChoicesRepository } from "../src/repositories/offered-choices.repository.js";
import { createBotHealthRepository } from "../src/repositories/bot-health.repository.js";
import type { BotRecord } from "../src/repositories/bots.repository.js";
import { createIdempotencyRepository } from "../src/repositories/idempotency.repository.js";
import { createRedisPacer } from "../src/repositories/pacer.js";
import { createSendMessage } from "../src/use-cases/send-message.use-case.js";
import { configureMetaBot, newTenant, rejectionOf, startAdapterHarness, type AdapterHarness } from "./harness.js";

const NUMBERS = {
  plain: "200000000000001",
  idempotent: "200000000000002",
  concurrent: "200000000000003",
  retryable: "200000000000004",
  rejected100: "200000000000005",
  rejected131008: "200000000000006",
  wrongToken: "200000000000007",
  scoped: "200000000000008",
  validation: "200000000000009",
  paced: "200000000000010",
  reply: "200000000000011",
  slowCaller: "200000000000012",
  timeout: "200000000000013",
  dropped: "200000000000014",
  noId: "200000000000015",
  leaseExpired: "200000000000016",
  oneContact: "200000000000017",
  fallbackFirst: "200000000000018",
  fallbackSecond: "200000000000019",
  pairLimited: "200000000000020",
  replayPaced: "200000000000021",
} as const;

const CUSTOMER = "5215512345678";
const OTHER_CUSTOMER = "5215587654321";

let h: AdapterHarness;
const tenantId = newTenant();

beforeAll(async () => {
  h = await startAdapterHarness({ phoneNumberIds: Object.values(NUMBERS) });
});

afterAll(async () => {
  await h.close();
});

function botOn(phoneNumberId: string, options: { accessToken?: string; settings?: Record<string, string>; tenant?: string } = {}): Promise<string> {
  return configureMetaBot(h.client, { tenantId: options.tenant ?? tenantId, phoneNumberId, accessToken: options.accessToken ?? h.accessToken, settings: options.settings });
}

interface TextSend {
  botId: string;
  body: string;
  idempotencyKey?: string;
  recipient?: string;
  tenant?: string;
  replyTo?: string;
}

function sendText({ botId, body, idempotencyKey = `reply:${randomUUID()}:0`, recipient = CUSTOMER, tenant = tenantId, replyTo = "" }: TextSend) {
  return h.client.sendMessage({
    tenantId: tenant,
    botId,
    recipient,
    content: { kind: { case: "text", value: { body, previewUrl: false } } },
    idempotencyKey,
    replyToProviderMessageId: replyTo,
  });
}

describe("SendMessage", () => {
  it("finishes a send whose caller gave up, so the caller's retry gets the stored result instead of a second send", async () => {
    const botId = await botOn(NUMBERS.slowCaller);
    const idempotencyKey = `reply:${randomUUID()}:0`;
    h.sandbox.setResponseDelay(1500);
    try {
      const first = await rejectionOf(
        h.client.sendMessage({ tenantId, botId, recipient: CUSTOMER, idempotencyKey, content: { kind: { case: "text", value: { body: "slow" } } } }, { deadlineMs: 500 }),
      );
      expect(first.kind).toBe("deadline_exceeded");
      await new Promise((resolve) => setTimeout(resolve, 1500));
    } finally {
      h.sandbox.setResponseDelay(0);
    }
    const retry = await sendText({ botId, body: "slow", idempotencyKey });
    expect(retry.replayed).toBe(true);
    const sent = h.sandbox.store.sent({ phoneNumberId: NUMBERS.slowCaller });
    expect(sent).toHaveLength(1);
    expect(retry.providerMessageId).toBe(sent[0]?.wamid);
  });

  it("delivers a text to the Cloud API and returns the wamid it answered with", async () => {
    const botId = await botOn(NUMBERS.plain);

    const response = await sendText({ botId, body: "¡Hola! Sí tenemos talla 27." });

    const sent = h.sandbox.store.sent({ phoneNumberId: NUMBERS.plain });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: CUSTOMER, type: "text", body: { messaging_product: "whatsapp", to: CUSTOMER, type: "text", text: { body: "¡Hola! Sí tenemos talla 27." } } });
    expect(response.providerMessageId).toBe(sent[0]?.wamid);
    expect(response.provider).toBe(ProviderKind.META);
    expect(response.replayed).toBe(false);
  });

  it("sends a reply in the context of the customer's message", async () => {
    const botId = await botOn(NUMBERS.reply);
    const inboundWamid = "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjBDMEE0RDQ5RjI4RTY0QzQ2AA==";

    await sendText({ botId, body: "Con gusto", replyTo: inboundWamid });

    const sent = h.sandbox.store.sent({ phoneNumberId: NUMBERS.reply });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toMatchObject({ context: { message_id: inboundWamid } });
  });

  it("replays the first result for a repeated idempotency key and sends nothing the second time", async () => {
    const botId = await botOn(NUMBERS.idempotent);
    const idempotencyKey = `inbound:${randomUUID()}:1`;

    const first = await sendText({ botId, body: "Tu pedido va en camino", idempotencyKey });
    const second = await sendText({ botId, body: "Tu pedido va en camino", idempotencyKey });

    expect(first.replayed).toBe(false);
    expect(second).toMatchObject({ providerMessageId: first.providerMessageId, provider: ProviderKind.META, replayed: true });
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.idempotent })).toHaveLength(1);
  });

  it("sends once when two calls with the same idempotency key race, and both get the same message id", async () => {
    const botId = await botOn(NUMBERS.concurrent);
    const idempotencyKey = `inbound:${randomUUID()}:2`;

    const [a, b] = await Promise.all([sendText({ botId, body: "Gracias", idempotencyKey }), sendText({ botId, body: "Gracias", idempotencyKey })]);

    const sent = h.sandbox.store.sent({ phoneNumberId: NUMBERS.concurrent });
    expect(sent).toHaveLength(1);
    expect(a.providerMessageId).toBe(sent[0]?.wamid);
    expect(b.providerMessageId).toBe(sent[0]?.wamid);
    expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
  });

  it("retries a retryable Graph error (131000) and succeeds with a single accepted send", async () => {
    const botId = await botOn(NUMBERS.retryable);
    h.sandbox.faults.add({ phoneNumberId: NUMBERS.retryable, code: 131000, count: 1 });

    const response = await sendText({ botId, body: "Intento con reintento" });

    const sent = h.sandbox.store.sent({ phoneNumberId: NUMBERS.retryable });
    expect(sent).toHaveLength(1);
    expect(response.providerMessageId).toBe(sent[0]?.wamid);
    expect(h.sandbox.store.rejected({ phoneNumberId: NUMBERS.retryable }).map((r) => r.code)).toEqual([131000]);
  });

  it.each([
    [100, NUMBERS.rejected100],
    [131008, NUMBERS.rejected131008],
  ])("answers invalid_argument PROVIDER_REJECTED_REQUEST to Graph error %i without retrying, and frees the idempotency key", async (code, phoneNumberId) => {
    const botId = await botOn(phoneNumberId);
    const idempotencyKey = `inbound:${randomUUID()}:3`;
    h.sandbox.faults.add({ phoneNumberId, code, count: 1 });

    const error = await rejectionOf(sendText({ botId, body: "Hola", idempotencyKey }));

    expect(error).toMatchObject({ kind: "invalid_argument", code: "PROVIDER_REJECTED_REQUEST" });
    expect(h.sandbox.store.rejected({ phoneNumberId })).toHaveLength(1);
    expect(h.sandbox.store.sent({ phoneNumberId })).toHaveLength(0);

    const later = await sendText({ botId, body: "Hola", idempotencyKey });

    expect(later.replayed).toBe(false);
    const sent = h.sandbox.store.sent({ phoneNumberId });
    expect(sent).toHaveLength(1);
    expect(later.providerMessageId).toBe(sent[0]?.wamid);
  });

  it("answers failed_precondition PROVIDER_CREDENTIALS_INVALID when Graph rejects the bot's token (190), without retrying", async () => {
    const botId = await botOn(NUMBERS.wrongToken, { accessToken: "EAAGthis-token-was-revoked-long-ago" });

    const error = await rejectionOf(sendText({ botId, body: "Hola" }));

    expect(error).toMatchObject({ kind: "failed_precondition", code: "PROVIDER_CREDENTIALS_INVALID" });
    expect(h.sandbox.store.rejected({ phoneNumberId: NUMBERS.wrongToken }).map((r) => r.code)).toEqual([190]);
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.wrongToken })).toHaveLength(0);
  });

  it("answers not_found BOT_NOT_FOUND for a bot that does not exist", async () => {
    const error = await rejectionOf(sendText({ botId: randomUUID(), body: "Hola" }));

    expect(error).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
  });

  it("answers not_found (not INTERNAL) for a bot id that is not a UUID", async () => {
    const error = await rejectionOf(sendText({ botId: "not-a-bot-id", body: "Hola" }));

    expect(error).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
  });

  describe("tenant scoping", () => {
    let botId: string;
    const otherTenant = newTenant();

    beforeAll(async () => {
      botId = await botOn(NUMBERS.scoped);
    });

    it("answers not_found to a tenant sending through another tenant's bot, and sends nothing", async () => {
      const error = await rejectionOf(sendText({ botId, body: "Hola", tenant: otherTenant }));

      expect(error).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
      expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.scoped })).toHaveLength(0);
    });

    it("does not replay another tenant's result for an idempotency key that tenant already used", async () => {
      const idempotencyKey = `inbound:${randomUUID()}:0`;
      const owner = await sendText({ botId, body: "Tu pedido #1042 está listo", idempotencyKey });

      const error = await rejectionOf(sendText({ botId, body: "Tu pedido #1042 está listo", idempotencyKey, tenant: otherTenant }));

      expect(error).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
      expect(JSON.stringify(error.details ?? null)).not.toContain(owner.providerMessageId);
      expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.scoped })).toHaveLength(1);
    });
  });

  describe("request validation", () => {
    let botId: string;

    beforeAll(async () => {
      botId = await botOn(NUMBERS.validation);
    });

    it.each([
      ["an empty text", { body: "" }, "text body"],
      ["a text longer than 4096 characters", { body: "a".repeat(4097) }, "text body"],
      ["a recipient that is not a phone number", { body: "Hola", recipient: "call me maybe" }, "recipient"],
      ["a missing idempotency key", { body: "Hola", idempotencyKey: "" }, "idempotency_key"],
    ])("rejects %s with invalid_argument INVALID_SEND_REQUEST naming the problem, and sends nothing", async (_name, fields, problem) => {
      const error = await rejectionOf(sendText({ botId, ...fields }));

      expect(error).toMatchObject({ kind: "invalid_argument", code: "INVALID_SEND_REQUEST" });
      expect(Array.isArray(error.details)).toBe(true);
      expect(JSON.stringify(error.details)).toContain(problem);
      expect(h.sandbox.store.list({ phoneNumberId: NUMBERS.validation })).toHaveLength(0);
    });

    it("accepts a text of exactly 4096 characters", async () => {
      const body = "b".repeat(4096);

      await sendText({ botId, body });

      const sent = h.sandbox.store.sent({ phoneNumberId: NUMBERS.validation });
      expect(sent).toHaveLength(1);
      expect(sent[0]?.body).toMatchObject({ text: { body } });
    });
  });

  it("paces sends to the number's configured rate so the Cloud API never answers 130429", async () => {
    const botId = await botOn(NUMBERS.paced, { settings: { messages_per_second: "2" } });
    h.sandbox.limiter.setRate(2);
    try {
      const started = Date.now();
      const responses = await Promise.all(Array.from({ length: 5 }, (_, i) => sendText({ botId, body: `Mensaje ${i + 1}` })));

      expect(h.sandbox.store.rejected({ phoneNumberId: NUMBERS.paced })).toEqual([]);
      const sent = h.sandbox.store.sent({ phoneNumberId: NUMBERS.paced });
      expect(sent).toHaveLength(5);
      expect(new Set(responses.map((r) => r.providerMessageId))).toEqual(new Set(sent.map((s) => s.wamid)));
      // 5 sends at 2 per second cannot all go out in the first second.
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    } finally {
      h.sandbox.limiter.setRate(80);
    }
  });
});

describe("SendMessage's pacing slot, asked for together with the claim", () => {
  it("frees at once the slot asked for with the claim of a key already sent: replays take none of the number's rate", async () => {
    const botId = await botOn(NUMBERS.replayPaced, { settings: { messages_per_second: "2" } });
    const idempotencyKey = `reply:${randomUUID()}:0`;
    const first = await sendText({ botId, body: "Hola", idempotencyKey });

    const replays = await Promise.all(Array.from({ length: 4 }, () => sendText({ botId, body: "Hola", idempotencyKey })));

    expect(replays.map((r) => r.providerMessageId)).toEqual(Array(4).fill(first.providerMessageId));
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.replayPaced })).toHaveLength(1);
    // The first send's slot counts for a second after its answer; each replay's was taken with its claim and cancelled.
    const slots = () => h.redis.zcard(`pace:meta:${NUMBERS.replayPaced}`);
    const until = Date.now() + 2000;
    while ((await slots()) !== 1 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await slots()).toBe(1);
  });
});

describe("SendMessage when the provider may have accepted the message", () => {
  /** The idempotency record of a key, as the adapter stores it (under the harness's key prefix). */
  const recordTtl = (botId: string, idempotencyKey: string) => h.redis.ttl(`idem:${botId}:${idempotencyKey}`);

  async function expectOutcomeUnknown(phoneNumberId: string, providerCode: string, provoke: () => void, restore: () => void = () => undefined) {
    const botId = await botOn(phoneNumberId);
    const idempotencyKey = `reply:${randomUUID()}:0`;
    provoke();
    let first;
    try {
      first = await rejectionOf(sendText({ botId, body: "¿llegó?", idempotencyKey }));
    } finally {
      restore();
    }

    expect(first).toMatchObject({ kind: "failed_precondition", code: "SEND_OUTCOME_UNKNOWN", details: { provider: "meta", providerCode } });
    // Accepted once by "WhatsApp", and not retried.
    expect(h.sandbox.store.sent({ phoneNumberId })).toHaveLength(1);
    expect(h.sandbox.store.rejected({ phoneNumberId })).toHaveLength(0);

    const again = await rejectionOf(sendText({ botId, body: "¿llegó?", idempotencyKey }));

    expect(again).toMatchObject({ kind: "failed_precondition", code: "SEND_OUTCOME_UNKNOWN", details: { provider: "meta", providerCode } });
    expect(h.sandbox.store.list({ phoneNumberId })).toHaveLength(1);
    // Remembered for the whole IDEMPOTENCY_TTL_S, far beyond any redelivery of the caller.
    expect(await recordTtl(botId, idempotencyKey)).toBeGreaterThan(h.config.IDEMPOTENCY_TTL_S - 60);
  }

  it("answers SEND_OUTCOME_UNKNOWN after a provider timeout, without retrying, and a later call with the key sends nothing", async () => {
    await expectOutcomeUnknown(
      NUMBERS.timeout,
      "PROVIDER_TIMEOUT",
      () => h.sandbox.setResponseDelay(h.config.PROVIDER_TIMEOUT_MS + 500),
      () => h.sandbox.setResponseDelay(0),
    );
  });

  it("answers SEND_OUTCOME_UNKNOWN when the connection drops after the request was written, and a later call sends nothing", async () => {
    await expectOutcomeUnknown(NUMBERS.dropped, "PROVIDER_CONNECTION_LOST", () => h.sandbox.faults.add({ phoneNumberId: NUMBERS.dropped, kind: "drop_connection" }));
  });

  it("answers SEND_OUTCOME_UNKNOWN when the provider answers 200 without a message id, and a later call sends nothing", async () => {
    await expectOutcomeUnknown(NUMBERS.noId, "PROVIDER_BAD_RESPONSE", () => h.sandbox.faults.add({ phoneNumberId: NUMBERS.noId, kind: "missing_message_id" }));
  });

  it("treats a send whose sender died mid-send (pending claim, lease expired, no result) as SEND_OUTCOME_UNKNOWN, not as free", async () => {
    const botId = await botOn(NUMBERS.leaseExpired);
    const idempotencyKey = `reply:${randomUUID()}:0`;
    // What a replica that claimed the key and died mid-send leaves behind.
    const dyingReplica = createIdempotencyRepository(h.redis, { ttlS: h.config.IDEMPOTENCY_TTL_S, leaseMs: 1 });
    expect(await dyingReplica.claim(`${botId}:${idempotencyKey}`)).toEqual({ state: "claimed" });
    await new Promise((resolve) => setTimeout(resolve, 20));

    const error = await rejectionOf(sendText({ botId, body: "Hola", idempotencyKey }));

    expect(error).toMatchObject({ kind: "failed_precondition", code: "SEND_OUTCOME_UNKNOWN", details: { providerCode: "LEASE_EXPIRED" } });
    expect(h.sandbox.store.list({ phoneNumberId: NUMBERS.leaseExpired })).toHaveLength(0);
    expect(await recordTtl(botId, idempotencyKey)).toBeGreaterThan(h.config.IDEMPOTENCY_TTL_S - 60);
  });

  it("answers 'claimed' again to the claim's own owner (a claim resent after a Redis restart lost its reply), 'in progress' to anyone else, and frees a released key", async () => {
    const idempotency = createIdempotencyRepository(h.redis, { ttlS: h.config.IDEMPOTENCY_TTL_S, leaseMs: 60_000 });
    const key = `owner-test:${randomUUID()}`;
    expect(await idempotency.claim(key, "call-a")).toEqual({ state: "claimed" });
    expect(await idempotency.claim(key, "call-a")).toEqual({ state: "claimed" });
    expect(await idempotency.claim(key, "call-b")).toEqual({ state: "in_progress" });
    await idempotency.release(key);
    expect(await idempotency.claim(key, "call-b")).toEqual({ state: "claimed" });
    // Releasing as another owner leaves call-b's claim alone; as call-b, it goes.
    await idempotency.release(key, "call-a");
    expect(await idempotency.claim(key, "call-c")).toEqual({ state: "in_progress" });
    await idempotency.release(key, "call-b");
    expect(await idempotency.claim(key, "call-c")).toEqual({ state: "claimed" });
  });

  it("retries a transient failure scoped to one contact (503 / code 2) and sends once to each contact", async () => {
    const botId = await botOn(NUMBERS.oneContact);
    h.sandbox.faults.add({ phoneNumberId: NUMBERS.oneContact, to: OTHER_CUSTOMER, code: 2, count: 1 });

    const [toCustomer, toOther] = await Promise.all([sendText({ botId, body: "Hola" }), sendText({ botId, body: "Hola", recipient: OTHER_CUSTOMER })]);

    expect(h.sandbox.store.rejected({ phoneNumberId: NUMBERS.oneContact }).map((r) => [r.to, r.code])).toEqual([[OTHER_CUSTOMER, 2]]);
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.oneContact, to: CUSTOMER }).map((s) => s.wamid)).toEqual([toCustomer.providerMessageId]);
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.oneContact, to: OTHER_CUSTOMER }).map((s) => s.wamid)).toEqual([toOther.providerMessageId]);
  });
});

describe("SendMessage and the bot's circuit breaker", () => {
  it("does not open the bot's circuit for one contact's pair rate limit (131056): its other contacts still get their messages", async () => {
    const botId = await botOn(NUMBERS.pairLimited);
    h.sandbox.faults.add({ phoneNumberId: NUMBERS.pairLimited, to: OTHER_CUSTOMER, code: 131056, count: 50 });
    for (let i = 0; i < 6; i++) {
      const rejection = await rejectionOf(sendText({ botId, body: `again ${i}`, recipient: OTHER_CUSTOMER }));
      expect(rejection.code).toBe("PROVIDER_PAIR_RATE_LIMITED");
    }
    const sent = await sendText({ botId, body: "Hola" });
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.pairLimited, to: CUSTOMER }).map((s) => s.wamid)).toEqual([sent.providerMessageId]);
  }, 30_000);
});

describe("SendMessage with a fallback provider", () => {
  // The use case composed by hand: the adapter wires one real sender (meta) today, and a fallback
  // needs a second. "official" here is the same Cloud API wire, pointed at the same sandbox.
  const RETRY_ATTEMPTS = 2;
  let closedPort: number;

  beforeAll(async () => {
    closedPort = await freePort();
  });

  /** A Cloud API provider of `kind` whose sender counts its calls. */
  function counting(kind: ProviderDescriptor["kind"]) {
    const cloudApi = metaProvider({ baseUrl: h.sandboxUrl, version: "v23.0", timeoutMs: h.config.PROVIDER_TIMEOUT_MS, appSecret: h.appSecret, mediaMaxBytes: 1024 * 1024, baseUrls: basePolicy(h.sandboxUrl, ["127.0.0.1"], true) });
    const calls = { count: 0 };
    const sender: MessageSender = {
      send(account, request, signal) {
        calls.count++;
        if (!cloudApi.sender) throw new Error("the Meta provider has a sender");
        return cloudApi.sender.send(account, request, signal);
      },
    };
    return { descriptor: { ...cloudApi, kind, sender }, calls };
  }

  function compose(firstBaseUrl: string) {
    const meta = counting("meta");
    const official = counting("official");
    const bot: BotRecord = {
      id: randomUUID(),
      tenantId,
      displayName: "Shop with a fallback",
      providers: [
        { kind: "meta", settings: { phone_number_id: NUMBERS.fallbackFirst, base_url: firstBaseUrl }, secrets: { access_token: h.accessToken }, routingKey: NUMBERS.fallbackFirst },
        { kind: "official", settings: { phone_number_id: NUMBERS.fallbackSecond }, secrets: { access_token: h.accessToken }, routingKey: NUMBERS.fallbackSecond },
      ],
    };
    const sendMessage = createSendMessage({
      bots: { find: async (tenant, botId) => (tenant === bot.tenantId && botId === bot.id ? bot : null) },
      idempotency: createIdempotencyRepository(h.redis, { ttlS: h.config.IDEMPOTENCY_TTL_S, leaseMs: h.config.PROVIDER_TIMEOUT_MS * 3 }),
      providers: createProviderRegistry([meta.descriptor, official.descriptor]),
      choices: createOfferedChoicesRepository(h.redis),
      pace: createRedisPacer(h.redis, { maxInFlightMs: h.config.PROVIDER_TIMEOUT_MS }),
      botHealth: createBotHealthRepository(h.redis),
      logger: createLogger({ service: "whatsapp-adapter", level: "error" }),
      metrics: {
        sent: new Counter({ name: "test_sent_total", help: "test", labelNames: ["provider"] as const, registers: [] }),
        errors: new Counter({ name: "test_errors_total", help: "test", labelNames: ["provider", "code"] as const, registers: [] }),
        duration: new Histogram({ name: "test_send_seconds", help: "test", labelNames: ["provider"] as const, registers: [] }),
        openCircuits: new Gauge({ name: "test_circuits_open", help: "test", labelNames: ["provider"] as const, registers: [] }),
      },
      retryAttempts: RETRY_ATTEMPTS,
    });
    const send = (idempotencyKey: string) =>
      sendMessage({ tenantId, botId: bot.id, recipient: CUSTOMER, content: { type: "text", body: "Hola", previewUrl: false }, idempotencyKey, deadline: Date.now() + 15_000 });
    return { send, meta: meta.calls, official: official.calls };
  }

  it("retries a refused connection (nothing was sent) and then falls back to the next provider", async () => {
    const { send, meta, official } = compose(`http://127.0.0.1:${closedPort}`);

    const result = await send(`reply:${randomUUID()}:0`);

    expect(meta.count).toBe(RETRY_ATTEMPTS + 1);
    expect(official.count).toBe(1);
    const sent = h.sandbox.store.sent({ phoneNumberId: NUMBERS.fallbackSecond });
    expect(result).toMatchObject({ provider: "official", providerMessageId: sent.at(-1)?.wamid, replayed: false });
  });

  it("never falls back (nor retries) after a connection lost mid-send, and a later call with the key sends nothing", async () => {
    const { send, meta, official } = compose(h.sandboxUrl);
    const idempotencyKey = `reply:${randomUUID()}:0`;
    const before = h.sandbox.store.list().length;
    h.sandbox.faults.add({ phoneNumberId: NUMBERS.fallbackFirst, kind: "drop_connection" });

    const first = await rejectionOf(send(idempotencyKey));
    const again = await rejectionOf(send(idempotencyKey));

    expect(first).toMatchObject({ code: "SEND_OUTCOME_UNKNOWN", details: { provider: "meta", providerCode: "PROVIDER_CONNECTION_LOST" } });
    expect(first.retryable).toBe(false);
    expect(again).toMatchObject({ code: "SEND_OUTCOME_UNKNOWN", details: { provider: "meta", providerCode: "PROVIDER_CONNECTION_LOST" } });
    expect([meta.count, official.count]).toEqual([1, 0]);
    expect(h.sandbox.store.list().slice(before).map((r) => [r.phoneNumberId, r.outcome])).toEqual([[NUMBERS.fallbackFirst, "accepted"]]);
  });
});
