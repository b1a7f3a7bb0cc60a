// One live Baileys socket per bot in the whole fleet. Each replica renews a
// heartbeat (a member of one sorted set, scored by when it expires) and, for
// every bot it runs, a lease in Redis (`baileys:owner:<bot>`, value: this
// replica's id and gRPC address, so a send landing elsewhere knows where to
// go). Every tick (renewMs) a replica:
// 1. renews its heartbeat and its leases; a lease it lost, or one it cannot
//    be sure to still hold by the next tick, has its socket closed at once;
// 2. stops sessions of bots that no longer have a Baileys provider (logging
//    the device out, as DeleteBot does when it runs on the owner);
// 3. takes free bots up to its share, ceil(bots / live replicas), and hands
//    back the ones above it (a replica that joins gets its share).
// A graceful stop ends the sockets (without logging out) and releases the
// leases, so another replica takes the bots over on its next tick instead of
// after the TTL.
import { randomUUID } from "node:crypto";
import { createLeaseRepository, type Logger, type RedisClient } from "@fleet/service-kit";
import type { BaileysBot } from "./baileys-auth.repository.js";
import type { BaileysSessions } from "./baileys-sessions.js";

const REPLICAS_KEY = "baileys:replicas";
const leaseKey = (botId: string) => `baileys:owner:${botId}`;
/** Set when someone asks for a new link of a bot whose session was logged out or replaced (its owner picks it up). */
const relinkKey = (botId: string) => `baileys:relink:${botId}`;

export interface BaileysOwnershipOptions {
  redis: RedisClient;
  sessions: Pick<BaileysSessions, "start" | "stop" | "stopAll" | "has" | "halted" | "relink">;
  /** Every bot with a Baileys provider (Postgres). */
  listBots(): Promise<BaileysBot[]>;
  /** Where this replica's gRPC server is reachable by the other replicas. */
  address: string;
  logger: Logger;
  /** Lease and heartbeat TTL (about 15 s). */
  ttlMs: number;
  /** Tick interval: renewals, takeovers and handovers (about 5 s). */
  renewMs: number;
  now?: () => number;
}

/** The owner of a bot's session as its lease names it. */
export interface SessionOwner {
  replicaId: string;
  address: string;
}

export function parseOwner(value: string | null): SessionOwner | null {
  if (!value) return null;
  const space = value.indexOf(" ");
  if (space <= 0) return null;
  return { replicaId: value.slice(0, space), address: value.slice(space + 1) };
}

export function createBaileysOwnership({ redis, sessions, listBots, address, logger, ttlMs, renewMs, now = Date.now }: BaileysOwnershipOptions) {
  const replicaId = randomUUID();
  const owner = `${replicaId} ${address}`;
  const leases = createLeaseRepository(redis);
  /** Bots whose lease this replica holds, and until when it is surely still theirs (from the send time of the last renewal). */
  const held = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopping = false;
  /** Sessions being started: a tick never waits for them (loading state, first socket), so renewals keep their pace. */
  const starting = new Set<Promise<void>>();

  const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

  async function drop(botId: string, why: string, logout = false): Promise<void> {
    held.delete(botId);
    await sessions.stop(botId, { logout }).catch((error: unknown) => logger.error("baileys session did not stop cleanly", { botId, error: errorText(error) }));
    logger.info("baileys session given up", { botId, why });
  }

  async function heartbeat(): Promise<number> {
    const at = now();
    await redis.zadd(REPLICAS_KEY, at + ttlMs, replicaId);
    await redis.zremrangebyscore(REPLICAS_KEY, "-inf", at);
    await redis.pexpire(REPLICAS_KEY, ttlMs * 4);
    return Math.max(1, await redis.zcard(REPLICAS_KEY));
  }

  let renewedAt = 0;

  function startSession(bot: BaileysBot): void {
    const started = sessions
      .start(bot)
      .catch((error: unknown) => {
        logger.error("baileys session did not start", { botId: bot.botId, error: errorText(error) });
      })
      .finally(() => starting.delete(started));
    starting.add(started);
  }

  async function renewAll(): Promise<void> {
    renewedAt = now();
    await Promise.all(
      [...held.keys()].map(async (botId) => {
        const sentAt = now();
        try {
          if (await leases.renew(leaseKey(botId), owner, ttlMs)) held.set(botId, sentAt + ttlMs);
          else await drop(botId, "lease lost");
        } catch (error) {
          logger.warn("baileys lease not renewed", { botId, error: errorText(error) });
        }
      }),
    );
    // Not renewed (Redis away): the socket must be closed before another replica may take the lease.
    const deadline = now() + renewMs + Math.min(1000, renewMs);
    for (const [botId, validUntil] of [...held]) if (validUntil <= deadline) await drop(botId, "lease could not be renewed in time");
  }

  async function tick(): Promise<void> {
    let live: number;
    try {
      live = await heartbeat();
    } catch (error) {
      logger.warn("baileys replica heartbeat failed", { error: errorText(error) });
      live = 1;
    }
    await renewAll();
    if (stopping) return;
    let bots: BaileysBot[];
    try {
      bots = await listBots();
    } catch (error) {
      logger.warn("baileys bots not listed", { error: errorText(error) });
      return;
    }
    const wanted = new Map(bots.map((bot) => [bot.botId, bot]));
    for (const botId of [...held.keys()]) {
      if (!wanted.has(botId)) {
        // Deleted, or no longer linked through Baileys: unlink the device from the shop's phone too.
        await drop(botId, "bot has no baileys provider any more", true);
        await leases.release(leaseKey(botId), owner).catch(() => false);
      }
    }
    for (const botId of held.keys()) {
      const bot = wanted.get(botId);
      // Settings may have changed (e.g. groups): a running session picks them up.
      if (bot) startSession(bot);
      if (sessions.halted(botId) && (await redis.del(relinkKey(botId))) > 0) await sessions.relink(botId);
    }
    const share = Math.ceil(bots.length / live);
    if (held.size > share) {
      // Hand the surplus back (most recently listed last), so a replica that joined gets its share.
      const surplus = [...held.keys()].slice(share);
      for (const botId of surplus) {
        await drop(botId, "rebalancing");
        await leases.release(leaseKey(botId), owner).catch(() => false);
      }
      return;
    }
    // Start from a per-replica offset, so replicas starting together do not all race for the same bots.
    const offset = bots.length > 0 ? parseInt(replicaId.slice(0, 8), 16) % bots.length : 0;
    const candidates = [...bots.slice(offset), ...bots.slice(0, offset)].filter((bot) => !held.has(bot.botId));
    for (const bot of candidates) {
      if (held.size >= share || stopping) break;
      // Acquiring many bots takes a while: leases already held must not run out meanwhile.
      if (now() - renewedAt > renewMs) await renewAll();
      const sentAt = now();
      let acquired = false;
      try {
        acquired = await leases.acquire(leaseKey(bot.botId), owner, ttlMs);
      } catch (error) {
        logger.warn("baileys lease not acquired", { botId: bot.botId, error: errorText(error) });
        break;
      }
      if (!acquired) continue;
      held.set(bot.botId, sentAt + ttlMs);
      logger.info("baileys session taken", { botId: bot.botId });
      startSession(bot);
    }
  }

  function schedule(): void {
    if (stopping) return;
    timer = setTimeout(() => {
      running = tick()
        .catch((error: unknown) => {
          logger.error("baileys ownership tick failed", { error: errorText(error) });
        })
        .finally(() => {
          running = null;
          schedule();
        });
    }, renewMs);
  }

  return {
    replicaId,
    /** Runs the first tick (so bots are taken at once) and then one every renewMs. */
    async start(): Promise<void> {
      stopping = false;
      running = tick().catch((error: unknown) => {
        logger.error("baileys ownership tick failed", { error: errorText(error) });
      });
      await running;
      running = null;
      schedule();
    },
    /** Ends every socket (no logout) and releases the leases and the heartbeat: others take over at once. */
    async stop(): Promise<void> {
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
      await Promise.all([...starting]);
      const botIds = [...held.keys()];
      held.clear();
      await sessions.stopAll();
      await Promise.all(botIds.map((botId) => leases.release(leaseKey(botId), owner).catch(() => false)));
      await redis.zrem(REPLICAS_KEY, replicaId).catch(() => 0);
    },
    /** Asks the bot's owner, wherever it runs, to link a logged-out or replaced session again (on its next tick). */
    async requestRelink(botId: string): Promise<void> {
      if (sessions.halted(botId)) {
        await sessions.relink(botId);
        return;
      }
      await redis.set(relinkKey(botId), "1", "PX", ttlMs * 4);
    },
    /** The replica that runs the bot's session now, if any. */
    async ownerOf(botId: string): Promise<SessionOwner | null> {
      return parseOwner(await leases.holder(leaseKey(botId)));
    },
    /** Whether this replica runs the bot's session. */
    owns: (botId: string) => held.has(botId) && sessions.has(botId),
    /** How many bots this replica runs. */
    get count(): number {
      return held.size;
    },
  };
}

export type BaileysOwnership = ReturnType<typeof createBaileysOwnership>;
