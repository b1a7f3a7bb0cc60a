// Which of a tenant's users receive which dashboard events. Live activity goes to
// everyone who may read the tenant's bots; what lets someone take over a bot (a
// pairing QR or code) goes only to the roles that may connect bots: in
// connection frames, others get the state without the QR and pairing code.
import { can, type Permission } from "../auth/permissions.js";
import type { Role } from "../auth/tokens.js";
import type { DashboardConnection } from "./dashboard-messages.schema.js";

const DEFAULT_PERMISSION: Permission = "bots:read";

/** Event type prefixes that need more than DEFAULT_PERMISSION. */
const RESTRICTED: readonly { prefix: string; permission: Permission }[] = [
  { prefix: "bot.qr", permission: "bots:connect" },
  { prefix: "bot.pairing", permission: "bots:connect" },
];

/** KPI pushes ("kpis" frames) go to those who may read the shop's analytics. */
export function mayReceiveKpis(role: Role): boolean {
  return can(role, "analytics:read");
}

export function mayReceive(role: Role, eventType: string): boolean {
  const rule = RESTRICTED.find(({ prefix }) => eventType.startsWith(prefix));
  return can(role, rule?.permission ?? DEFAULT_PERMISSION);
}

/** The connection frame as `role` may see it; null when it may not see the bot's state at all. */
export function connectionFrameFor(role: Role, frame: DashboardConnection): DashboardConnection | null {
  if (can(role, "bots:connect")) return frame;
  if (!can(role, DEFAULT_PERMISSION)) return null;
  const { qr: _qr, pairingCode: _pairingCode, ...state } = frame;
  return state;
}
