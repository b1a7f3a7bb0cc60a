// SendMessages over a real gRPC client, through the real Meta sender, against the Graph API
// sandbox: a turn's replies in one call, in order, each with SendMessage's guarantees (its own
// idempotency key), stopping at the first reply that fails except one whose outcome is unknown.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { ProviderKind, type SendMessageResult } from "@fleet/contracts/adapter";
import { fromErrorFields } from "@fleet/grpc-bridge";
import { configureMetaBot, newTenant, rejectionOf, startAdapterHarness, type AdapterHarness } from "./harness.js";

const NUMBERS = {
  inOrder: "210000000000001",
  unknown: "210000000000002",
  rejected: "210000000000003",
  limits: "210000000000004",
  scoped: "210000000000005",
} as const;
const CUSTOMER = "5215512345678";

let h: AdapterHarness;
const tenantId = newTenant();

beforeAll(async () => {
  h = await startAdapterHarness({ phoneNumberIds: Object.values(NUMBERS) });
});

afterAll(async () => {
  await h.close();
});

const bots = new Map<string, Promise<string>>();
/** The bot on a sandbox number, configured on first use (a number has one bot). */
function botOn(phoneNumberId: string): Promise<string> {
  if (!bots.has(phoneNumberId)) bots.set(phoneNumberId, configureMetaBot(h.client, { tenantId, phoneNumberId, accessToken: h.accessToken }));
  return bots.get(phoneNumberId) as Promise<string>;
}

/** A turn's replies: texts with keys `<turn>:0`, `<turn>:1`, … */
function sendTexts(botId: string, turn: string, bodies: string[], options: { tenant?: string; replyTo?: string } = {}) {
  return h.client.sendMessages({
    tenantId: options.tenant ?? tenantId,
    botId,
    recipient: CUSTOMER,
    replyToProviderMessageId: options.replyTo ?? "",
    replies: bodies.map((body, index) => ({ content: { kind: { case: "text", value: { body, previewUrl: false } } }, idempotencyKey: `${turn}:${index}` })),
  });
}

function sentOf(result: SendMessageResult | undefined) {
  if (result?.outcome.case !== "sent") throw new Error(`expected a sent reply, got ${JSON.stringify(result?.outcome)}`);
  return result.outcome.value;
}

function errorOf(result: SendMessageResult | undefined) {
  if (result?.outcome.case !== "error") throw new Error(`expected a failed reply, got ${JSON.stringify(result?.outcome)}`);
  return fromErrorFields(result.outcome.value);
}

describe("SendMessages", () => {
  it("sends a turn's replies in order in one call, each in the context of the customer's message, and answers each one's wamid", async () => {
    const botId = await botOn(NUMBERS.inOrder);
    const inbound = "wamid.HBgNNTIxNTUxMjM0NTY3OBUCABIYFjNFQjBDMEE0RDQ5RjI4RTY0QzQ2AA==";

    const turn = `inbound:${randomUUID()}`;
    const { results } = await sendTexts(botId, turn, ["¡Hola!", "Este es el menú", "¿Qué te interesa?"], { replyTo: inbound });

    const sent = h.sandbox.store.sent({ phoneNumberId: NUMBERS.inOrder });
    expect(sent.map((record) => (record.body as { text: { body: string } }).text.body)).toEqual(["¡Hola!", "Este es el menú", "¿Qué te interesa?"]);
    for (const record of sent) expect(record.body).toMatchObject({ context: { message_id: inbound } });
    expect(results.map((result) => sentOf(result).providerMessageId)).toEqual(sent.map((record) => record.wamid));
    expect(results.map((result) => sentOf(result).provider)).toEqual([ProviderKind.META, ProviderKind.META, ProviderKind.META]);
    expect(results.map((result) => sentOf(result).replayed)).toEqual([false, false, false]);
    // Each result is recorded under its key (written with the next reply's claim, all before the answer).
    const records = await Promise.all([0, 1, 2].map((index) => h.redis.get(`idem:${botId}:${turn}:${index}`)));
    expect(records.map((raw) => JSON.parse(raw ?? "null") as unknown)).toEqual(sent.map((record) => ({ state: "done", providerMessageId: record.wamid, provider: "meta" })));
  });

  it("replays every reply of a call made again with the same keys (a redelivered turn) and sends nothing more", async () => {
    const botId = await botOn(NUMBERS.inOrder);
    const before = h.sandbox.store.sent({ phoneNumberId: NUMBERS.inOrder }).length;
    const turn = `inbound:${randomUUID()}`;

    const first = await sendTexts(botId, turn, ["Uno", "Dos"]);
    const again = await sendTexts(botId, turn, ["Uno", "Dos"]);

    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.inOrder })).toHaveLength(before + 2);
    expect(again.results.map((result) => sentOf(result).replayed)).toEqual([true, true]);
    expect(again.results.map((result) => sentOf(result).providerMessageId)).toEqual(first.results.map((result) => sentOf(result).providerMessageId));
  });

  it("goes on after a reply whose outcome is unknown (never sent again), and answers it as SEND_OUTCOME_UNKNOWN", async () => {
    const botId = await botOn(NUMBERS.unknown);
    h.sandbox.faults.add({ phoneNumberId: NUMBERS.unknown, kind: "missing_message_id" });

    const { results } = await sendTexts(botId, `inbound:${randomUUID()}`, ["¿llegó?", "Sigo aquí", "Y aquí"]);

    expect(results).toHaveLength(3);
    expect(errorOf(results[0])).toMatchObject({ kind: "failed_precondition", code: "SEND_OUTCOME_UNKNOWN", details: { provider: "meta", providerCode: "PROVIDER_BAD_RESPONSE" } });
    expect(sentOf(results[1]).replayed).toBe(false);
    expect(sentOf(results[2]).replayed).toBe(false);
    // Accepted by "WhatsApp" three times: the first without an id, never retried.
    expect(h.sandbox.store.list({ phoneNumberId: NUMBERS.unknown })).toHaveLength(3);
  });

  it("stops at a reply the provider rejects: the ones after it are not attempted, and a later call sends them once", async () => {
    const botId = await botOn(NUMBERS.rejected);
    const turn = `inbound:${randomUUID()}`;
    h.sandbox.faults.add({ phoneNumberId: NUMBERS.rejected, code: 100, count: 1 });

    const { results } = await sendTexts(botId, turn, ["Uno", "Dos", "Tres"]);

    expect(results).toHaveLength(1);
    expect(errorOf(results[0])).toMatchObject({ kind: "invalid_argument", code: "PROVIDER_REJECTED_REQUEST" });
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.rejected })).toHaveLength(0);

    const later = await sendTexts(botId, turn, ["Uno", "Dos", "Tres"]);
    expect(later.results.map((result) => sentOf(result).replayed)).toEqual([false, false, false]);
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.rejected }).map((record) => (record.body as { text: { body: string } }).text.body)).toEqual(["Uno", "Dos", "Tres"]);
  });

  it("answers each reply's own validation error, stopping there", async () => {
    const botId = await botOn(NUMBERS.limits);

    const { results } = await sendTexts(botId, `inbound:${randomUUID()}`, ["Bien", "", "Nunca"]);

    expect(results).toHaveLength(2);
    expect(sentOf(results[0]).replayed).toBe(false);
    expect(errorOf(results[1])).toMatchObject({ kind: "invalid_argument", code: "INVALID_SEND_REQUEST" });
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.limits })).toHaveLength(1);
  });

  it.each([
    ["no replies", "NO_REPLIES", 0],
    ["more than 50 replies", "TOO_MANY_REPLIES", 51],
  ])("refuses a call with %s as invalid_argument %s, sending nothing", async (_name, code, count) => {
    const botId = await botOn(NUMBERS.limits);
    const before = h.sandbox.store.list({ phoneNumberId: NUMBERS.limits }).length;

    const error = await rejectionOf(sendTexts(botId, `inbound:${randomUUID()}`, Array.from({ length: count }, (_, i) => `#${i}`)));

    expect(error).toMatchObject({ kind: "invalid_argument", code });
    expect(h.sandbox.store.list({ phoneNumberId: NUMBERS.limits })).toHaveLength(before);
  });

  it("answers BOT_NOT_FOUND for another tenant's bot and sends nothing", async () => {
    const botId = await botOn(NUMBERS.scoped);

    const { results } = await sendTexts(botId, `inbound:${randomUUID()}`, ["Hola", "Adiós"], { tenant: newTenant() });

    expect(results).toHaveLength(1);
    expect(errorOf(results[0])).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
    expect(h.sandbox.store.list({ phoneNumberId: NUMBERS.scoped })).toHaveLength(0);
  });
});
