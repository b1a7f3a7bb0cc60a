// Who may do what: the one permission table of the gateway. Every use case
// checks its permission with `authorize(actor, …)` before doing anything, so
// the rule holds whichever route, job or test calls it.
import { AppError } from "@fleet/service-kit";
import { roles, type Role } from "./tokens.js";

/** The authenticated user a use case acts for; its tenant scopes everything it touches. */
export interface Actor {
  userId: string;
  tenantId: string;
  role: Role;
}

const everyone = roles;
const managers = ["owner", "admin"] as const satisfies readonly Role[];
const sellers = ["owner", "admin", "agent"] as const satisfies readonly Role[];

export const PERMISSIONS = {
  /** See one's own account and tenant. */
  "account:read": everyone,
  /** List and read the tenant's users. */
  "users:read": managers,
  /** Invite, change, disable and remove users (raising to owner is owners-only, see users module). */
  "users:write": managers,
  /** List and read bots and their connection state. */
  "bots:read": everyone,
  /** Create, change and delete bots and their providers. */
  "bots:write": managers,
  /** Pair a bot with WhatsApp (QR code, pairing code). */
  "bots:connect": managers,
  /** Read customers' messages and their media. */
  "messages:read": everyone,
  /** Send a message from a bot to a customer. */
  "messages:send": sellers,
  /**
   * List and read flows and their versions, validate and simulate them. Viewers too: the role
   * exists to see everything without changing anything, a flow holds no secret values (http
   * headers name the tenant's secrets, never carry them) and viewers already read the customers'
   * messages the flows produce.
   */
  "flows:read": everyone,
  /** Create flows, save drafts and activate versions (what every bot answers). */
  "flows:write": managers,
  /** Read a contact's conversation state (step, variables, timers). */
  "conversations:read": sellers,
  /** Reset a contact's conversation. */
  "conversations:write": managers,
  /**
   * Hand a paused conversation (a hand-off) back to the bot. Sellers too: the agent who took the
   * conversation over is the one who knows when it is done.
   */
  "conversations:resume": sellers,
  /** The catalogue: products, variants, search and the CSV export. */
  "products:read": everyone,
  /** Create, change, deactivate and import products; adjust stock. */
  "products:write": managers,
  /** Customers (agents see every customer of the shop; the dashboard highlights their own). */
  "customers:read": everyone,
  /** Create and change customers (name, addresses, tags, notes, price tier). */
  "customers:write": sellers,
  /** Orders and their history. */
  "orders:read": everyone,
  /** Create orders, change their status, record payments. */
  "orders:write": sellers,
  /** The shop's analytics (KPIs, charts). */
  "analytics:read": everyone,
  /** Sellers, their schedules and assignments. */
  "sellers:read": everyone,
  /** Create and change sellers and their schedules; assign and release customers by hand. */
  "sellers:write": managers,
  /** A seller sets their own status (online, offline, busy) and releases their customers. */
  "sellers:self": sellers,
  /** The shop's settings: business hours, time zone, currency, language. */
  "settings:read": everyone,
  "settings:write": managers,
  /** The fleet's detailed health (versions, dependencies). */
  "fleet:read": managers,
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/**
 * The bot-orchestrator calling the internal CommerceService for one tenant's flows. It acts for that
 * tenant only, with what a conversation needs: read the catalogue and the shop's settings, keep
 * customers, take orders, assign and release sellers.
 */
export interface ServiceActor {
  service: "bot-orchestrator";
  tenantId: string;
}

export const SERVICE_PERMISSIONS: readonly Permission[] = ["products:read", "customers:read", "customers:write", "orders:read", "orders:write", "sellers:read", "sellers:self", "settings:read"];

/** Whoever a use case acts for: a dashboard user or the orchestrator. */
export type Caller = Actor | ServiceActor;

export function isServiceActor(caller: Caller): caller is ServiceActor {
  return "service" in caller;
}

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

/** Throws 403 FORBIDDEN unless the actor's role (or the calling service) has the permission. */
export function authorize(actor: Caller, permission: Permission): void {
  const allowed = isServiceActor(actor) ? SERVICE_PERMISSIONS.includes(permission) : can(actor.role, permission);
  if (!allowed) {
    throw new AppError("permission_denied", "FORBIDDEN", "Your role does not allow this action", { details: { permission } });
  }
}
