// The real socket factory over makeWASocket, without WhatsApp: pointed at a
// local port nobody listens on, its events reach a session through our
// wrapper in Baileys' own shapes (connecting, then close with a
// DisconnectReason status code), and the session retries with backoff.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import { DisconnectReason, initAuthCreds } from "@whiskeysockets/baileys";
import { freePort } from "@fleet/testing";
import { createBaileysSocketFactory } from "../src/sessions/baileys/baileys-socket.js";
import { disconnectCode } from "../src/sessions/baileys/baileys-sessions.js";
import { eventually, startBaileysFixture, type BaileysFixture } from "./support/baileys-fixture.js";

let f: BaileysFixture;
let nowhere: string;

beforeAll(async () => {
  f = await startBaileysFixture();
  nowhere = `ws://127.0.0.1:${await freePort()}/ws/chat`;
});

afterAll(async () => {
  await f.close();
});

describe("the real Baileys socket factory", () => {
  it("reports a connection it cannot open as close with a DisconnectReason code", async () => {
    const factory = createBaileysSocketFactory({ logger: f.logger, browserName: "Chrome", webSocketUrl: nowhere });
    const store = new Map<string, unknown>();
    const socket = factory.create(
      {
        creds: initAuthCreds(),
        keys: {
          get: async () => ({}),
          set: async (data) => {
            for (const [type, values] of Object.entries(data)) for (const [id, value] of Object.entries(values ?? {})) store.set(`${type}/${id}`, value);
          },
        },
      },
      { botId: "bot-real", getMessage: async () => undefined },
    );
    const seen: { connection?: string; code?: number }[] = [];
    socket.ev.on("connection.update", (update) => seen.push({ connection: update.connection, code: disconnectCode(update.lastDisconnect?.error) }));
    await eventually(() => seen.some((update) => update.connection === "close"), 5000, "close");
    expect(seen).toContainEqual({ connection: "close", code: DisconnectReason.connectionLost });
    expect(socket.user).toBeUndefined();
    await socket.end(undefined);
  });

  it("drives a session that keeps retrying a WhatsApp it cannot reach, and stops cleanly", async () => {
    const real = createBaileysSocketFactory({ logger: f.logger, browserName: "Chrome", webSocketUrl: nowhere });
    let created = 0;
    const bot = await f.newBot();
    const sessions = f.sessions({
      create: (auth, options) => {
        created++;
        return real.create(auth, options);
      },
    });
    await sessions.start(bot);
    await eventually(() => f.published.filter((update) => update.botId === bot.botId && update.detail?.includes("reconnecting")).length >= 2, 5000, "two reconnects");
    expect(sessions.view(bot.botId)?.state).toBe("connecting");
    expect(created).toBeGreaterThanOrEqual(2);
    await sessions.stop(bot.botId);
    expect((await f.auth.readCreds(bot.botId))?.registered).toBe(false);
  });
});
