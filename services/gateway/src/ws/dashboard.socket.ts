// The dashboard's WebSocket (`/ws`, subprotocol "fleet.v1"): live fleet events of
// the caller's tenant, pushed by the server.
// - Authentication happens before the upgrade (see socket-auth.ts); a refused
//   request gets a plain HTTP answer (401, 400, 429, 503) and never becomes a
//   WebSocket. An open socket is closed with 4401 when its token expires or its
//   user is disabled (checked every userRecheckIntervalMs).
// - Events reach this replica on its tenants' Redis channels (the events consumer
//   of one replica publishes each event once), so each client gets only its own
//   tenant's events, whichever replica it is connected to; so do the tenant's
//   fresh KPIs ("kpis" frames, see kpi-pushes.ts), to users who may read analytics.
// - A client that does not answer a ping within pingIntervalMs is cut; one whose
//   send buffer exceeds maxBufferedBytes is closed with 4008 instead of being
//   buffered for: the gateway's memory does not depend on its slowest client.
// - Connection frames (state, QR, pairing code of the tenant's Baileys bots)
//   come from the adapter's WatchConnection streams this replica holds while it
//   has sockets of the tenant (see connection-feed.ts); a socket that connects
//   is sent each bot's current one after "ready".
// - close() refuses new upgrades (503), closes every socket with 1001 and waits
//   for them at most closeTimeoutMs, so stopping the HTTP server never hangs on
//   a WebSocket.
import { randomUUID } from "node:crypto";
import { STATUS_CODES, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import type { Logger, Metrics, RedisClient } from "@fleet/service-kit";
import type { Actor } from "../auth/permissions.js";
import { connectionFrameFor, mayReceive, mayReceiveKpis } from "./dashboard-audience.js";
import { createConnectionFeed, type ConnectionFeedOptions } from "./connection-feed.js";
import { createDashboardSubscriber } from "./dashboard-channels.repository.js";
import { DASHBOARD_CLOSE_CODES, DASHBOARD_PROTOCOL, type DashboardConnection, type DashboardServerMessage } from "./dashboard-messages.schema.js";
import { dashboardMetrics, type UpgradeRefusalReason } from "./dashboard.metrics.js";
import { createSocketAuth, type SocketAuthDeps } from "./socket-auth.js";

export interface DashboardSocketOptions extends SocketAuthDeps {
  /** The HTTP server whose `upgrade` requests for `path` this handles. */
  server: Server;
  /** A Redis connection for this socket alone: SUBSCRIBE puts it in subscriber mode. Its owner closes it. */
  subscriber: RedisClient;
  /** REDIS_KEY_PREFIX: channel names carry it, as ioredis does not prefix them. */
  keyPrefix: string;
  logger: Logger;
  /** The adapter whose WatchConnection streams feed the connection frames; without it, sockets get no connection frames. */
  connections?: Omit<ConnectionFeedOptions, "logger" | "onFrame">;
  /** The service's registry, for the dashboard_ws_* series. */
  registry: Metrics["registry"];
  path?: string;
  pingIntervalMs?: number;
  maxBufferedBytes?: number;
  /** Open sockets per tenant on this replica; 0: no limit. */
  maxConnectionsPerTenant?: number;
  userRecheckIntervalMs?: number;
  /** How long a closing socket may take to finish its closing handshake before it is cut. */
  closeTimeoutMs?: number;
  now?: () => number;
}

export interface DashboardSocket {
  /** Open sockets on this replica. */
  readonly connections: number;
  close(): Promise<void>;
}

interface Client {
  socket: WebSocket;
  actor: Actor;
  /** Answered the last ping. */
  alive: boolean;
  /** Sent "ready": connection frames go to it from then on (the current ones were sent with "ready"). */
  ready: boolean;
  /** Closing on the server's decision: nothing more is sent to it. */
  closing: boolean;
  timers: Set<NodeJS.Timeout>;
  closed: Promise<void>;
}

const refusalStatus = { not_found: 404, unsupported_protocol: 400, missing_token: 401, invalid_token: 401, inactive_user: 401, tenant_limit: 429, shutting_down: 503, error: 503 } as const satisfies Record<UpgradeRefusalReason, number>;
const refusalCode = { 400: "BAD_REQUEST", 401: "UNAUTHENTICATED", 404: "NOT_FOUND", 429: "TOO_MANY_CONNECTIONS", 503: "UNAVAILABLE" } as const;
const refusalMessage = {
  400: `Offer the subprotocol ${DASHBOARD_PROTOCOL}`,
  401: "Missing, invalid or expired access token",
  404: "Not found",
  429: "Too many open dashboard connections for this tenant",
  503: "The service is temporarily unavailable; retry later",
} as const;

const REQUEST_ID = /^[\w.:-]{1,128}$/;
// setTimeout fires at once beyond this; tokens live 24 h at most, far below it.
const MAX_TIMER_MS = 2 ** 31 - 1;

function pathOf(url: string | undefined): string {
  const raw = url ?? "/";
  const query = raw.indexOf("?");
  return query >= 0 ? raw.slice(0, query) : raw;
}

export function createDashboardSocket(options: DashboardSocketOptions): DashboardSocket {
  const { server, subscriber, keyPrefix, logger, users } = options;
  const path = options.path ?? "/ws";
  const pingIntervalMs = options.pingIntervalMs ?? 30_000;
  const maxBufferedBytes = options.maxBufferedBytes ?? 1_048_576;
  const maxConnectionsPerTenant = options.maxConnectionsPerTenant ?? 0;
  const userRecheckIntervalMs = options.userRecheckIntervalMs ?? 60_000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 2000;
  const now = options.now ?? Date.now;
  const metrics = dashboardMetrics(options.registry);
  const authenticate = createSocketAuth(options);

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    // Clients have nothing to say: a large frame is a mistake or an attack.
    maxPayload: 4096,
    handleProtocols: (offered) => (offered.has(DASHBOARD_PROTOCOL) ? DASHBOARD_PROTOCOL : false),
  });

  const tenants = new Map<string, Set<Client>>();
  const subscribed = new Set<string>();
  const syncs = new Map<string, Promise<void>>();
  let stopping = false;
  let stopped: Promise<void> | null = null;
  let connections = 0;

  const channels = createDashboardSubscriber({
    subscriber,
    keyPrefix,
    logger,
    onEvent: (tenantId, event) => {
      const clients = tenants.get(tenantId);
      if (!clients) return;
      const frame = JSON.stringify(event);
      for (const client of clients) if (event.kind === "kpis" ? mayReceiveKpis(client.actor.role) : mayReceive(client.actor.role, event.type)) send(client, frame);
    },
    onMalformed: () => metrics.eventsSkipped.inc({ reason: "bad_publication" }),
  });

  const connectionFeed = options.connections
    ? createConnectionFeed({
        ...options.connections,
        logger,
        onFrame: (tenantId, frame) => {
          for (const client of tenants.get(tenantId) ?? []) if (client.ready) sendConnection(client, frame);
        },
      })
    : null;

  function sendConnection(client: Client, frame: DashboardConnection): void {
    const visible = connectionFrameFor(client.actor.role, frame);
    if (visible) sendMessage(client, visible);
  }

  function allClients(): Client[] {
    return [...tenants.values()].flatMap((clients) => [...clients]);
  }

  function send(client: Client, frame: string): void {
    const { socket } = client;
    if (client.closing || socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > maxBufferedBytes) {
      metrics.slowClientsDropped.inc();
      logger.warn("dashboard client too slow: closing it", { tenantId: client.actor.tenantId, userId: client.actor.userId, bufferedBytes: socket.bufferedAmount });
      closeClient(client, DASHBOARD_CLOSE_CODES.slowConsumer, "slow consumer");
      return;
    }
    socket.send(frame);
    metrics.messagesSent.inc();
  }

  function sendMessage(client: Client, message: DashboardServerMessage): void {
    send(client, JSON.stringify(message));
  }

  /** Starts the closing handshake; a client that does not finish it within closeTimeoutMs is cut. */
  function closeClient(client: Client, code: number, reason: string): void {
    if (client.closing) return;
    client.closing = true;
    client.socket.close(code, reason);
    const cut = setTimeout(() => client.socket.terminate(), closeTimeoutMs);
    cut.unref();
    client.timers.add(cut);
  }

  /** Brings the tenant's channel subscription in line with its clients; one change at a time per tenant. */
  function syncSubscription(tenantId: string): Promise<void> {
    const previous = syncs.get(tenantId) ?? Promise.resolve();
    const next = previous.then(async () => {
      const wanted = (tenants.get(tenantId)?.size ?? 0) > 0;
      try {
        if (wanted && !subscribed.has(tenantId)) {
          await channels.subscribe(tenantId);
          subscribed.add(tenantId);
        } else if (!wanted && subscribed.has(tenantId)) {
          subscribed.delete(tenantId);
          await channels.unsubscribe(tenantId);
        }
      } catch (error) {
        logger.warn("dashboard channel subscription failed", { tenantId, error: error instanceof Error ? error.message : String(error) });
      }
    });
    syncs.set(tenantId, next);
    void next.then(() => {
      if (syncs.get(tenantId) === next) syncs.delete(tenantId);
    });
    return next;
  }

  function refuse(req: IncomingMessage, socket: Duplex, reason: UpgradeRefusalReason): void {
    const status = refusalStatus[reason];
    const incoming = req.headers["x-request-id"];
    const requestId = typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    metrics.upgradesRefused.inc({ reason });
    // Never the headers: the offered subprotocols carry the token.
    logger.warn("websocket upgrade refused", { reason, status, requestId, remoteAddress: req.socket.remoteAddress });
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify({ error: { code: refusalCode[status], message: refusalMessage[status], requestId } });
    socket.once("finish", () => socket.destroy());
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `X-Request-Id: ${requestId}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  function accept(socket: WebSocket, actor: Actor, expiresAt: number | null): void {
    let resolveClosed: () => void = () => {};
    const client: Client = { socket, actor, alive: true, ready: false, closing: false, timers: new Set(), closed: new Promise((resolve) => (resolveClosed = resolve)) };
    const { tenantId } = actor;
    const clients = tenants.get(tenantId) ?? new Set<Client>();
    tenants.set(tenantId, clients);
    clients.add(client);
    connectionFeed?.watchTenant(tenantId);
    connections++;
    metrics.connections.inc();
    logger.info("dashboard client connected", { tenantId, userId: actor.userId });

    socket.on("pong", () => {
      client.alive = true;
    });
    // Protocol errors (e.g. an oversized frame): ws closes the socket itself; this only keeps them from crashing the process.
    socket.on("error", (error) => logger.debug("dashboard socket error", { tenantId, error: error.message }));
    socket.on("close", (code) => {
      for (const timer of client.timers) clearTimeout(timer);
      clients.delete(client);
      if (clients.size === 0 && tenants.get(tenantId) === clients) {
        tenants.delete(tenantId);
        connectionFeed?.unwatchTenant(tenantId);
      }
      connections--;
      metrics.connections.dec();
      logger.info("dashboard client disconnected", { tenantId, userId: actor.userId, code });
      void syncSubscription(tenantId);
      resolveClosed();
    });

    if (stopping) {
      closeClient(client, DASHBOARD_CLOSE_CODES.goingAway, "server shutting down");
      return;
    }
    if (expiresAt !== null) {
      const expiry = setTimeout(() => closeClient(client, DASHBOARD_CLOSE_CODES.unauthenticated, "token expired"), Math.min(Math.max(expiresAt - now(), 0), MAX_TIMER_MS));
      expiry.unref();
      client.timers.add(expiry);
    }
    void syncSubscription(tenantId).then(() => {
      if (subscribed.has(tenantId)) {
        sendMessage(client, { kind: "ready", protocol: DASHBOARD_PROTOCOL });
        client.ready = true;
        for (const frame of connectionFeed?.current(tenantId) ?? []) sendConnection(client, frame);
      } else closeClient(client, DASHBOARD_CLOSE_CODES.unavailable, "event feed unavailable");
    });
  }

  async function admit(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (stopping) return refuse(req, socket, "shutting_down");
    let result;
    try {
      result = await authenticate(req);
    } catch (error) {
      logger.error("websocket authentication failed", { error });
      return refuse(req, socket, "error");
    }
    if (!result.ok) return refuse(req, socket, result.reason);
    if (stopping) return refuse(req, socket, "shutting_down");
    if (socket.destroyed) return;
    const open = tenants.get(result.actor.tenantId)?.size ?? 0;
    if (maxConnectionsPerTenant > 0 && open >= maxConnectionsPerTenant) return refuse(req, socket, "tenant_limit");
    const { actor, expiresAt } = result;
    // From the check above to accept() nothing yields (ws completes the upgrade synchronously), so the limit holds.
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off("error", ignoreSocketError);
      accept(ws, actor, expiresAt);
    });
  }

  function ignoreSocketError(): void {
    // A client that went away while being authenticated: nothing to answer.
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (pathOf(req.url) !== path) {
      // Another handler may own that path; when there is none, somebody has to answer.
      if (server.listenerCount("upgrade") === 1) refuse(req, socket, "not_found");
      return;
    }
    socket.on("error", ignoreSocketError);
    void admit(req, socket, head).catch((error: unknown) => {
      logger.error("websocket upgrade failed", { error });
      socket.destroy();
    });
  }

  function heartbeat(): void {
    for (const client of allClients()) {
      if (client.socket.readyState !== WebSocket.OPEN) continue;
      if (!client.alive) {
        metrics.heartbeatTimeouts.inc();
        logger.info("dashboard client missed its ping: cut", { tenantId: client.actor.tenantId, userId: client.actor.userId });
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
    }
  }

  let rechecking = false;
  /** Closes the sockets of users disabled since they connected, and follows role changes. */
  async function recheckUsers(): Promise<void> {
    if (rechecking || stopping) return;
    rechecking = true;
    try {
      const byUser = new Map<string, Client[]>();
      for (const client of allClients()) {
        if (client.closing) continue;
        const key = `${client.actor.tenantId}/${client.actor.userId}`;
        byUser.set(key, [...(byUser.get(key) ?? []), client]);
      }
      for (const clients of byUser.values()) {
        const first = clients[0];
        if (!first) continue;
        const user = await users.findActiveUser(first.actor.tenantId, first.actor.userId);
        for (const client of clients) {
          if (user) client.actor = { ...client.actor, role: user.role };
          else closeClient(client, DASHBOARD_CLOSE_CODES.unauthenticated, "user disabled");
        }
      }
    } catch (error) {
      // Postgres unavailable: sessions stay open, the next round checks again.
      logger.warn("dashboard user recheck failed", { error: error instanceof Error ? error.message : String(error) });
    } finally {
      rechecking = false;
    }
  }

  server.on("upgrade", onUpgrade);
  const heartbeatTimer = setInterval(heartbeat, pingIntervalMs);
  heartbeatTimer.unref();
  const recheckTimer = setInterval(() => void recheckUsers(), userRecheckIntervalMs);
  recheckTimer.unref();

  async function stop(): Promise<void> {
    stopping = true;
    clearInterval(heartbeatTimer);
    clearInterval(recheckTimer);
    connectionFeed?.close();
    const clients = allClients();
    for (const client of clients) closeClient(client, DASHBOARD_CLOSE_CODES.goingAway, "server shutting down");
    await Promise.all(clients.map((client) => client.closed));
    // Unsubscribing is a courtesy (the connection is closed next): it must not hold up a stop while Redis is away.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...syncs.values()]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, closeTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    channels.detach();
    server.off("upgrade", onUpgrade);
    wss.close();
  }

  return {
    get connections() {
      return connections;
    },
    close() {
      stopped ??= stop();
      return stopped;
    },
  };
}
