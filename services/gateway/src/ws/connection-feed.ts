// The live connection of the tenants' Baileys bots (state, each new QR, a
// pairing code) for the dashboard sockets of this gateway replica.
//
// Design: while this replica has sockets of a tenant, it holds one
// WatchConnection stream to the adapter per Baileys bot of that tenant, and
// closes them when the tenant's last socket goes. Frames go straight from the
// stream to the tenant's sockets here, so a bot's updates keep their order.
// Cost: (replicas with sockets of the tenant) × (the tenant's Baileys bots)
// HTTP/2 streams — a handful per tenant, multiplexed on the replica's channel
// to the adapter, and on the adapter one Redis subscription per bot watched
// (one subscriber connection per adapter process). Nothing is spent on tenants
// nobody is looking at.
// Rejected: mirroring updates into the `events` stream for the dashboard
// consumer to forward. A QR or pairing code links a phone to the shop's number:
// it must not be kept in a stream that analytics stores, and QRs refresh every
// ~20 s per linking bot, traffic every consumer of `events` would pay for.
//
// The tenant's bots are listed again every refreshMs, so a bot created or
// switched to Baileys meanwhile is watched within that time. A stream that
// fails (adapter restarting) is opened again with backoff; one answered
// NOT_FOUND or FAILED_PRECONDITION (bot deleted, no longer Baileys) is dropped
// until the next listing says otherwise.
import { AppError, type Logger } from "@fleet/service-kit";
import type { AdapterClient, ConnectionUpdate } from "../clients/adapter.client.js";
import type { DashboardConnection } from "./dashboard-messages.schema.js";

export interface ConnectionFeedOptions {
  adapter: Pick<AdapterClient, "listBots" | "watchConnection">;
  logger: Logger;
  /** One frame for the sockets of the tenant. */
  onFrame: (tenantId: string, frame: DashboardConnection) => void;
  /** How often a watched tenant's bots are listed again. */
  refreshMs?: number;
  /** First wait before opening a failed stream again (doubling up to maxRetryMs). */
  retryMs?: number;
  maxRetryMs?: number;
}

export interface ConnectionFeed {
  /** Starts watching the tenant's Baileys bots (no-op when already watched). */
  watchTenant(tenantId: string): void;
  /** Stops every stream of the tenant. */
  unwatchTenant(tenantId: string): void;
  /** The last frame of each watched bot of the tenant: what a socket that just connected is sent. */
  current(tenantId: string): DashboardConnection[];
  close(): void;
}

interface WatchedBot {
  controller: AbortController;
  last: DashboardConnection | null;
  lastSeq: number;
}

interface WatchedTenant {
  controller: AbortController;
  bots: Map<string, WatchedBot>;
}

/** Stops waiting when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

function frameOf(update: ConnectionUpdate): DashboardConnection | null {
  // A state newer than this build: the dashboard could not show it either.
  if (update.state === null) return null;
  return {
    kind: "connection",
    botId: update.botId,
    state: update.state,
    ...(update.qr ? { qr: update.qr } : {}),
    ...(update.pairingCode ? { pairingCode: update.pairingCode } : {}),
    ...(update.detail ? { detail: update.detail } : {}),
    at: update.at,
  };
}

const FINAL_KINDS: ReadonlySet<AppError["kind"]> = new Set(["not_found", "failed_precondition", "permission_denied", "invalid_argument"]);

export function createConnectionFeed({ adapter, logger, onFrame, refreshMs = 30_000, retryMs = 500, maxRetryMs = 30_000 }: ConnectionFeedOptions): ConnectionFeed {
  const tenants = new Map<string, WatchedTenant>();

  async function watchBot(tenantId: string, botId: string, bot: WatchedBot): Promise<void> {
    const { signal } = bot.controller;
    let wait = retryMs;
    while (!signal.aborted) {
      try {
        for await (const update of adapter.watchConnection({ tenantId, botId }, { signal })) {
          wait = retryMs;
          // After a reconnect the stream starts again with the latest update: it was already sent.
          if (bot.last !== null && update.seq <= bot.lastSeq) continue;
          const frame = frameOf(update);
          if (!frame) continue;
          bot.last = frame;
          bot.lastSeq = update.seq;
          onFrame(tenantId, frame);
        }
      } catch (error) {
        if (error instanceof AppError && FINAL_KINDS.has(error.kind)) {
          logger.info("bot connection no longer watched", { tenantId, botId, code: error.code });
          return;
        }
        logger.warn("bot connection stream failed: opening it again", { tenantId, botId, error: error instanceof Error ? error.message : String(error) });
      }
      await sleep(wait, signal);
      wait = Math.min(wait * 2, maxRetryMs);
    }
  }

  /** Lists the tenant's bots (every page) and brings the streams in line: one per Baileys bot. */
  async function refresh(tenantId: string, tenant: WatchedTenant): Promise<void> {
    const baileys = new Set<string>();
    let pageToken: string | undefined;
    do {
      const page = await adapter.listBots({ tenantId, pageSize: 100, ...(pageToken ? { pageToken } : {}) });
      for (const bot of page.bots) if (bot.providers.some((provider) => provider.kind === "baileys")) baileys.add(bot.id);
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken && !tenant.controller.signal.aborted);
    if (tenant.controller.signal.aborted) return;
    for (const [botId, bot] of tenant.bots) {
      if (baileys.has(botId)) continue;
      bot.controller.abort();
      tenant.bots.delete(botId);
    }
    for (const botId of baileys) {
      const existing = tenant.bots.get(botId);
      // A stream that ended for good (bot deleted meanwhile) is opened again only if the bot is listed again.
      if (existing && !existing.controller.signal.aborted) continue;
      const bot: WatchedBot = { controller: new AbortController(), last: null, lastSeq: -1 };
      tenant.bots.set(botId, bot);
      void watchBot(tenantId, botId, bot).finally(() => bot.controller.abort());
    }
  }

  async function keepRefreshed(tenantId: string, tenant: WatchedTenant): Promise<void> {
    const { signal } = tenant.controller;
    while (!signal.aborted) {
      try {
        await refresh(tenantId, tenant);
        await sleep(refreshMs, signal);
      } catch (error) {
        logger.warn("listing the tenant's bots for their connection feed failed", { tenantId, error: error instanceof Error ? error.message : String(error) });
        await sleep(Math.min(retryMs * 4, refreshMs), signal);
      }
    }
  }

  function unwatchTenant(tenantId: string): void {
    const tenant = tenants.get(tenantId);
    if (!tenant) return;
    tenants.delete(tenantId);
    tenant.controller.abort();
    for (const bot of tenant.bots.values()) bot.controller.abort();
  }

  return {
    watchTenant(tenantId) {
      if (tenants.has(tenantId)) return;
      const tenant: WatchedTenant = { controller: new AbortController(), bots: new Map() };
      tenants.set(tenantId, tenant);
      void keepRefreshed(tenantId, tenant);
    },
    unwatchTenant,
    current(tenantId) {
      return [...(tenants.get(tenantId)?.bots.values() ?? [])].flatMap((bot) => (bot.last ? [bot.last] : []));
    },
    close() {
      for (const tenantId of [...tenants.keys()]) unwatchTenant(tenantId);
    },
  };
}
