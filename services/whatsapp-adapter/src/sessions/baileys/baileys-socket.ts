// The one place that builds Baileys sockets. Sessions see only the small
// BaileysSocket surface they use, so tests inject a fake factory that emits
// the same events; production uses makeWASocket with what a shop's linked
// number needs: no "online" presence on connect (the shop's phone keeps its
// notifications), no history sync (QR loops under CPU starvation come from
// pre-key generation plus history sync), and a logger that forwards only
// warnings and errors, without the objects Baileys attaches (keys, JIDs).
// The library itself is loaded with the first socket (baileys-library.ts).
import type {
  AnyMessageContent,
  AuthenticationState,
  BaileysEventMap,
  Contact,
  MiscMessageGenerationOptions,
  WAMessage,
  WAMessageKey,
  WAPresence,
  proto,
} from "@whiskeysockets/baileys";
import type { Logger } from "@fleet/service-kit";
import { loadBaileys } from "./baileys-library.js";

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

/**
 * Sockets over the real makeWASocket. `create` answers at once, as sessions expect; the socket
 * underneath is made as soon as the library is loaded (at once after the first time), and
 * listeners added meanwhile are attached to it before it can emit anything.
 */
export function createBaileysSocketFactory({ logger, browserName, webSocketUrl }: RealFactoryOptions): BaileysSocketFactory {
  return {
    create(auth, { botId, getMessage }) {
      type RealSocket = ReturnType<Awaited<ReturnType<typeof loadBaileys>>["makeWASocket"]>;
      let socket: RealSocket | null = null;
      /** ev.on / ev.off calls made before the socket exists, replayed on it in order. */
      let pending: ((real: RealSocket) => void)[] = [];
      let endedEarly: { error: Error | undefined } | null = null;
      const ready = loadBaileys().then(({ makeWASocket, Browsers }) => {
        const real = makeWASocket({
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
        for (const replay of pending) replay(real);
        pending = [];
        socket = real;
        if (endedEarly) void real.end(endedEarly.error).catch(() => undefined);
        return real;
      });
      // A library that cannot be loaded fails every call on this socket; the session's auth state load reports it first.
      ready.catch((error: unknown) => logger.error("baileys library not loaded", { botId, error: error instanceof Error ? error.message : String(error) }));
      const whenReady = <T>(call: (real: RealSocket) => Promise<T>): Promise<T> => (socket ? call(socket) : ready.then(call));
      return {
        ev: {
          on: (event, listener) => {
            if (socket) socket.ev.on(event, listener);
            else pending.push((real) => real.ev.on(event, listener));
          },
          off: (event, listener) => {
            if (socket) socket.ev.off(event, listener);
            else pending.push((real) => real.ev.off(event, listener));
          },
        },
        sendMessage: (jid, content, options) => whenReady((real) => real.sendMessage(jid, content, options)),
        sendPresenceUpdate: (type, toJid) => whenReady((real) => real.sendPresenceUpdate(type, toJid)),
        requestPairingCode: (phoneNumber) => whenReady((real) => real.requestPairingCode(phoneNumber)),
        logout: () => whenReady((real) => real.logout()),
        async end(error) {
          if (socket) return socket.end(error);
          endedEarly = { error };
        },
        get user() {
          return socket?.user;
        },
      };
    },
  };
}
