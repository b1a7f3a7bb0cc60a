// The shared link-state feed of Baileys bots on real Redis: order, latest-first,
// several watchers on one subscriber connection, and a watcher that stops.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { createTestRedis, type TestRedis } from "@fleet/testing";
import { connectionUpdatesChannel, createConnectionUpdates, type ConnectionUpdate, type ConnectionUpdates } from "../src/sessions/connection-updates.js";

let test: TestRedis;
let subscriber: Redis;
let raw: Redis;
let updates: ConnectionUpdates;

beforeAll(async () => {
  test = await createTestRedis();
  subscriber = new Redis(test.url, { keyPrefix: test.prefix });
  raw = new Redis(test.url);
  updates = createConnectionUpdates({ redis: test.redis, subscriber, keyPrefix: test.prefix });
});

afterAll(async () => {
  subscriber.disconnect();
  raw.disconnect();
  await test.cleanup();
});

/** Collects `count` updates of a watch, then aborts it. */
async function collect(iterable: AsyncIterable<ConnectionUpdate>, count: number, controller: AbortController): Promise<ConnectionUpdate[]> {
  const seen: ConnectionUpdate[] = [];
  for await (const update of iterable) {
    seen.push(update);
    if (seen.length === count) controller.abort();
  }
  return seen;
}

async function subscribersOf(botId: string): Promise<number> {
  const reply = await raw.pubsub("NUMSUB", connectionUpdatesChannel(test.prefix, botId));
  return Number(reply[1]);
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 250; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("condition not met within 5 s");
}

describe("connection updates", () => {
  it("numbers a bot's updates in publish order and keeps the last one", async () => {
    const botId = randomUUID();
    const tenantId = randomUUID();
    expect(await updates.latest(botId)).toBeNull();
    const first = await updates.publish({ botId, tenantId, state: "connecting", at: 1000 });
    const second = await updates.publish({ botId, tenantId, state: "awaiting_pairing", qr: "QR-A", at: 1001 });
    expect(second.seq).toBeGreaterThan(first.seq);
    expect(await updates.latest(botId)).toEqual({ botId, tenantId, state: "awaiting_pairing", qr: "QR-A", at: 1001, seq: second.seq });
  });

  it("gives a watcher the latest update first, then every new one in order", async () => {
    const botId = randomUUID();
    const tenantId = randomUUID();
    await updates.publish({ botId, tenantId, state: "connecting", at: 1 });
    await updates.publish({ botId, tenantId, state: "awaiting_pairing", qr: "QR-A", at: 2 });
    const controller = new AbortController();
    const iterator = updates.watch(botId, controller.signal)[Symbol.asyncIterator]();
    // The first step reads the latest update once subscribed: from here on nothing can be missed.
    expect((await iterator.next()).value).toMatchObject({ state: "awaiting_pairing", qr: "QR-A" });
    await updates.publish({ botId, tenantId, state: "awaiting_pairing", qr: "QR-B", at: 3 });
    await updates.publish({ botId, tenantId, state: "awaiting_pairing", qr: "QR-C", at: 4 });
    await updates.publish({ botId, tenantId, state: "connected", at: 5 });
    const rest = collect({ [Symbol.asyncIterator]: () => iterator }, 3, controller);
    expect((await rest).map((update) => update.qr ?? update.state)).toEqual(["QR-B", "QR-C", "connected"]);
  });

  it("feeds two watchers of one bot through one subscription, and only with that bot's updates", async () => {
    const botId = randomUUID();
    const otherBot = randomUUID();
    const tenantId = randomUUID();
    await updates.publish({ botId, tenantId, state: "connecting", at: 1 });
    const first = new AbortController();
    const second = new AbortController();
    const firstIterator = updates.watch(botId, first.signal)[Symbol.asyncIterator]();
    const secondIterator = updates.watch(botId, second.signal)[Symbol.asyncIterator]();
    expect((await firstIterator.next()).value).toMatchObject({ state: "connecting" });
    expect((await secondIterator.next()).value).toMatchObject({ state: "connecting" });
    expect(await subscribersOf(botId)).toBe(1);
    await updates.publish({ botId: otherBot, tenantId, state: "connected", at: 1 });
    for (const [index, qr] of ["QR-1", "QR-2", "QR-3"].entries()) await updates.publish({ botId, tenantId, state: "awaiting_pairing", qr, at: 10 + index });
    const seenFirst = collect({ [Symbol.asyncIterator]: () => firstIterator }, 3, first);
    const seenSecond = collect({ [Symbol.asyncIterator]: () => secondIterator }, 3, second);
    expect((await seenFirst).map((update) => update.qr)).toEqual(["QR-1", "QR-2", "QR-3"]);
    expect((await seenSecond).map((update) => update.qr)).toEqual(["QR-1", "QR-2", "QR-3"]);
  });

  it("stops a watcher when its signal aborts and unsubscribes once the last watcher is gone", async () => {
    const botId = randomUUID();
    const tenantId = randomUUID();
    const staying = new AbortController();
    const leaving = new AbortController();
    const stayingIterator = updates.watch(botId, staying.signal)[Symbol.asyncIterator]();
    const leavingIterator = updates.watch(botId, leaving.signal)[Symbol.asyncIterator]();
    const stayingNext = stayingIterator.next();
    const leavingNext = leavingIterator.next();
    await until(async () => (await subscribersOf(botId)) === 1);

    leaving.abort();
    expect(await leavingNext).toEqual({ done: true, value: undefined });
    // The other watcher of the bot still holds the channel.
    expect(await subscribersOf(botId)).toBe(1);
    await updates.publish({ botId, tenantId, state: "connected", at: 1 });
    expect((await stayingNext).value).toMatchObject({ botId, state: "connected" });

    staying.abort();
    expect(await stayingIterator.next()).toEqual({ done: true, value: undefined });
    await until(async () => (await subscribersOf(botId)) === 0);
    // The connection is free for other bots' watchers.
    const again = new AbortController();
    const seen = collect(updates.watch(botId, again.signal), 1, again);
    expect((await seen).map((update) => update.state)).toEqual(["connected"]);
  });

  it("yields the given stand-in first when the bot never reported, once subscribed, then the bot's updates", async () => {
    const botId = randomUUID();
    const tenantId = randomUUID();
    const controller = new AbortController();
    const iterator = updates.watch(botId, controller.signal, { botId, tenantId, state: "disconnected", detail: "not yet", at: 1, seq: 0 })[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ state: "disconnected", detail: "not yet", seq: 0 });
    // Already subscribed: both updates published right after the stand-in arrive.
    await updates.publish({ botId, tenantId, state: "connecting", at: 2 });
    await updates.publish({ botId, tenantId, state: "connected", at: 3 });
    expect((await collect({ [Symbol.asyncIterator]: () => iterator }, 2, controller)).map((update) => update.state)).toEqual(["connecting", "connected"]);
  });

  it("ends at once for a signal aborted before watching, without subscribing", async () => {
    const botId = randomUUID();
    const controller = new AbortController();
    controller.abort();
    const seen: ConnectionUpdate[] = [];
    for await (const update of updates.watch(botId, controller.signal)) seen.push(update);
    expect(seen).toEqual([]);
    expect(await subscribersOf(botId)).toBe(0);
  });

  it("refuses an update without a bot id", async () => {
    await expect(updates.publish({ botId: "", tenantId: randomUUID(), state: "connected", at: 1 })).rejects.toMatchObject({ code: "CONNECTION_UPDATE_INVALID" });
  });
});
