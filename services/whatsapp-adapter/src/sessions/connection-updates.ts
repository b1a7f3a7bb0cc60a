// The live link state of Baileys bots, shared by every adapter replica: the
// session that owns a bot publishes each state / QR / pairing-code change, and
// any replica can answer "what is it now" (GetConnection) or stream the changes
// (WatchConnection). The latest update of a bot is kept in a Redis key and each
// update is PUBLISHed on a per-bot channel, both by one script, so Redis alone
// numbers the updates (seq) and a watcher never sees them out of order.
// ioredis' keyPrefix does not apply to channel names: they carry it explicitly.
// A process holds one subscriber connection, whatever the number of watchers;
// a bot's channel is subscribed while at least one watcher of it is running.
import { z } from "zod";
import { AppError, type RedisClient } from "@fleet/service-kit";

export type LinkState = "connected" | "connecting" | "awaiting_pairing" | "needs_link" | "disconnected";
export interface ConnectionUpdate {
  botId: string;
  tenantId: string;
  state: LinkState;
  /** The QR payload to render (Baileys' `qr` string), while awaiting_pairing. */
  qr?: string;
  /** The 8-character pairing code, when one was requested. */
  pairingCode?: string;
  /** Why (never a secret): e.g. "logged out", "restart required". */
  detail?: string;
  /** ms since the epoch; updates of one bot are ordered by (at, seq). */
  at: number;
  seq: number;
}
export interface ConnectionUpdates {
  publish(update: Omit<ConnectionUpdate, "seq">): Promise<ConnectionUpdate>;
  latest(botId: string): Promise<ConnectionUpdate | null>;
  /**
   * The latest update first (if any), then every new one, until the signal aborts. `whenNone` is
   * yielded first instead when the bot has no update yet — only once subscribed, so whatever a
   * session publishes after a watcher saw it reaches that watcher.
   */
  watch(botId: string, signal: AbortSignal, whenNone?: ConnectionUpdate): AsyncIterable<ConnectionUpdate>;
}

export const LINK_STATES = ["connected", "connecting", "awaiting_pairing", "needs_link", "disconnected"] as const satisfies readonly LinkState[];

const ConnectionUpdateSchema = z.object({
  botId: z.string().min(1),
  tenantId: z.string().min(1),
  state: z.enum(LINK_STATES),
  qr: z.string().min(1).optional(),
  pairingCode: z.string().min(1).optional(),
  detail: z.string().optional(),
  at: z.number().int().nonnegative(),
  seq: z.number().int().positive(),
});

// KEYS[1]: the bot's counter, KEYS[2]: its latest update (one hash tag: one slot on a cluster).
// ARGV[1]: the update as JSON without seq, ARGV[2]: the channel. Numbers the update, keeps it as
// the latest and publishes it in one step, so the key and the channel always agree on the order.
const PUBLISH = `local seq = redis.call('INCR', KEYS[1])
local json = string.sub(ARGV[1], 1, -2) .. ',"seq":' .. seq .. '}'
redis.call('SET', KEYS[2], json)
redis.call('PUBLISH', ARGV[2], json)
return json`;

interface ConnectionUpdateCommands {
  fleetConnectionUpdatePublish(seqKey: string, latestKey: string, json: string, channel: string): Promise<unknown>;
}

const CHANNEL = "conn-updates:";

export function connectionUpdatesChannel(keyPrefix: string, botId: string): string {
  return `${keyPrefix}${CHANNEL}${botId}`;
}

function parseUpdate(raw: unknown): ConnectionUpdate | null {
  if (typeof raw !== "string") return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = ConnectionUpdateSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** What a watcher hears: an update, or "resync" after the subscriber reconnected (messages may have been missed). */
type Signal = ConnectionUpdate | "resync";
type Listener = (signal: Signal) => void;

/** Per-channel fan-out over the one subscriber connection of the process. */
function createFanOut(subscriber: RedisClient, ownPrefix: string) {
  const channels = new Map<string, { listeners: Set<Listener>; subscribed: Promise<unknown> }>();
  let connectedOnce = subscriber.status === "ready";

  subscriber.on("message", (channel: string, message: string) => {
    if (!channel.startsWith(ownPrefix)) return;
    const entry = channels.get(channel);
    if (!entry) return;
    const update = parseUpdate(message);
    // The channel decides whose update it is; a body naming another bot is not delivered.
    if (update === null || update.botId !== channel.slice(ownPrefix.length)) return;
    for (const listener of entry.listeners) listener(update);
  });
  // ioredis subscribes again by itself after a reconnect; what was published meanwhile is lost,
  // so every watcher reads the latest update once more.
  subscriber.on("ready", () => {
    if (!connectedOnce) {
      connectedOnce = true;
      return;
    }
    for (const entry of channels.values()) for (const listener of entry.listeners) listener("resync");
  });

  return {
    /** Resolves once the channel is subscribed, so nothing published afterwards can be missed. */
    async add(channel: string, listener: Listener): Promise<void> {
      let entry = channels.get(channel);
      if (!entry) {
        entry = { listeners: new Set(), subscribed: subscriber.subscribe(channel) };
        channels.set(channel, entry);
      }
      entry.listeners.add(listener);
      try {
        await entry.subscribed;
      } catch (error) {
        await this.remove(channel, listener);
        throw error;
      }
    },
    async remove(channel: string, listener: Listener): Promise<void> {
      const entry = channels.get(channel);
      if (!entry?.listeners.delete(listener) || entry.listeners.size > 0) return;
      channels.delete(channel);
      // Commands on one connection run in order: a later add's SUBSCRIBE comes after this.
      await subscriber.unsubscribe(channel).catch(() => undefined);
    },
  };
}

export function createConnectionUpdates({ redis, subscriber, keyPrefix }: { redis: RedisClient; subscriber: RedisClient; keyPrefix: string }): ConnectionUpdates {
  redis.defineCommand("fleetConnectionUpdatePublish", { numberOfKeys: 2, lua: PUBLISH });
  const commands = redis as unknown as ConnectionUpdateCommands;
  const fanOut = createFanOut(subscriber, `${keyPrefix}${CHANNEL}`);
  const seqKey = (botId: string) => `conn:{${botId}}:seq`;
  const latestKey = (botId: string) => `conn:{${botId}}:latest`;

  const latest = async (botId: string): Promise<ConnectionUpdate | null> => parseUpdate(await redis.get(latestKey(botId)));

  async function* watch(botId: string, signal: AbortSignal, whenNone?: ConnectionUpdate): AsyncGenerator<ConnectionUpdate> {
    if (signal.aborted) return;
    const channel = connectionUpdatesChannel(keyPrefix, botId);
    const queue: Signal[] = [];
    let wake: (() => void) | null = null;
    const notify = () => {
      const resume = wake;
      wake = null;
      resume?.();
    };
    const listener: Listener = (update) => {
      queue.push(update);
      notify();
    };
    signal.addEventListener("abort", notify);
    try {
      // Subscribed before reading the latest: an update published in between is queued, not lost.
      await fanOut.add(channel, listener);
      // Real updates count from 1; `whenNone` is numbered 0.
      let lastSeq = -1;
      let first = true;
      queue.unshift("resync");
      while (!signal.aborted) {
        const next = queue.shift();
        if (next === undefined) {
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        const update = next === "resync" ? ((await latest(botId)) ?? (first && whenNone ? { ...whenNone, seq: 0 } : null)) : next;
        first = false;
        if (update === null || update.seq <= lastSeq) continue;
        lastSeq = update.seq;
        yield update;
      }
    } finally {
      signal.removeEventListener("abort", notify);
      await fanOut.remove(channel, listener);
    }
  }

  return {
    async publish(update) {
      const checked = ConnectionUpdateSchema.omit({ seq: true }).safeParse(update);
      if (!checked.success) throw new AppError("invalid_argument", "CONNECTION_UPDATE_INVALID", `connection update: ${checked.error.issues.map((issue) => issue.path.join(".")).join(", ")} invalid`);
      const parsed = checked.data;
      const channel = connectionUpdatesChannel(keyPrefix, parsed.botId);
      const raw = await commands.fleetConnectionUpdatePublish(seqKey(parsed.botId), latestKey(parsed.botId), JSON.stringify(parsed), channel);
      const published = parseUpdate(raw);
      if (published === null) throw new Error("connection update: Redis answered an unreadable update");
      return published;
    },
    latest,
    watch,
  };
}
