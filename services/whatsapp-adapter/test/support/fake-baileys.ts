// A fake Baileys socket factory: sockets that emit the events the real
// makeWASocket emits, with its payload shapes (connection.update with qr
// strings, 'open', 'close' carrying a Boom-shaped error whose
// output.statusCode is a DisconnectReason; creds.update; messages.upsert
// with real WAMessage keys: <digits>@s.whatsapp.net, <id>@lid with
// remoteJidAlt, groups with participant/participantAlt), and that record
// what sessions send. Nothing connects anywhere.
import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import { DisconnectReason, type AnyMessageContent, type AuthenticationState, type BaileysEventMap, type Contact, type WAMessage, type WAPresence, type proto } from "@whiskeysockets/baileys";
import type { BaileysEventName, BaileysSocket, BaileysSocketEvents, BaileysSocketFactory, BaileysSocketOptions } from "../../src/sessions/baileys/baileys-socket.js";

export interface SentRecord {
  jid: string;
  content: AnyMessageContent;
  id: string;
  at: number;
}

export interface PresenceRecord {
  type: WAPresence;
  jid?: string;
  at: number;
}

/** The error Baileys puts in lastDisconnect: a Boom with output.statusCode. */
export function boomError(statusCode: number, message = "Connection Failure"): Error {
  return Object.assign(new Error(message), { isBoom: true, output: { statusCode, payload: { statusCode, error: message, message }, headers: {} }, data: null });
}

export class FakeBaileysSocket implements BaileysSocket {
  private readonly emitter = new EventEmitter();
  readonly sent: SentRecord[] = [];
  readonly presences: PresenceRecord[] = [];
  readonly pairingRequests: string[] = [];
  ended = false;
  loggedOut = false;
  /** Sends throw this while set (e.g. an "open" socket whose sends fail). */
  sendFailure: Error | null = null;
  /** Presence updates (the probe) throw this while set. */
  presenceFailure: Error | null = null;

  constructor(
    readonly auth: AuthenticationState,
    readonly options: BaileysSocketOptions,
    readonly index: number,
  ) {}

  readonly ev = {
    on: <E extends BaileysEventName>(event: E, listener: (payload: BaileysSocketEvents[E]) => void) => {
      this.emitter.on(event, listener);
    },
    off: <E extends BaileysEventName>(event: E, listener: (payload: BaileysSocketEvents[E]) => void) => {
      this.emitter.off(event, listener);
    },
  };

  get user(): Contact | undefined {
    return this.auth.creds.me;
  }

  async sendMessage(jid: string, content: AnyMessageContent): Promise<WAMessage | undefined> {
    if (this.ended) throw boomError(DisconnectReason.connectionClosed, "Connection Closed");
    if (this.sendFailure) throw this.sendFailure;
    const id = `3EB0${randomBytes(8).toString("hex").toUpperCase()}`;
    this.sent.push({ jid, content, id, at: Date.now() });
    const message: WAMessage = { key: { remoteJid: jid, fromMe: true, id }, message: this.protoOf(content), messageTimestamp: Math.floor(Date.now() / 1000), status: 1 };
    // Baileys emits our own sends back as messages.upsert type 'append' (emitOwnEvents).
    setImmediate(() => this.emit("messages.upsert", { messages: [message], type: "append" }));
    return message;
  }

  async sendPresenceUpdate(type: WAPresence, jid?: string): Promise<void> {
    if (this.presenceFailure) throw this.presenceFailure;
    this.presences.push({ type, jid, at: Date.now() });
  }

  async requestPairingCode(phoneNumber: string): Promise<string> {
    this.pairingRequests.push(phoneNumber);
    // Baileys sets creds.me and pairingCode, then emits creds.update with the whole creds.
    this.auth.creds.pairingCode = "ABCD1234";
    this.auth.creds.me = { id: `${phoneNumber}@s.whatsapp.net`, name: "~" };
    this.emit("creds.update", this.auth.creds);
    return "ABCD1234";
  }

  async logout(): Promise<void> {
    this.loggedOut = true;
    await this.end(boomError(DisconnectReason.loggedOut, "Intentional Logout"));
  }

  async end(error: Error | undefined): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.emit("connection.update", { connection: "close", lastDisconnect: { error, date: new Date() } });
  }

  emit<E extends keyof BaileysEventMap & BaileysEventName>(event: E, payload: BaileysSocketEvents[E]): void {
    this.emitter.emit(event, payload);
  }

  // ---- what WhatsApp does, driven by the test ----

  qr(value = `2@${randomBytes(24).toString("base64")},${randomBytes(16).toString("base64")},${randomBytes(16).toString("base64")}`): string {
    this.emit("connection.update", { qr: value });
    return value;
  }

  /** Pairing succeeded: creds become registered, then WhatsApp asks for a restart (515), as the real server does. */
  paired(phone = "5215512345678"): void {
    this.emit("creds.update", { me: { id: `${phone}:12@s.whatsapp.net`, lid: `987654321:12@lid`, name: "Shop" }, registered: true, platform: "smba" });
    this.close(DisconnectReason.restartRequired, "Stream Errored (restart required)");
  }

  open(): void {
    this.emit("connection.update", { connection: "open" });
  }

  close(statusCode: number, message = "Connection Failure"): void {
    this.ended = true;
    this.emit("connection.update", { connection: "close", lastDisconnect: { error: boomError(statusCode, message), date: new Date() } });
  }

  upsert(messages: WAMessage[], type: "notify" | "append" = "notify"): void {
    this.emit("messages.upsert", { messages, type });
  }

  private protoOf(content: AnyMessageContent): proto.IMessage {
    if ("text" in content && typeof content.text === "string") return { extendedTextMessage: { text: content.text } };
    return {};
  }
}

export class FakeBaileysSocketFactory implements BaileysSocketFactory {
  readonly sockets: FakeBaileysSocket[] = [];
  private readonly waiters: { botId: string; count: number; resolve: (socket: FakeBaileysSocket) => void }[] = [];

  create(auth: AuthenticationState, options: BaileysSocketOptions): FakeBaileysSocket {
    const socket = new FakeBaileysSocket(auth, options, this.sockets.length);
    this.sockets.push(socket);
    for (const waiter of [...this.waiters]) {
      if (waiter.botId === options.botId && this.of(options.botId).length >= waiter.count) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(socket);
      }
    }
    return socket;
  }

  of(botId: string): FakeBaileysSocket[] {
    return this.sockets.filter((socket) => socket.options.botId === botId);
  }

  latest(botId: string): FakeBaileysSocket | undefined {
    return this.of(botId).at(-1);
  }

  /** Resolves with the bot's `count`-th socket (1-based) once it was created. */
  async nth(botId: string, count: number, timeoutMs = 5000): Promise<FakeBaileysSocket> {
    const existing = this.of(botId)[count - 1];
    if (existing) return existing;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socket ${count} of bot ${botId} was not created within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        botId,
        count,
        resolve: (socket) => {
          clearTimeout(timer);
          resolve(socket);
        },
      });
    });
  }
}

/** A WAMessage as Baileys 7 gives an incoming one. */
export function incoming(fields: { id?: string; remoteJid: string; remoteJidAlt?: string; participant?: string; participantAlt?: string; fromMe?: boolean; pushName?: string; message: proto.IMessage }): WAMessage {
  const lid = fields.remoteJid.endsWith("@lid") || fields.participant?.endsWith("@lid");
  return {
    key: {
      remoteJid: fields.remoteJid,
      ...(fields.remoteJidAlt ? { remoteJidAlt: fields.remoteJidAlt } : {}),
      fromMe: fields.fromMe ?? false,
      id: fields.id ?? `3A${randomBytes(9).toString("hex").toUpperCase()}`,
      ...(fields.participant ? { participant: fields.participant } : {}),
      ...(fields.participantAlt ? { participantAlt: fields.participantAlt } : {}),
      addressingMode: lid ? "lid" : "pn",
    },
    messageTimestamp: Math.floor(Date.now() / 1000),
    pushName: fields.pushName ?? "Ana",
    broadcast: false,
    message: fields.message,
  };
}
