// The caller's own account: who they are, their tenant, and what their role
// lets them do (so the dashboard can hide what would be refused). Role and
// permissions come from the stored user, not from the token.
import { authorize, can, PERMISSIONS, type Actor, type Permission } from "../../auth/permissions.js";
import { unauthenticated, type Role } from "../../auth/tokens.js";
import type { AccountsRepository, TenantRecord } from "./accounts.repository.js";

export interface Me {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  tenant: TenantRecord;
  permissions: Permission[];
}

const isPermission = (key: string): key is Permission => Object.hasOwn(PERMISSIONS, key);
const ALL_PERMISSIONS: Permission[] = Object.keys(PERMISSIONS).filter(isPermission);

export function permissionsOf(role: Role): Permission[] {
  return ALL_PERMISSIONS.filter((permission) => can(role, permission));
}

export function createMe({ accounts }: { accounts: Pick<AccountsRepository, "findAccount"> }) {
  return async function me(actor: Actor): Promise<Me> {
    authorize(actor, "account:read");
    const account = await accounts.findAccount(actor.tenantId, actor.userId);
    // Disabled or removed since the token was checked: the same answer as a dead token.
    if (!account) throw unauthenticated();
    const { user, tenant } = account;
    return { id: user.id, email: user.email, displayName: user.displayName, role: user.role, tenant, permissions: permissionsOf(user.role) };
  };
}

export type GetMe = ReturnType<typeof createMe>;
