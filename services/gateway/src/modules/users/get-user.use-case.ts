// One user of the tenant: managers read anyone, everyone reads themselves.
import { authorize, type Actor } from "../../auth/permissions.js";
import { userNotFound } from "./user-rules.js";
import type { UserRecord, UsersDirectory } from "./users.repository.js";

export function createGetUser({ users }: { users: Pick<UsersDirectory, "forTenant"> }) {
  return async function getUser(actor: Actor, userId: string): Promise<UserRecord> {
    if (userId !== actor.userId) authorize(actor, "users:read");
    const user = await users.forTenant(actor.tenantId).find(userId);
    if (!user) throw userNotFound();
    return user;
  };
}

export type GetUser = ReturnType<typeof createGetUser>;
