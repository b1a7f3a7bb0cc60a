// A dashboard as the tests see it: a `ws` client that offers "fleet.v1" and its
// token as subprotocols, keeps every frame (parsed with the server's schema),
// and can be asked for the next matching one; plus seeding of tenants and users
// and fleet events in the shape services append them.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { WebSocket } from "ws";
import type { AnalyticsEvent } from "@fleet/contracts";
import type { Role } from "../src/auth/tokens.js";
import { DASHBOARD_PROTOCOL, DashboardServerMessageSchema, type DashboardEvent, type DashboardServerMessage } from "../src/ws/dashboard-messages.schema.js";
import { insertTenantUser } from "./seed-users.js";

export interface DashboardClient {
  ws: WebSocket;
  /** Every frame received, in order. */
  messages: DashboardServerMessage[];
  /** The raw text of every frame. */
  raw: string[];
  events(): DashboardEvent[];
  /** Resolves with the first event (received so far or later) matching `match`. */
  waitForEvent(match: (event: DashboardEvent) => boolean, timeoutMs?: number): Promise<DashboardEvent>;
  /** Code and reason of the close, once closed. */
  closed: Promise<{ code: number; reason: string }>;
}

export interface ConnectOptions {
  /** Subprotocols to offer; default fleet.v1 and the bearer token. */
  protocols?: string[];
  /** false: pings are not answered, as a client whose network died. */
  autoPong?: boolean;
}

export function dashboardProtocols(token: string): string[] {
  return [DASHBOARD_PROTOCOL, `bearer.${token}`];
}

/** Opens a socket and waits for the server's "ready" frame. */
export async function connectDashboard(url: string, token: string, options: ConnectOptions = {}): Promise<DashboardClient> {
  const ws = new WebSocket(url, options.protocols ?? dashboardProtocols(token), { autoPong: options.autoPong ?? true });
  const messages: DashboardServerMessage[] = [];
  const raw: string[] = [];
  const waiters = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString("utf8") })));
  ws.on("message", (data) => {
    const text = Buffer.isBuffer(data) ? data.toString("utf8") : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString("utf8");
    raw.push(text);
    messages.push(DashboardServerMessageSchema.parse(JSON.parse(text)));
    for (const wake of waiters) wake();
  });
  const events = () => messages.flatMap((message) => (message.kind === "event" ? [message] : []));
  const client: DashboardClient = {
    ws,
    messages,
    raw,
    events,
    closed,
    waitForEvent(match, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events().find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events())}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no ready frame within 5 s")), 5000);
    const onReady = () => {
      if (!messages.some((message) => message.kind === "ready")) return;
      clearTimeout(timer);
      waiters.delete(onReady);
      resolve();
    };
    waiters.add(onReady);
    ws.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    ws.once("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`closed with ${code} before ready`));
    });
  });
  return client;
}

/** An upgrade the server is expected to refuse: its HTTP status and body. */
export function refusedUpgrade(url: string, protocols: string[] = []): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    ws.once("open", () => {
      ws.terminate();
      reject(new Error("the upgrade was accepted"));
    });
    ws.once("unexpected-response", (_req, res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : null });
        ws.terminate();
      });
    });
    ws.once("error", (error) => {
      // After unexpected-response ws reports the aborted handshake as an error too.
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

export interface SeededUser {
  id: string;
  tenantId: string;
  role: Role;
}

/** A tenant (created when new) and a user in it, as the gateway stores them. */
export async function seedUser(pool: pg.Pool, tenant: string, role: Role): Promise<SeededUser> {
  const { id, tenantId } = await insertTenantUser(pool, { tenant, email: `${role}-${randomUUID()}@${tenant}.test`, role, password: randomUUID() });
  return { id, tenantId, role };
}

/** A fleet event as a service appends it to the `events` stream. */
export function fleetEvent(tenantId: string, fields: Partial<AnalyticsEvent> = {}): AnalyticsEvent {
  return {
    v: 1,
    id: randomUUID(),
    tenantId,
    occurredAt: new Date().toISOString(),
    type: "message.received",
    source: "bot-orchestrator",
    botId: "bot-1",
    contact: "5215550001",
    attributes: { provider: "meta", type: "text" },
    ...fields,
  };
}
