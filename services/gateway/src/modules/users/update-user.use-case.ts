// A manager changes a user's name, role or enabled state. Disabling or
// demoting a user ends their sessions at once.
import { authorize, type Actor } from "../../auth/permissions.js";
import { assertKeepsAnOwner, assertMayManage, userNotFound, type SessionRevoker } from "./user-rules.js";
import type { UserChanges, UserRecord, UsersDirectory } from "./users.repository.js";

export function createUpdateUser({ users, sessions }: { users: Pick<UsersDirectory, "transaction">; sessions: SessionRevoker }) {
  return async function updateUser(actor: Actor, userId: string, changes: UserChanges): Promise<UserRecord> {
    authorize(actor, "users:write");
    const { before, after } = await users.transaction(actor.tenantId, async (tenantUsers) => {
      const target = await tenantUsers.find(userId);
      if (!target) throw userNotFound();
      assertMayManage(actor, target, changes.role);
      const stillOwner = (changes.role ?? target.role) === "owner" && changes.disabled !== true;
      await assertKeepsAnOwner(tenantUsers, target, stillOwner);
      const updated = await tenantUsers.update(userId, changes);
      if (!updated) throw userNotFound();
      return { before: target, after: updated };
    });
    const lostAccess = (after.disabled && !before.disabled) || after.role !== before.role;
    if (lostAccess) await sessions.revokeAllForUser(actor.tenantId, userId);
    return after;
  };
}

export type UpdateUser = ReturnType<typeof createUpdateUser>;
