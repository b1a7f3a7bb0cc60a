// Baileys sessions with a fake socket factory on real Postgres and Redis: QR
// and pairing-code linking, the connection policy per DisconnectReason, sends
// with typing presence, the probe of an "open" socket whose sends fail, and
// stops that do or do not log out.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import { DisconnectReason } from "@whiskeysockets/baileys";
import { isMaybeSent } from "../src/providers/provider.js";
import { rejectionOf } from "./harness.js";
import { FakeBaileysSocketFactory, boomError } from "./support/fake-baileys.js";
import { eventually, sleep, startBaileysFixture, type BaileysFixture } from "./support/baileys-fixture.js";

let f: BaileysFixture;

beforeAll(async () => {
  f = await startBaileysFixture();
});

afterAll(async () => {
  await f.close();
});

const updatesOf = (botId: string) => f.published.filter((update) => update.botId === botId);
const statesOf = (botId: string) => updatesOf(botId).map((update) => update.state);

async function keyRows(botId: string): Promise<number> {
  const { rows } = await f.pool.query("SELECT 1 FROM session_creds WHERE bot_id = $1 UNION ALL SELECT 1 FROM session_keys WHERE bot_id = $1", [botId]);
  return rows.length;
}

/** A session linked and open: a fresh bot, its QR, pairing (515), the second socket open. */
async function linkedSession(factory = new FakeBaileysSocketFactory()) {
  const bot = await f.newBot();
  const sessions = f.sessions(factory);
  await sessions.start(bot);
  const first = await factory.nth(bot.botId, 1);
  first.qr();
  first.paired();
  const second = await factory.nth(bot.botId, 2);
  second.open();
  await eventually(() => sessions.view(bot.botId)?.state === "connected" && statesOf(bot.botId).at(-1) === "connected", 2000, "connected");
  return { bot, sessions, factory, socket: second };
}

describe("linking", () => {
  it("publishes connecting, then each new QR while awaiting pairing, and keeps the latest in Redis", async () => {
    const factory = new FakeBaileysSocketFactory();
    const bot = await f.newBot();
    const sessions = f.sessions(factory);
    await sessions.start(bot);
    const socket = await factory.nth(bot.botId, 1);
    expect(socket.auth.creds.registered).toBe(false);

    const first = socket.qr();
    const second = socket.qr();
    await eventually(() => updatesOf(bot.botId).length >= 3, 2000, "three updates");

    expect(updatesOf(bot.botId).map(({ state, qr }) => ({ state, qr }))).toEqual([{ state: "connecting", qr: undefined }, { state: "awaiting_pairing", qr: first }, { state: "awaiting_pairing", qr: second }]);
    expect((await f.updates.latest(bot.botId))?.qr).toBe(second);
    const seqs = updatesOf(bot.botId).map((update) => update.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it("asks for a pairing code after the first QR, publishes it and stores the phone in the creds", async () => {
    const factory = new FakeBaileysSocketFactory();
    const bot = await f.newBot();
    const sessions = f.sessions(factory);
    await sessions.start(bot);
    const socket = await factory.nth(bot.botId, 1);

    const code = sessions.requestPairingCode(bot.botId, "5215512345678");
    await sleep(50);
    expect(socket.pairingRequests).toEqual([]);
    socket.qr();

    await expect(code).resolves.toBe("ABCD1234");
    expect(socket.pairingRequests).toEqual(["5215512345678"]);
    await eventually(() => updatesOf(bot.botId).some((update) => update.pairingCode === "ABCD1234"), 2000, "pairing code published");
    expect(updatesOf(bot.botId).at(-1)).toMatchObject({ state: "awaiting_pairing", pairingCode: "ABCD1234" });
    await eventually(async () => (await f.auth.readCreds(bot.botId))?.me?.id === "5215512345678@s.whatsapp.net", 2000, "creds saved");
  });

  it("refuses a pairing code for a linked session", async () => {
    const { bot, sessions } = await linkedSession();
    const error = await rejectionOf(sessions.requestPairingCode(bot.botId, "5215512345678"));
    expect(error.code).toBe("BAILEYS_ALREADY_LINKED");
  });

  it("reconnects at once after pairing (restart required) with the registered creds, then reports connected", async () => {
    const { bot, factory, socket } = await linkedSession();
    expect(factory.of(bot.botId)).toHaveLength(2);
    expect(socket.auth.creds.registered).toBe(true);
    expect((await f.auth.readCreds(bot.botId))?.registered).toBe(true);
    expect(statesOf(bot.botId).at(-1)).toBe("connected");
    expect(updatesOf(bot.botId).some((update) => update.detail === "restart required")).toBe(true);
  });
});

describe("connection policy", () => {
  it.each([
    ["connectionClosed", DisconnectReason.connectionClosed],
    ["connectionLost / timedOut", DisconnectReason.connectionLost],
    ["badSession", DisconnectReason.badSession],
    ["unavailableService", DisconnectReason.unavailableService],
    ["forbidden", DisconnectReason.forbidden],
    ["multideviceMismatch", DisconnectReason.multideviceMismatch],
  ])("opens a new socket after a backoff when the connection closes with %s", async (_name, code) => {
    const { bot, factory, socket } = await linkedSession();
    const closedAt = Date.now();
    socket.close(code);
    const next = await factory.nth(bot.botId, 3, 2000);
    // Backoff of the first attempt: 20 ms × (50-100 %).
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(9);
    expect(next.auth.creds.registered).toBe(true);
    expect(updatesOf(bot.botId).at(-1)).toMatchObject({ state: "connecting" });
    expect(updatesOf(bot.botId).at(-1)?.detail).toContain("reconnecting");
    next.open();
    await eventually(() => statesOf(bot.botId).at(-1) === "connected", 2000, "connected again");
  });

  it("waits longer after each failed attempt, jittered and capped, and starts over once open", async () => {
    const factory = new FakeBaileysSocketFactory();
    const bot = await f.newBot();
    // The top of each jitter range: 100, 200, 400, 400 (cap) ms.
    const sessions = f.sessions(factory, { backoff: { initialMs: 100, maxMs: 400 }, random: () => 1 });
    await sessions.start(bot);
    const delays = () => f.logLines.filter((line) => line.botId === bot.botId && line.message === "baileys session closed; reconnecting").map((line) => line.delayMs);
    for (let n = 1; n <= 4; n++) {
      const socket = await factory.nth(bot.botId, n, 3000);
      const closedAt = Date.now();
      socket.close(DisconnectReason.connectionLost);
      await factory.nth(bot.botId, n + 1, 3000);
      expect(Date.now() - closedAt).toBeGreaterThanOrEqual(Math.min(100 * 2 ** (n - 1), 400) - 5);
    }
    expect(delays()).toEqual([100, 200, 400, 400]);

    const fifth = await factory.nth(bot.botId, 5);
    fifth.open();
    await eventually(() => sessions.view(bot.botId)?.state === "connected");
    fifth.close(DisconnectReason.connectionLost);
    await factory.nth(bot.botId, 6, 3000);
    expect(delays()).toEqual([100, 200, 400, 400, 100]);
  });

  it("jitters the delay between half and all of the step", async () => {
    const factory = new FakeBaileysSocketFactory();
    const bot = await f.newBot();
    const sessions = f.sessions(factory, { backoff: { initialMs: 100, maxMs: 400 }, random: () => 0 });
    await sessions.start(bot);
    (await factory.nth(bot.botId, 1)).close(DisconnectReason.badSession);
    await factory.nth(bot.botId, 2, 3000);
    expect(f.logLines.filter((line) => line.botId === bot.botId && line.message === "baileys session closed; reconnecting").map((line) => line.delayMs)).toEqual([50]);
  });

  it("clears the stored state on loggedOut, reports needs_link and does not reconnect until asked to link again", async () => {
    const { bot, sessions, factory, socket } = await linkedSession();
    await f.auth.keyStore(bot.botId).set({ "pre-key": { "1": { public: Buffer.alloc(32, 1), private: Buffer.alloc(32, 2) } } });
    expect(await keyRows(bot.botId)).toBeGreaterThan(1);

    socket.close(DisconnectReason.loggedOut);
    await eventually(() => statesOf(bot.botId).at(-1) === "needs_link", 2000, "needs_link");
    expect(updatesOf(bot.botId).at(-1)?.detail).toBe("logged out");
    expect(await keyRows(bot.botId)).toBe(0);
    await sleep(150);
    expect(factory.of(bot.botId)).toHaveLength(2);

    await sessions.relink(bot.botId);
    const fresh = await factory.nth(bot.botId, 3);
    expect(fresh.auth.creds.registered).toBe(false);
    expect(fresh.auth.creds.me).toBeUndefined();
    fresh.qr();
    await eventually(() => statesOf(bot.botId).at(-1) === "awaiting_pairing", 2000, "awaiting a new link");
  });

  it("stops and reports when another client replaced the connection, keeping the stored state", async () => {
    const { bot, sessions, factory, socket } = await linkedSession();
    socket.close(DisconnectReason.connectionReplaced);
    await eventually(() => statesOf(bot.botId).at(-1) === "disconnected", 2000, "disconnected");
    expect(updatesOf(bot.botId).at(-1)?.detail).toContain("replaced");
    await sleep(150);
    expect(factory.of(bot.botId)).toHaveLength(2);
    expect(sessions.halted(bot.botId)).toBe(true);
    expect((await f.auth.readCreds(bot.botId))?.registered).toBe(true);
  });
});

describe("sending", () => {
  it("shows typing, then sends, and returns the message id", async () => {
    const { bot, sessions, socket } = await linkedSession();
    const started = Date.now();
    const id = await sessions.send(bot.botId, "5215512345678@s.whatsapp.net", { text: "Hola" }, { typingMs: 60 });

    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(socket.sent).toEqual([expect.objectContaining({ jid: "5215512345678@s.whatsapp.net", content: { text: "Hola" }, id })]);
    expect(socket.presences.map(({ type, jid }) => ({ type, jid }))).toEqual([
      { type: "composing", jid: "5215512345678@s.whatsapp.net" },
      { type: "paused", jid: "5215512345678@s.whatsapp.net" },
    ]);
    const composing = socket.presences[0]?.at ?? 0;
    expect((socket.sent[0]?.at ?? 0) - composing).toBeGreaterThanOrEqual(55);
    // Baileys may ask for a message we sent to retry its delivery.
    expect(await socket.options.getMessage({ id, remoteJid: "5215512345678@s.whatsapp.net", fromMe: true })).toEqual({ extendedTextMessage: { text: "Hola" } });
  });

  it("refuses to send while the session is not connected, as retryable", async () => {
    const factory = new FakeBaileysSocketFactory();
    const bot = await f.newBot();
    const sessions = f.sessions(factory);
    await sessions.start(bot);
    (await factory.nth(bot.botId, 1)).qr();
    const error = await rejectionOf(sessions.send(bot.botId, "5215512345678@s.whatsapp.net", { text: "Hola" }, { typingMs: 0 }));
    expect(error).toMatchObject({ code: "BAILEYS_NOT_CONNECTED", retryable: true });
  });

  it("answers a send on a closed connection as not sent (retryable), without a probe", async () => {
    const { bot, sessions, factory, socket } = await linkedSession();
    socket.sendFailure = boomError(DisconnectReason.connectionClosed, "Connection Closed");
    const error = await rejectionOf(sessions.send(bot.botId, "5215512345678@s.whatsapp.net", { text: "Hola" }, { typingMs: 0 }));
    expect(error).toMatchObject({ code: "BAILEYS_NOT_CONNECTED", retryable: true });
    expect(isMaybeSent(error)).toBe(false);
    await sleep(100);
    expect(factory.of(bot.botId)).toHaveLength(2);
  });

  it("probes an open socket whose sends fail and replaces it when the probe fails", async () => {
    const { bot, sessions, factory, socket } = await linkedSession();
    socket.sendFailure = new Error("Timed Out");
    socket.presenceFailure = new Error("Timed Out");
    const error = await rejectionOf(sessions.send(bot.botId, "5215512345678@s.whatsapp.net", { text: "Hola" }, { typingMs: 0 }));
    expect(isMaybeSent(error)).toBe(true);

    const replacement = await factory.nth(bot.botId, 3, 2000);
    expect(socket.ended).toBe(true);
    expect(socket.loggedOut).toBe(false);
    replacement.open();
    await eventually(() => sessions.view(bot.botId)?.state === "connected");
    await expect(sessions.send(bot.botId, "5215512345678@s.whatsapp.net", { text: "Otra vez" }, { typingMs: 0 })).resolves.toEqual(expect.any(String));
    expect(replacement.sent).toHaveLength(1);
  });

  it("keeps the socket when the probe goes through (the failure was the message's)", async () => {
    const { bot, sessions, factory, socket } = await linkedSession();
    socket.sendFailure = new Error("bad media");
    await rejectionOf(sessions.send(bot.botId, "5215512345678@s.whatsapp.net", { text: "Hola" }, { typingMs: 0 }));
    await sleep(300);
    expect(factory.of(bot.botId)).toHaveLength(2);
    expect(socket.presences.map((presence) => presence.type)).toContain("unavailable");
  });
});

describe("stopping", () => {
  it("ends the socket without logging out on a graceful stop, keeping the state for the next owner", async () => {
    const { bot, sessions, factory, socket } = await linkedSession();
    await sessions.stop(bot.botId);
    expect(socket.ended).toBe(true);
    expect(socket.loggedOut).toBe(false);
    expect(sessions.has(bot.botId)).toBe(false);
    expect((await f.auth.readCreds(bot.botId))?.registered).toBe(true);
    await sleep(100);
    expect(factory.of(bot.botId)).toHaveLength(2);
  });

  it("logs out and clears the state when asked to (the bot is deleted)", async () => {
    const { bot, sessions, socket } = await linkedSession();
    await sessions.stop(bot.botId, { logout: true });
    expect(socket.loggedOut).toBe(true);
    expect(await keyRows(bot.botId)).toBe(0);
  });

  it("resumes from the stored state in another session manager (another replica)", async () => {
    const { bot, sessions } = await linkedSession();
    await sessions.stop(bot.botId);
    const otherFactory = new FakeBaileysSocketFactory();
    const other = f.sessions(otherFactory);
    await other.start(bot);
    const resumed = await otherFactory.nth(bot.botId, 1);
    expect(resumed.auth.creds.registered).toBe(true);
    expect(resumed.auth.creds.me?.id).toBe("5215512345678:12@s.whatsapp.net");
    resumed.open();
    await eventually(() => other.view(bot.botId)?.state === "connected");
  });
});
