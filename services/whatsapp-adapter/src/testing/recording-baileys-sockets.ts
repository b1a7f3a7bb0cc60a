// Fake Baileys sockets for adapter processes that tests and benchmarks start
// (fake-baileys.main.ts), where the in-memory fake of test/support cannot be
// reached: nothing connects to WhatsApp; a socket of a linked bot (stored
// creds registered) opens at once, one of an unlinked bot shows a QR; every
// socket that opens and every message sent is recorded in Redis (under the
// process's key prefix) for the test to read, with the process id of the
// replica that did it. Events carry Baileys' own shapes.
import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import type { AuthenticationState, WAMessage } from "@whiskeysockets/baileys";
import type { RedisClient } from "@fleet/service-kit";
import { loadBaileys } from "../sessions/baileys/baileys-library.js";
import type { BaileysEventName, BaileysSocket, BaileysSocketEvents, BaileysSocketFactory, BaileysSocketOptions } from "../sessions/baileys/baileys-socket.js";

/** A list of FakeSendRecord JSON, in the order the sends happened. */
export const FAKE_SENT_KEY = "baileys-fake:sent";
/** A hash: bot id → process id of the replica whose socket of the bot opened last. */
export const FAKE_OPEN_KEY = "baileys-fake:open";

export interface FakeSendRecord {
  botId: string;
  jid: string;
  messageId: string;
  text: string | null;
  pid: number;
  at: number;
}

/** The error Baileys puts in lastDisconnect: a Boom whose output.statusCode is a DisconnectReason. */
function boom(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { isBoom: true, output: { statusCode, payload: { statusCode, error: message, message }, headers: {} } });
}

class RecordingSocket implements BaileysSocket {
  private readonly emitter = new EventEmitter();
  private ended = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly auth: AuthenticationState,
    private readonly options: BaileysSocketOptions,
  ) {
    // Like the real socket: events come after the caller has attached its listeners.
    setImmediate(() => void this.connect());
  }

  readonly ev = {
    on: <E extends BaileysEventName>(event: E, listener: (payload: BaileysSocketEvents[E]) => void) => {
      this.emitter.on(event, listener);
    },
    off: <E extends BaileysEventName>(event: E, listener: (payload: BaileysSocketEvents[E]) => void) => {
      this.emitter.off(event, listener);
    },
  };

  private emit<E extends BaileysEventName>(event: E, payload: BaileysSocketEvents[E]): void {
    this.emitter.emit(event, payload);
  }

  private async connect(): Promise<void> {
    if (this.ended) return;
    if (!this.auth.creds.registered) {
      this.emit("connection.update", { qr: `2@${randomBytes(24).toString("base64")},${randomBytes(16).toString("base64")}` });
      return;
    }
    await this.redis.hset(FAKE_OPEN_KEY, this.options.botId, String(process.pid));
    if (!this.ended) this.emit("connection.update", { connection: "open" });
  }

  get user() {
    return this.auth.creds.me;
  }

  async sendMessage(jid: string, content: Parameters<BaileysSocket["sendMessage"]>[1]): Promise<WAMessage | undefined> {
    if (this.ended) throw boom((await loadBaileys()).DisconnectReason.connectionClosed, "Connection Closed");
    const messageId = `3EB0${randomBytes(8).toString("hex").toUpperCase()}`;
    const text = "text" in content && typeof content.text === "string" ? content.text : null;
    const record: FakeSendRecord = { botId: this.options.botId, jid, messageId, text, pid: process.pid, at: Date.now() };
    await this.redis.rpush(FAKE_SENT_KEY, JSON.stringify(record));
    return { key: { remoteJid: jid, fromMe: true, id: messageId }, message: text === null ? {} : { extendedTextMessage: { text } }, messageTimestamp: Math.floor(Date.now() / 1000) };
  }

  async sendPresenceUpdate(): Promise<void> {
    if (this.ended) throw boom((await loadBaileys()).DisconnectReason.connectionClosed, "Connection Closed");
  }

  async requestPairingCode(): Promise<string> {
    return "FAKE1234";
  }

  async logout(): Promise<void> {
    await this.end(boom((await loadBaileys()).DisconnectReason.loggedOut, "Intentional Logout"));
  }

  async end(error: Error | undefined): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.emit("connection.update", { connection: "close", lastDisconnect: { error, date: new Date() } });
  }
}

export function createRecordingBaileysSockets(redis: RedisClient): BaileysSocketFactory {
  return { create: (auth, options) => new RecordingSocket(redis, auth, options) };
}
