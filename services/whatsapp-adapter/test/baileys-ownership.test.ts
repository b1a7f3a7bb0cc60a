// One live Baileys socket per bot across replicas, with short leases on one
// real Redis: only one replica owns a bot; a graceful stop hands it over at
// once; a replica that loses Redis closes its sockets before its leases expire
// and another takes the bots within the TTL; bots spread evenly; a stolen lease
// closes the socket; a bot without a Baileys provider any more is let go.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import { DisconnectReason } from "@whiskeysockets/baileys";
import { Redis } from "ioredis";
import type { BaileysBot } from "../src/sessions/baileys/baileys-auth.repository.js";
import { createBaileysOwnership, parseOwner, type BaileysOwnership } from "../src/sessions/baileys/baileys-ownership.js";
import type { BaileysSessions } from "../src/sessions/baileys/baileys-sessions.js";
import { FakeBaileysSocketFactory } from "./support/fake-baileys.js";
import { eventually, sleep, startBaileysFixture, type BaileysFixture } from "./support/baileys-fixture.js";

const TTL_MS = 2000;
const RENEW_MS = 200;

let f: BaileysFixture;
const replicas: Replica[] = [];
const extraClients: Redis[] = [];

interface Replica {
  name: string;
  factory: FakeBaileysSocketFactory;
  sessions: BaileysSessions;
  ownership: BaileysOwnership;
}

beforeAll(async () => {
  f = await startBaileysFixture();
});

afterAll(async () => {
  for (const replica of replicas) await replica.ownership.stop().catch(() => undefined);
  for (const client of extraClients) client.disconnect();
  await f.close();
});

/** A replica of the adapter's session side. `bots` narrows the listed bots to this test's. */
async function startReplica(name: string, bots: () => Promise<BaileysBot[]>, redis = f.redis): Promise<Replica> {
  const factory = new FakeBaileysSocketFactory();
  const sessions = f.sessions(factory);
  const ownership = createBaileysOwnership({ redis, sessions, listBots: bots, address: `${name}.adapter:50052`, logger: f.logger, ttlMs: TTL_MS, renewMs: RENEW_MS });
  const replica = { name, factory, sessions, ownership };
  replicas.push(replica);
  await ownership.start();
  return replica;
}

/** Sockets of a bot that are alive (created and not ended), over all replicas. */
function liveSockets(botId: string, among: Replica[]): number {
  return among.flatMap((replica) => replica.factory.of(botId)).filter((socket) => !socket.ended).length;
}

function listOf(bots: BaileysBot[]): () => Promise<BaileysBot[]> {
  return async () => {
    const stored = new Set((await f.auth.listBots()).map((bot) => bot.botId));
    return bots.filter((bot) => stored.has(bot.botId));
  };
}

describe("Baileys session ownership", () => {
  it("gives a bot to exactly one replica, and hands it over at once on a graceful stop", async () => {
    const bot = await f.newBot();
    const a = await startReplica("a", listOf([bot]));
    const b = await startReplica("b", listOf([bot]));
    await eventually(() => liveSockets(bot.botId, [a, b]) === 1, 3000, "one socket");
    await sleep(RENEW_MS * 3);
    expect(liveSockets(bot.botId, [a, b])).toBe(1);
    const [owner, other] = a.ownership.owns(bot.botId) ? [a, b] : [b, a];
    expect(await owner.ownership.ownerOf(bot.botId)).toEqual({ replicaId: owner.ownership.replicaId, address: `${owner.name}.adapter:50052` });

    const stoppedAt = Date.now();
    await owner.ownership.stop();
    expect(owner.factory.latest(bot.botId)?.ended).toBe(true);
    expect(owner.factory.latest(bot.botId)?.loggedOut).toBe(false);
    await eventually(() => other.ownership.owns(bot.botId), TTL_MS * 2, "takeover");
    // Released, not expired: the next tick of the other replica takes it.
    expect(Date.now() - stoppedAt).toBeLessThan(TTL_MS);
    await eventually(() => liveSockets(bot.botId, [a, b]) === 1, 3000, "the new owner's socket");
    await other.ownership.stop();
  });

  it("closes the sockets of a replica that lost Redis before its leases expire, and another takes over within the TTL", async () => {
    const bot = await f.newBot();
    const lonely = new Redis(f.testRedis.url, { keyPrefix: f.testRedis.prefix, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    extraClients.push(lonely);
    const a = await startReplica("a", listOf([bot]), lonely);
    await eventually(() => a.ownership.owns(bot.botId) && a.factory.latest(bot.botId), 3000, "a runs the bot");
    const b = await startReplica("b", listOf([bot]));

    const cutAt = Date.now();
    lonely.disconnect();
    const aSocket = a.factory.latest(bot.botId);
    await eventually(() => aSocket?.ended, TTL_MS * 2, "a closes its socket");
    const closedAfter = Date.now() - cutAt;
    await eventually(() => b.ownership.owns(bot.botId), TTL_MS * 3, "b takes over");
    const takenAfter = Date.now() - cutAt;

    expect(closedAfter).toBeLessThan(TTL_MS);
    expect(takenAfter).toBeLessThan(TTL_MS + RENEW_MS * 3);
    await eventually(() => liveSockets(bot.botId, [a, b]) === 1, 3000, "the new owner's socket");
    // The new owner resumes from the stored state.
    const resumed = b.factory.latest(bot.botId);
    resumed?.open();
    await eventually(() => b.sessions.view(bot.botId)?.state === "connected");
    await a.ownership.stop();
    await b.ownership.stop();
  });

  it("spreads bots evenly over the live replicas, never with two live sockets for one bot", async () => {
    const bots = await Promise.all(Array.from({ length: 9 }, () => f.newBot()));
    const list = listOf(bots);
    const trio: Replica[] = [];
    let mostAtOnce = 0;
    const sampler = setInterval(() => {
      for (const bot of bots) {
        mostAtOnce = Math.max(mostAtOnce, liveSockets(bot.botId, trio));
      }
    }, 5);
    try {
      for (const name of ["a", "b", "c"]) trio.push(await startReplica(name, list));
      await eventually(() => trio.every((replica) => replica.ownership.count === 3) && bots.every((bot) => liveSockets(bot.botId, trio) === 1), 15_000, "3 bots each, one socket per bot");
    } finally {
      clearInterval(sampler);
    }
    expect(mostAtOnce).toBe(1);
    for (const replica of trio) await replica.ownership.stop();
  });

  it("closes the socket at once when another owner holds the lease", async () => {
    const bot = await f.newBot();
    const a = await startReplica("a", listOf([bot]));
    await eventually(() => a.ownership.owns(bot.botId) && a.factory.latest(bot.botId), 3000, "a runs the bot");
    await f.redis.set(`baileys:owner:${bot.botId}`, "intruder other.adapter:1", "PX", 60_000);
    await eventually(() => a.factory.latest(bot.botId)?.ended, RENEW_MS * 4, "socket closed");
    expect(a.ownership.owns(bot.botId)).toBe(false);
    expect(parseOwner(await f.redis.get(`baileys:owner:${bot.botId}`))).toEqual({ replicaId: "intruder", address: "other.adapter:1" });
    await a.ownership.stop();
    await f.redis.del(`baileys:owner:${bot.botId}`);
  });

  it("lets a bot go, logging its device out, once it has no Baileys provider any more", async () => {
    const bot = await f.newBot();
    let listed = [bot];
    const a = await startReplica("a", async () => listed);
    await eventually(() => a.ownership.owns(bot.botId) && a.factory.latest(bot.botId), 3000, "a runs the bot");
    listed = [];
    await eventually(() => a.factory.latest(bot.botId)?.ended, RENEW_MS * 4, "session stopped");
    expect(a.factory.latest(bot.botId)?.loggedOut).toBe(true);
    await eventually(async () => (await f.auth.readCreds(bot.botId)) === null, 2000, "state cleared");
    await eventually(async () => (await a.ownership.ownerOf(bot.botId)) === null, 2000, "lease released");
    await a.ownership.stop();
  });

  it("links a logged-out bot again when another replica asks for it", async () => {
    const bot = await f.newBot();
    const a = await startReplica("a", listOf([bot]));
    const b = await startReplica("b", async () => []);
    await eventually(() => a.ownership.owns(bot.botId) && a.factory.latest(bot.botId), 3000, "a runs the bot");
    a.factory.latest(bot.botId)?.close(DisconnectReason.loggedOut);
    await eventually(() => a.sessions.view(bot.botId)?.state === "needs_link", 2000, "needs_link");
    const sockets = a.factory.of(bot.botId).length;

    await b.ownership.requestRelink(bot.botId);
    await eventually(() => a.factory.of(bot.botId).length > sockets, RENEW_MS * 4, "a fresh socket on the owner");
    expect(a.factory.latest(bot.botId)?.auth.creds.registered).toBe(false);
    await a.ownership.stop();
    await b.ownership.stop();
  });
});
