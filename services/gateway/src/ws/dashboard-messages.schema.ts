// What the dashboard WebSocket (/ws, subprotocol "fleet.v1") sends, and how a
// fleet event becomes one. The server only talks: every frame is one JSON text
// message; what clients send is ignored. Delivery is at most once and live only
// (Redis pub/sub between replicas): after a reconnect the dashboard reloads its
// state over the REST API, and an event may, rarely, arrive twice (the `events`
// stream is at-least-once), so clients dedupe by `id`.
import { z } from "zod";
import { AnalyticsEventSchema, connectionStateNames, type AnalyticsEvent } from "@fleet/contracts";
import { AnalyticsMetricsSchema } from "../modules/analytics/analytics.schemas.js";

/** The one subprotocol the server speaks; the client offers it beside its `bearer.<token>`. */
export const DASHBOARD_PROTOCOL = "fleet.v1";

/** Close codes a dashboard client should know (4000–4999 is the application's range). */
export const DASHBOARD_CLOSE_CODES = {
  /** The gateway replica is stopping: reconnect (to another replica). */
  goingAway: 1001,
  /** Token expired or user disabled while connected: refresh the token, then reconnect. */
  unauthenticated: 4401,
  /** The client did not read fast enough (4000 + 1008 policy violation): reconnect and reload. */
  slowConsumer: 4008,
  /** The gateway could not start the client's event feed (Redis): reconnect later. */
  unavailable: 1011,
} as const;

/**
 * One fleet event as the dashboard sees it: the tenant is implied by the
 * connection and never sent, nor the emitting service. `type` is any event type
 * of the fleet (message.*, conversation.*, order.created, handoff.requested, …):
 * types added to the contracts later (bot connection and QR changes, order
 * status) flow through without a change here.
 */
export const DashboardEventSchema = z.object({
  kind: z.literal("event"),
  /** The event's id in the fleet: the same event delivered twice has the same id. */
  id: z.string().min(1),
  type: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  botId: z.string().nullable(),
  contact: z.string().nullable(),
  attributes: AnalyticsEventSchema.shape.attributes.unwrap(),
});
export type DashboardEvent = z.infer<typeof DashboardEventSchema>;

/** First frame after the upgrade: the client's feed is live from here on. */
export const DashboardReadySchema = z.object({ kind: z.literal("ready"), protocol: z.literal(DASHBOARD_PROTOCOL) });
export type DashboardReady = z.infer<typeof DashboardReadySchema>;

/**
 * A change of one of the tenant's Baileys bots' live connection (see connection-feed.ts), in the
 * order the bot's session reported them. The QR payload and pairing code only reach users who may
 * connect bots; others get the state alone. A client that connects gets each bot's current one.
 */
export const DashboardConnectionSchema = z.object({
  kind: z.literal("connection"),
  botId: z.string().min(1),
  state: z.enum(connectionStateNames),
  /** The payload to draw as a QR code (or fetch GET /api/bots/{botId}/connection/qr.png). */
  qr: z.string().optional(),
  pairingCode: z.string().optional(),
  detail: z.string().optional(),
  at: z.iso.datetime({ offset: true }),
});
export type DashboardConnection = z.infer<typeof DashboardConnectionSchema>;

/**
 * The shop's fresh KPIs of the last 24 hours (the body of GET /api/analytics/metrics?range=24h),
 * pushed after events changed them, at most once per KPI_PUSH_INTERVAL_MS per shop (see
 * kpi-pushes.ts); only to users who may read analytics. They replace the KPIs the dashboard shows;
 * `at` orders two pushes.
 */
export const DashboardKpisSchema = z.object({
  kind: z.literal("kpis"),
  /** When they were computed. */
  at: z.iso.datetime({ offset: true }),
  range: z.literal("24h"),
  kpis: AnalyticsMetricsSchema,
});
export type DashboardKpis = z.infer<typeof DashboardKpisSchema>;

export const DashboardServerMessageSchema = z.discriminatedUnion("kind", [DashboardReadySchema, DashboardEventSchema, DashboardConnectionSchema, DashboardKpisSchema]);
export type DashboardServerMessage = z.infer<typeof DashboardServerMessageSchema>;

/** What one replica publishes for every replica's sockets of a tenant: a fleet event or fresh KPIs. */
export const DashboardPushSchema = z.discriminatedUnion("kind", [DashboardEventSchema, DashboardKpisSchema]);
export type DashboardPush = z.infer<typeof DashboardPushSchema>;

/** Most pushes one publication carries. */
export const MAX_PUSHES_PER_PUBLICATION = 500;

/**
 * What travels on a tenant's pub/sub channel between gateway replicas: the pushes published in
 * one turn of the publisher's event loop, in order (a replica before this format sent one `event`;
 * it is still read, for a rolling deploy).
 */
export const DashboardPublicationSchema = z.union([
  z.object({ tenantId: z.string().min(1), events: z.array(DashboardPushSchema).min(1).max(MAX_PUSHES_PER_PUBLICATION) }),
  z.object({ tenantId: z.string().min(1), event: DashboardPushSchema }).transform(({ tenantId, event }) => ({ tenantId, events: [event] })),
]);
export type DashboardPublication = z.infer<typeof DashboardPublicationSchema>;

export function toDashboardEvent(event: AnalyticsEvent): DashboardEvent {
  return {
    kind: "event",
    id: event.id,
    type: event.type,
    occurredAt: event.occurredAt,
    botId: event.botId ?? null,
    contact: event.contact ?? null,
    attributes: event.attributes,
  };
}
