// A manager removes a user; their sessions end at once.
import { authorize, type Actor } from "../../auth/permissions.js";
import { assertKeepsAnOwner, assertMayManage, userNotFound, type SessionRevoker } from "./user-rules.js";
import type { UsersDirectory } from "./users.repository.js";

export function createRemoveUser({ users, sessions }: { users: Pick<UsersDirectory, "transaction">; sessions: SessionRevoker }) {
  return async function removeUser(actor: Actor, userId: string): Promise<void> {
    authorize(actor, "users:write");
    await users.transaction(actor.tenantId, async (tenantUsers) => {
      const target = await tenantUsers.find(userId);
      if (!target) throw userNotFound();
      assertMayManage(actor, target);
      await assertKeepsAnOwner(tenantUsers, target, false);
      if (!(await tenantUsers.remove(userId))) throw userNotFound();
    });
    await sessions.revokeAllForUser(actor.tenantId, userId);
  };
}

export type RemoveUser = ReturnType<typeof createRemoveUser>;
