// The linked-device sessions this replica runs (one Baileys socket per bot it
// owns, see baileys-ownership.ts). A session starts from the bot's stored
// auth state, persists every creds/keys change, publishes each state / QR /
// pairing-code change (connection-updates.ts), and follows the connection
// policy by DisconnectReason:
// - restartRequired (515, normal right after pairing): a new socket at once;
// - loggedOut (401): the stored state is cleared, the bot needs a new link,
//   no reconnect (a fresh link starts when someone asks for it: relink());
// - connectionReplaced (440): another client took the number over; stop and
//   report, never fight for it;
// - anything else: a new socket after a jittered exponential backoff.
// A send that fails while the socket says "open" probes it with a presence
// update; a probe that fails or hangs replaces the socket. A send that finds
// the session connecting (taken over a moment ago, or reconnecting) waits a
// little for it to open, so a handover between replicas fails no send.
// Stopping a session (handover, shutdown) ends its socket without logging
// out, so the next owner resumes from the stored state.
import type { AnyMessageContent, proto } from "@whiskeysockets/baileys";
import { LRUCache } from "lru-cache";
import { AppError, type Logger } from "@fleet/service-kit";
import { MaybeSentError } from "../../providers/provider.js";
import type { ConnectionUpdates, LinkState } from "../connection-updates.js";
import type { BaileysAuthRepository, BaileysAuthState, BaileysBot } from "./baileys-auth.repository.js";
import { loadBaileys, type BaileysLibrary } from "./baileys-library.js";
import type { BaileysReceiver } from "./baileys-receiver.js";
import type { BaileysSocket, BaileysSocketEvents, BaileysSocketFactory } from "./baileys-socket.js";

export interface SessionView {
  state: LinkState;
  qr?: string;
  pairingCode?: string;
  detail?: string;
}

export interface BaileysSessionsDeps {
  factory: BaileysSocketFactory;
  auth: Pick<BaileysAuthRepository, "load" | "clear">;
  updates: Pick<ConnectionUpdates, "publish">;
  receive: BaileysReceiver;
  logger: Logger;
  /** Reconnect delays after an unexpected close: initialMs × 2^(n-1), capped at maxMs, then jittered (50-100 %). */
  backoff?: { initialMs: number; maxMs: number };
  /** How long the probe of a socket whose sends fail may take. */
  probeTimeoutMs?: number;
  /** How long a pairing-code request waits for the socket's first QR. */
  pairingTimeoutMs?: number;
  /**
   * How long a send waits for a session that is connecting (just taken over from another replica,
   * or reconnecting) to open, before failing with BAILEYS_NOT_CONNECTED (0: fail at once).
   */
  connectWaitMs?: number;
  random?: () => number;
  now?: () => number;
}

export interface SendOptions {
  /** Shows "typing…" to the contact for this long before the message goes out (0: not at all). */
  typingMs: number;
}

/** The status code Baileys puts in lastDisconnect.error (a Boom's output.statusCode). */
export function disconnectCode(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("output" in error)) return undefined;
  const { output } = error as { output?: unknown };
  if (typeof output !== "object" || output === null || !("statusCode" in output)) return undefined;
  const { statusCode } = output as { statusCode?: unknown };
  return typeof statusCode === "number" ? statusCode : undefined;
}

type DisconnectReasons = BaileysLibrary["DisconnectReason"];

function reasonNames(reasons: DisconnectReasons): Map<number, string> {
  return new Map<number, string>([
    [reasons.connectionClosed, "connection closed"],
    [reasons.connectionLost, "connection lost or timed out"],
    [reasons.connectionReplaced, "connection replaced"],
    [reasons.loggedOut, "logged out"],
    [reasons.badSession, "bad session"],
    [reasons.restartRequired, "restart required"],
    [reasons.multideviceMismatch, "multi-device mismatch"],
    [reasons.forbidden, "forbidden"],
    [reasons.unavailableService, "service unavailable"],
  ]);
}

let names: Map<number, string> | null = null;

function reasonOf(reasons: DisconnectReasons, code: number | undefined): string {
  names ??= reasonNames(reasons);
  return (code !== undefined && names.get(code)) || `closed${code === undefined ? "" : ` (${code})`}`;
}

/** The library's DisconnectReason codes (loaded with the session's auth state, before its first socket). */
async function disconnectReasons(): Promise<DisconnectReasons> {
  return (await loadBaileys()).DisconnectReason;
}

function notConnected(state: LinkState): AppError {
  return new AppError("unavailable", "BAILEYS_NOT_CONNECTED", `The bot's WhatsApp session is not connected (${state.replace("_", " ")})`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface PendingPairing {
  phone: string;
  resolve: (code: string) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

class Session {
  private socket: BaileysSocket | null = null;
  private auth: BaileysAuthState | null = null;
  private view: SessionView = { state: "connecting" };
  private attempts = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** connectionReplaced or loggedOut: no socket until relink(). */
  private halted = false;
  private qrSeen = false;
  private probing = false;
  private pairing: PendingPairing[] = [];
  private credsWrites: Promise<void> = Promise.resolve();
  /** Upserts are taken in one at a time, so a conversation's messages reach its stream in the order WhatsApp gave them. */
  private intake: Promise<void> = Promise.resolve();
  private detach: (() => void) | null = null;
  /** Messages this session sent: their echoes are ours, and Baileys may ask for them to retry a delivery. */
  private readonly sent = new LRUCache<string, proto.IMessage>({ max: 500 });
  /** Sends waiting for the session to leave "connecting", woken by every published state. */
  private readonly stateWaiters = new Set<() => void>();

  constructor(
    public bot: BaileysBot,
    private readonly deps: Required<Pick<BaileysSessionsDeps, "backoff" | "probeTimeoutMs" | "pairingTimeoutMs" | "connectWaitMs" | "random" | "now">> & BaileysSessionsDeps,
  ) {}

  get state(): SessionView {
    return { ...this.view };
  }

  /** Logged out or replaced: no socket until relink(). */
  get isHalted(): boolean {
    return this.halted;
  }

  private log(message: string, fields: Record<string, unknown> = {}, level: "info" | "warn" | "error" = "info"): void {
    this.deps.logger[level](message, { botId: this.bot.botId, tenantId: this.bot.tenantId, provider: "baileys", ...fields });
  }

  private async publish(view: SessionView): Promise<void> {
    this.view = view;
    this.wakeWaiters();
    try {
      await this.deps.updates.publish({ botId: this.bot.botId, tenantId: this.bot.tenantId, ...view, at: this.deps.now() });
    } catch (error) {
      this.log("connection update not published", { error: error instanceof Error ? error.message : String(error) }, "warn");
    }
  }

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    this.timer = null;
    if (this.stopped || this.halted) return;
    // A new socket starts from what is stored: pairing's creds (registered, me) are written first.
    await this.credsWrites;
    try {
      this.auth ??= await this.deps.auth.load(this.bot.botId);
    } catch (error) {
      this.log("baileys auth state not loaded", { error: error instanceof Error ? error.message : String(error) }, "error");
      this.retryLater("auth state unavailable");
      return;
    }
    if (this.stopped || this.halted) return;
    this.qrSeen = false;
    // Issued before the socket exists, so it is ordered before anything the socket reports.
    const announced = this.publish({ state: "connecting", ...(this.view.detail && this.view.state === "connecting" ? { detail: this.view.detail } : {}) });
    const socket = this.deps.factory.create(this.auth.state, { botId: this.bot.botId, getMessage: async (key) => (key.id ? this.sent.get(key.id) : undefined) });
    this.socket = socket;
    this.listen(socket);
    await announced;
  }

  private listen(socket: BaileysSocket): void {
    const onConnection = (update: BaileysSocketEvents["connection.update"]) => void this.onConnection(socket, update);
    const onCreds = (update: BaileysSocketEvents["creds.update"]) => this.onCreds(update);
    const onMessages = (upsert: BaileysSocketEvents["messages.upsert"]) => void this.onMessages(socket, upsert);
    socket.ev.on("connection.update", onConnection);
    socket.ev.on("creds.update", onCreds);
    socket.ev.on("messages.upsert", onMessages);
    this.detach = () => {
      socket.ev.off("connection.update", onConnection);
      socket.ev.off("creds.update", onCreds);
      socket.ev.off("messages.upsert", onMessages);
    };
  }

  private onCreds(update: BaileysSocketEvents["creds.update"]): void {
    const auth = this.auth;
    if (!auth) return;
    // Baileys merges the update into the same creds object; merging here too makes the order of listeners irrelevant.
    Object.assign(auth.state.creds, update);
    this.credsWrites = this.credsWrites
      .then(() => auth.saveCreds())
      .catch((error: unknown) => this.log("baileys creds not saved", { error: error instanceof Error ? error.message : String(error) }, "error"));
  }

  private async onConnection(socket: BaileysSocket, update: BaileysSocketEvents["connection.update"]): Promise<void> {
    if (socket !== this.socket) return;
    if (update.qr) {
      this.qrSeen = true;
      await this.publish({ state: "awaiting_pairing", qr: update.qr, ...(this.view.pairingCode ? { pairingCode: this.view.pairingCode } : {}) });
      this.requestPendingPairing(socket);
    }
    if (update.connection === "open") {
      this.attempts = 0;
      this.log("baileys session connected");
      await this.publish({ state: "connected" });
    } else if (update.connection === "close") {
      this.detach?.();
      this.detach = null;
      this.socket = null;
      await this.onClose(disconnectCode(update.lastDisconnect?.error));
    }
  }

  private async onClose(code: number | undefined): Promise<void> {
    if (this.stopped) return;
    const DisconnectReason = await disconnectReasons();
    if (this.stopped) return;
    const reason = reasonOf(DisconnectReason, code);
    if (code === DisconnectReason.restartRequired) {
      this.log("baileys session restarting", { reason });
      this.view = { state: "connecting", detail: reason };
      await this.connect();
      return;
    }
    if (code === DisconnectReason.loggedOut) {
      this.halted = true;
      this.failPairing(new AppError("failed_precondition", "BAILEYS_LOGGED_OUT", "The WhatsApp session was logged out"));
      this.log("baileys session logged out; its auth state is cleared and the bot needs a new link", {}, "warn");
      await this.clearState();
      await this.publish({ state: "needs_link", detail: reason });
      return;
    }
    if (code === DisconnectReason.connectionReplaced) {
      this.halted = true;
      this.failPairing(new AppError("failed_precondition", "BAILEYS_CONNECTION_REPLACED", "Another client took the WhatsApp session over"));
      this.log("baileys session replaced by another client; not reconnecting", {}, "warn");
      await this.publish({ state: "disconnected", detail: "connection replaced by another WhatsApp Web client" });
      return;
    }
    this.retryLater(reason);
  }

  private retryLater(reason: string): void {
    if (this.stopped || this.halted || this.timer) return;
    this.attempts++;
    const { initialMs, maxMs } = this.deps.backoff;
    const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(this.attempts - 1, 30));
    const delayMs = Math.round(ceiling * (0.5 + this.deps.random() / 2));
    this.log("baileys session closed; reconnecting", { reason, attempt: this.attempts, delayMs }, "warn");
    this.timer = setTimeout(() => void this.connect(), delayMs);
    void this.publish({ state: "connecting", detail: `${reason}; reconnecting` });
  }

  private async clearState(): Promise<void> {
    await this.credsWrites;
    this.auth = null;
    try {
      await this.deps.auth.clear(this.bot.botId);
    } catch (error) {
      this.log("baileys auth state not cleared", { error: error instanceof Error ? error.message : String(error) }, "error");
    }
  }

  private onMessages(socket: BaileysSocket, { messages, type }: BaileysSocketEvents["messages.upsert"]): Promise<void> {
    const auth = this.auth;
    if (socket !== this.socket || type !== "notify" || !auth) return this.intake;
    this.intake = this.intake.then(async () => {
      try {
        await this.deps.receive({ bot: this.bot, keys: auth.state.keys, sentByUs: (id) => this.sent.has(id) }, messages);
      } catch (error) {
        // Baileys does not redeliver: a message lost here is lost. Loud, so the operator sees Redis trouble.
        this.log("baileys messages not taken in", { count: messages.length, error: error instanceof Error ? error.message : String(error) }, "error");
      }
    });
    return this.intake;
  }

  // ---- linking ----

  private requestPendingPairing(socket: BaileysSocket): void {
    const pending = this.pairing;
    this.pairing = [];
    for (const request of pending) {
      clearTimeout(request.timer);
      socket.requestPairingCode(request.phone).then(
        async (code) => {
          await this.publish({ ...this.view, state: "awaiting_pairing", pairingCode: code });
          request.resolve(code);
        },
        (error: unknown) => request.reject(new AppError("unavailable", "BAILEYS_PAIRING_FAILED", "WhatsApp did not give a pairing code; try again", { cause: error })),
      );
    }
  }

  private failPairing(error: Error): void {
    for (const request of this.pairing) {
      clearTimeout(request.timer);
      request.reject(error);
    }
    this.pairing = [];
  }

  async requestPairingCode(phone: string): Promise<string> {
    if (this.auth?.state.creds.registered) throw new AppError("failed_precondition", "BAILEYS_ALREADY_LINKED", "The bot is already linked to a phone");
    if (this.halted) await this.relink();
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pairing = this.pairing.filter((request) => request.timer !== timer);
        reject(new AppError("unavailable", "BAILEYS_PAIRING_TIMEOUT", "The WhatsApp session did not get ready for pairing in time; try again"));
      }, this.deps.pairingTimeoutMs);
      this.pairing.push({ phone, resolve, reject, timer });
      // WhatsApp takes the request only after the socket's first QR (the server has accepted the login attempt).
      if (this.socket && this.qrSeen) this.requestPendingPairing(this.socket);
    });
  }

  /** After a logout or a replaced connection: start over (a fresh link with new creds after a logout). */
  async relink(): Promise<void> {
    if (!this.halted || this.stopped) return;
    this.halted = false;
    this.attempts = 0;
    await this.connect();
  }

  // ---- sending ----

  private wakeWaiters(): void {
    for (const wake of [...this.stateWaiters]) wake();
  }

  /** Resolves once the session is no longer connecting (or stopped, halted, or the wait is over). */
  private async leftConnecting(waitMs: number): Promise<void> {
    const until = this.deps.now() + waitMs;
    while (this.view.state === "connecting" && !this.stopped && !this.halted) {
      const leftMs = until - this.deps.now();
      if (leftMs <= 0) return;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.stateWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, leftMs);
        this.stateWaiters.add(wake);
      });
    }
  }

  async send(jid: string, content: AnyMessageContent, { typingMs }: SendOptions): Promise<string> {
    if (this.deps.connectWaitMs > 0) await this.leftConnecting(this.deps.connectWaitMs);
    const socket = this.socket;
    if (!socket || this.view.state !== "connected") throw notConnected(this.view.state);
    if (typingMs > 0) {
      // Presence is cosmetic: a failure here must not cost the message.
      await socket.sendPresenceUpdate("composing", jid).catch(() => undefined);
      await sleep(typingMs);
      await socket.sendPresenceUpdate("paused", jid).catch(() => undefined);
    }
    let sent;
    try {
      sent = await socket.sendMessage(jid, content);
    } catch (error) {
      const code = disconnectCode(error);
      const DisconnectReason = await disconnectReasons();
      // Closed before the message was written: nothing left, another try (or provider) is safe.
      if (code === DisconnectReason.connectionClosed || socket !== this.socket) throw new AppError("unavailable", "BAILEYS_NOT_CONNECTED", "The WhatsApp session closed before the message was sent", { cause: error });
      void this.probe(socket);
      throw new MaybeSentError("baileys", "PROVIDER_FAILED", "The WhatsApp session failed to send; the message may or may not have gone out", { cause: error });
    }
    const id = sent?.key.id;
    if (!sent || !id) throw new MaybeSentError("baileys", "PROVIDER_NO_MESSAGE_ID", "The WhatsApp session answered without a message id");
    this.sent.set(id, sent.message ?? {});
    return id;
  }

  /** Is the "open" socket really alive? A cheap presence update must go through in time, else the socket is replaced. */
  private async probe(socket: BaileysSocket): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        socket.sendPresenceUpdate("unavailable"),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("probe timed out")), this.deps.probeTimeoutMs);
        }),
      ]);
    } catch (error) {
      if (socket === this.socket && !this.stopped) {
        this.log("baileys socket open but not working; replacing it", { error: error instanceof Error ? error.message : String(error) }, "warn");
        this.detach?.();
        this.detach = null;
        this.socket = null;
        await socket.end(undefined).catch(() => undefined);
        this.view = { state: "connecting", detail: "the connection stopped answering" };
        await this.connect();
      }
    } finally {
      clearTimeout(timer);
      this.probing = false;
    }
  }

  // ---- stopping ----

  /** Ends the socket; with `logout`, unlinks the device and clears the stored state too (the bot is deleted or unlinked). */
  async stop({ logout }: { logout: boolean }): Promise<void> {
    this.stopped = true;
    this.wakeWaiters();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.failPairing(new AppError("unavailable", "BAILEYS_SESSION_MOVED", "The WhatsApp session stopped on this replica; try again"));
    const socket = this.socket;
    this.detach?.();
    this.detach = null;
    this.socket = null;
    if (socket) {
      if (logout) await socket.logout().catch((error: unknown) => this.log("baileys logout failed", { error: error instanceof Error ? error.message : String(error) }, "warn"));
      await socket.end(undefined).catch(() => undefined);
    }
    await this.credsWrites;
    await this.intake;
    if (logout) await this.clearState();
  }
}

export function createBaileysSessions(deps: BaileysSessionsDeps) {
  const full = {
    backoff: { initialMs: 1000, maxMs: 60_000 },
    probeTimeoutMs: 5000,
    pairingTimeoutMs: 30_000,
    connectWaitMs: 0,
    random: Math.random,
    now: Date.now,
    ...deps,
  };
  const sessions = new Map<string, Session>();

  function session(botId: string): Session {
    const found = sessions.get(botId);
    if (!found) throw new AppError("unavailable", "BAILEYS_SESSION_NOT_HERE", "The bot's WhatsApp session does not run on this replica");
    return found;
  }

  return {
    /** Starts the bot's session unless it runs already (then only its settings are refreshed). */
    async start(bot: BaileysBot): Promise<void> {
      const running = sessions.get(bot.botId);
      if (running) {
        running.bot = bot;
        return;
      }
      const created = new Session(bot, full);
      sessions.set(bot.botId, created);
      await created.start();
    },
    has: (botId: string) => sessions.has(botId),
    botIds: () => [...sessions.keys()],
    view: (botId: string): SessionView | null => sessions.get(botId)?.state ?? null,
    halted: (botId: string): boolean => sessions.get(botId)?.isHalted ?? false,
    requestPairingCode: (botId: string, phone: string) => session(botId).requestPairingCode(phone),
    relink: (botId: string) => session(botId).relink(),
    send: (botId: string, jid: string, content: AnyMessageContent, options: SendOptions) => session(botId).send(jid, content, options),
    async stop(botId: string, { logout = false }: { logout?: boolean } = {}): Promise<void> {
      const found = sessions.get(botId);
      if (!found) return;
      sessions.delete(botId);
      await found.stop({ logout });
    },
    /** Graceful stop: every socket ends without logging out. */
    async stopAll(): Promise<void> {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(all.map((s) => s.stop({ logout: false })));
    },
  };
}

export type BaileysSessions = ReturnType<typeof createBaileysSessions>;
