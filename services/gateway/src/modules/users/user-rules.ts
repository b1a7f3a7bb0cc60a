// The rules every change to a user obeys, shared by the users use cases:
// only an owner touches owners or makes someone an owner, and a tenant never
// loses its last enabled owner.
import { AppError } from "@fleet/service-kit";
import type { Actor } from "../../auth/permissions.js";
import type { Role } from "../../auth/tokens.js";
import type { TenantUsers, UserRecord } from "./users.repository.js";

export const userNotFound = () => new AppError("not_found", "USER_NOT_FOUND", "User not found");

/** Only owners may grant the owner role or change an owner. */
export function assertMayManage(actor: Actor, target: { role: Role } | null, newRole?: Role): void {
  if (actor.role === "owner") return;
  if (newRole === "owner") throw new AppError("permission_denied", "OWNER_REQUIRED", "Only an owner can make someone an owner");
  if (target?.role === "owner") throw new AppError("permission_denied", "OWNER_REQUIRED", "Only an owner can change or remove an owner");
}

/** Refuses a change that would leave the tenant without an enabled owner (call inside the transaction). */
export async function assertKeepsAnOwner(users: TenantUsers, target: UserRecord, stillOwner: boolean): Promise<void> {
  if (target.role !== "owner" || target.disabled || stillOwner) return;
  const owners = await users.lockEnabledOwners();
  if (owners.filter((id) => id !== target.id).length === 0) {
    throw new AppError("conflict", "LAST_OWNER", "The tenant's last owner cannot be removed, disabled or demoted");
  }
}

/** Ends a user's sessions at once (refresh tokens revoked, cached identity dropped). */
export interface SessionRevoker {
  revokeAllForUser(tenantId: string, userId: string): Promise<void>;
}
