// The tenant's users, for managers.
import { authorize, type Actor } from "../../auth/permissions.js";
import type { UsersDirectory, UserRecord } from "./users.repository.js";

export function createListUsers({ users }: { users: Pick<UsersDirectory, "forTenant"> }) {
  return async function listUsers(actor: Actor): Promise<UserRecord[]> {
    authorize(actor, "users:read");
    return users.forTenant(actor.tenantId).list();
  };
}

export type ListUsers = ReturnType<typeof createListUsers>;
