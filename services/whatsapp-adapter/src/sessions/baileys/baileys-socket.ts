// The one place that builds Baileys sockets. Sessions see only the small
// BaileysSocket surface they use, so tests inject a fake factory that emits
// the same events; production uses makeWASocket with what a shop's linked
// number needs: no "online" presence on connect (the shop's phone keeps its
// notifications), no history sync (QR loops under CPU starvation come from
// pre-key generation plus history sync), and a logger that forwards only
// warnings and errors, without the objects Baileys attaches (keys, JIDs).
import {
  Browsers,
  makeWASocket,
  type AnyMessageContent,
  type AuthenticationState,
  type BaileysEventMap,
  type Contact,
  type MiscMessageGenerationOptions,
  type WAMessage,
  type WAMessageKey,
  type WAPresence,
  type proto,
} from "@whiskeysockets/baileys";
import type { Logger } from "@fleet/service-kit";

/** The events a session listens to, with Baileys' own payload types. */
export type BaileysSocketEvents = Pick<BaileysEventMap, "connection.update" | "creds.update" | "messages.upsert" | "lid-mapping.update">;
export type BaileysEventName = keyof BaileysSocketEvents;

export interface BaileysSocketEmitter {
  on<E extends BaileysEventName>(event: E, listener: (payload: BaileysSocketEvents[E]) => void): void;
  off<E extends BaileysEventName>(event: E, listener: (payload: BaileysSocketEvents[E]) => void): void;
}

export interface BaileysSocket {
  ev: BaileysSocketEmitter;
  sendMessage(jid: string, content: AnyMessageContent, options?: MiscMessageGenerationOptions): Promise<WAMessage | undefined>;
  sendPresenceUpdate(type: WAPresence, toJid?: string): Promise<void>;
  /** `phoneNumber`: digits only, with the country code. Resolves with the 8-character code. */
  requestPairingCode(phoneNumber: string): Promise<string>;
  /** Unlinks the device from the shop's phone (its auth state becomes useless). */
  logout(): Promise<void>;
  /** Closes the connection without unlinking. */
  end(error: Error | undefined): Promise<void>;
  readonly user: Contact | undefined;
}

export interface BaileysSocketOptions {
  botId: string;
  /** A message we sent, for Baileys' retries of messages the recipient could not decrypt. */
  getMessage(key: WAMessageKey): Promise<proto.IMessage | undefined>;
}

export interface BaileysSocketFactory {
  create(auth: AuthenticationState, options: BaileysSocketOptions): BaileysSocket;
}

type LogMethod = (obj: unknown, msg?: string) => void;

/** What Baileys expects of a logger (pino's shape). */
export interface BaileysLogger {
  level: string;
  child(bindings: Record<string, unknown>): BaileysLogger;
  trace: LogMethod;
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

/** The message of a Baileys log call, never the object beside it (it may hold keys, JIDs or message content). */
function messageOf(obj: unknown, msg?: string): string {
  if (msg) return msg;
  if (typeof obj === "string") return obj;
  if (obj instanceof Error) return obj.message;
  return "baileys event";
}

function errorOf(obj: unknown): string | undefined {
  if (obj instanceof Error) return obj.message;
  if (typeof obj === "object" && obj !== null) {
    const { err, error } = obj as { err?: unknown; error?: unknown };
    const inner = err ?? error;
    if (inner instanceof Error) return inner.message;
  }
  return undefined;
}

/** Baileys' pino-style calls → the service's winston logger, warnings and errors only, with the bot id. */
export function baileysLogger(logger: Logger, botId: string): BaileysLogger {
  const ignore: LogMethod = () => undefined;
  const self: BaileysLogger = {
    level: "warn",
    child: () => self,
    trace: ignore,
    debug: ignore,
    info: ignore,
    warn: (obj, msg) => logger.warn(`baileys: ${messageOf(obj, msg)}`, { botId, error: errorOf(obj) }),
    error: (obj, msg) => logger.error(`baileys: ${messageOf(obj, msg)}`, { botId, error: errorOf(obj) }),
  };
  return self;
}

export interface RealFactoryOptions {
  logger: Logger;
  /** How the linked device is named on the shop's phone ("Linked devices"). */
  browserName: string;
  /** Override of WhatsApp's WebSocket URL (none in production). */
  webSocketUrl?: string;
}

/** Sockets over the real makeWASocket. */
export function createBaileysSocketFactory({ logger, browserName, webSocketUrl }: RealFactoryOptions): BaileysSocketFactory {
  return {
    create(auth, { botId, getMessage }) {
      const socket = makeWASocket({
        auth,
        logger: baileysLogger(logger, botId),
        browser: Browsers.ubuntu(browserName),
        markOnlineOnConnect: false,
        syncFullHistory: false,
        shouldSyncHistoryMessage: () => false,
        fireInitQueries: true,
        getMessage,
        ...(webSocketUrl ? { waWebSocketUrl: webSocketUrl } : {}),
      });
      return {
        ev: {
          on: (event, listener) => socket.ev.on(event, listener),
          off: (event, listener) => socket.ev.off(event, listener),
        },
        sendMessage: (jid, content, options) => socket.sendMessage(jid, content, options),
        sendPresenceUpdate: (type, toJid) => socket.sendPresenceUpdate(type, toJid),
        requestPairingCode: (phoneNumber) => socket.requestPairingCode(phoneNumber),
        logout: () => socket.logout(),
        end: (error) => socket.end(error),
        get user() {
          return socket.user;
        },
      };
    },
  };
}
