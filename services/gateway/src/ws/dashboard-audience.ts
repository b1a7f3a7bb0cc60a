// Which of a tenant's users receive which dashboard events. Live activity goes to
// everyone who may read the tenant's bots; what lets someone take over a bot (a
// pairing QR or code) goes only to the roles that may connect bots. No service
// emits those yet: the rule is here so that the first producer does not leak
// them to viewers and agents.
import { can, type Permission } from "../auth/permissions.js";
import type { Role } from "../auth/tokens.js";

const DEFAULT_PERMISSION: Permission = "bots:read";

/** Event type prefixes that need more than DEFAULT_PERMISSION. */
const RESTRICTED: readonly { prefix: string; permission: Permission }[] = [
  { prefix: "bot.qr", permission: "bots:connect" },
  { prefix: "bot.pairing", permission: "bots:connect" },
];

export function mayReceive(role: Role, eventType: string): boolean {
  const rule = RESTRICTED.find(({ prefix }) => eventType.startsWith(prefix));
  return can(role, rule?.permission ?? DEFAULT_PERMISSION);
}
