// The live connection of Baileys bots over a real gRPC client: WatchConnection
// streams what sessions publish (through connection-updates on real Redis) in
// order, GetConnection answers the latest, RequestPairingCode checks its input
// and the bot's tenant before asking a session.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { ConnectionState, ProviderKind, type WatchConnectionResponse } from "@fleet/contracts/adapter";
import { createLogger, createRedisClient, type RedisClient } from "@fleet/service-kit";
import { createConnectionUpdates, type ConnectionUpdates } from "../src/sessions/connection-updates.js";
import { configureMetaBot, newTenant, rejectionOf, startAdapterHarness, type AdapterHarness } from "./harness.js";

const SHOP_NUMBER = "400000000000011";

let h: AdapterHarness;
let subscriber: RedisClient;
let updates: ConnectionUpdates;
const tenantId = newTenant();

beforeAll(async () => {
  h = await startAdapterHarness({ phoneNumberIds: [SHOP_NUMBER] });
  const logger = createLogger({ service: "watch-connection-test", level: "error" });
  subscriber = createRedisClient({ url: h.config.REDIS_URL, keyPrefix: h.config.REDIS_KEY_PREFIX, logger, name: "session-side" });
  // The side of the Baileys sessions: what they publish, the adapter streams.
  updates = createConnectionUpdates({ redis: h.redis, subscriber, keyPrefix: h.config.REDIS_KEY_PREFIX });
});

afterAll(async () => {
  subscriber.disconnect();
  await h.close();
});

async function baileysBot(tenant = tenantId): Promise<string> {
  const response = await h.client.configureBot({ tenantId: tenant, displayName: "Linked shop", providers: [{ kind: ProviderKind.BAILEYS, settings: {}, secrets: {} }] });
  const id = response.bot?.id;
  if (!id) throw new Error("ConfigureBot answered without a bot id");
  return id;
}

/** Reads `count` messages of a stream, then cancels it. */
async function take(stream: AsyncIterable<WatchConnectionResponse>, count: number, controller: AbortController): Promise<WatchConnectionResponse[]> {
  const seen: WatchConnectionResponse[] = [];
  for await (const message of stream) {
    seen.push(message);
    if (seen.length === count) controller.abort();
  }
  return seen;
}

describe("WatchConnection", () => {
  it("streams a placeholder until the session reports, then every update in order", async () => {
    const botId = await baileysBot();
    const controller = new AbortController();
    const iterator = h.client.watchConnection({ tenantId, botId }, { signal: controller.signal })[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.update).toMatchObject({ botId, state: ConnectionState.DISCONNECTED, seq: 0n });

    const at = Date.now();
    await updates.publish({ botId, tenantId, state: "connecting", at });
    await updates.publish({ botId, tenantId, state: "awaiting_pairing", qr: "2@QR-A", at: at + 1 });
    await updates.publish({ botId, tenantId, state: "awaiting_pairing", qr: "2@QR-B", at: at + 2 });
    await updates.publish({ botId, tenantId, state: "connected", at: at + 3 });
    const rest: WatchConnectionResponse[] = [];
    while (rest.length < 4) {
      const next = await iterator.next();
      if (next.done) break;
      rest.push(next.value);
    }
    controller.abort();
    expect(rest.map((message) => [message.update?.state, message.update?.qr])).toEqual([
      [ConnectionState.CONNECTING, ""],
      [ConnectionState.AWAITING_PAIRING, "2@QR-A"],
      [ConnectionState.AWAITING_PAIRING, "2@QR-B"],
      [ConnectionState.CONNECTED, ""],
    ]);
    expect(rest[1]?.update?.time?.seconds).toBe(BigInt(Math.floor((at + 1) / 1000)));
    expect(await iterator.next()).toMatchObject({ done: true });
  });

  it("starts with the latest update when the session already reported", async () => {
    const botId = await baileysBot();
    await updates.publish({ botId, tenantId, state: "awaiting_pairing", qr: "2@OLD", at: 1 });
    await updates.publish({ botId, tenantId, state: "needs_link", detail: "logged out", at: 2 });
    const controller = new AbortController();
    const [message] = await take(h.client.watchConnection({ tenantId, botId }, { signal: controller.signal }), 1, controller);
    expect(message?.update).toMatchObject({ botId, state: ConnectionState.NEEDS_LINK, detail: "logged out", qr: "" });
  });

  it("answers not_found for another tenant's bot and an unknown one, failed_precondition for a bot without Baileys", async () => {
    const botId = await baileysBot();
    const drain = async (stream: AsyncIterable<unknown>) => {
      for await (const message of stream) throw new Error(`unexpected message ${String(message)}`);
    };
    expect(await rejectionOf(drain(h.client.watchConnection({ tenantId: newTenant(), botId })))).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
    expect(await rejectionOf(drain(h.client.watchConnection({ tenantId, botId: randomUUID() })))).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
    expect(await rejectionOf(drain(h.client.watchConnection({ tenantId, botId: "not-a-uuid" })))).toMatchObject({ kind: "not_found" });
    const metaBot = await configureMetaBot(h.client, { tenantId, phoneNumberId: SHOP_NUMBER, accessToken: h.accessToken });
    expect(await rejectionOf(drain(h.client.watchConnection({ tenantId, botId: metaBot })))).toMatchObject({ kind: "failed_precondition", code: "NO_LIVE_CONNECTION" });
  });
});

describe("GetConnection of a Baileys bot", () => {
  it("answers the latest update's state, QR and pairing code", async () => {
    const botId = await baileysBot();
    expect(await h.client.getConnection({ tenantId, botId })).toMatchObject({ state: ConnectionState.DISCONNECTED, provider: ProviderKind.BAILEYS });
    await updates.publish({ botId, tenantId, state: "awaiting_pairing", qr: "2@QR-NOW", pairingCode: "ABCD1234", at: Date.now() });
    expect(await h.client.getConnection({ tenantId, botId })).toMatchObject({ state: ConnectionState.AWAITING_PAIRING, provider: ProviderKind.BAILEYS, qr: "2@QR-NOW", pairingCode: "ABCD1234" });
  });
});

describe("RequestPairingCode", () => {
  it("refuses a phone number that is not digits with a country code", async () => {
    const botId = await baileysBot();
    for (const phoneNumber of ["", "+5215512345678", "55 1234 5678", "1234567", "0215512345678"]) {
      expect(await rejectionOf(h.client.requestPairingCode({ tenantId, botId, phoneNumber }))).toMatchObject({ kind: "invalid_argument", code: "PHONE_NUMBER_INVALID" });
    }
  });

  it("answers not_found for another tenant's bot", async () => {
    const botId = await baileysBot();
    expect(await rejectionOf(h.client.requestPairingCode({ tenantId: newTenant(), botId, phoneNumber: "5215512345678" }))).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
  });
});
