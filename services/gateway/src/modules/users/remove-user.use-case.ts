// A manager removes a user; their sessions end at once. A seller who was this user stays a seller,
// without a user (the database unlinks them): `removed` tells whoever caches sellers.
import { authorize, type Actor } from "../../auth/permissions.js";
import { assertKeepsAnOwner, assertMayManage, userNotFound, type SessionRevoker } from "./user-rules.js";
import type { UsersDirectory } from "./users.repository.js";

export function createRemoveUser({ users, sessions, removed }: { users: Pick<UsersDirectory, "transaction">; sessions: SessionRevoker; removed: (tenantId: string) => Promise<void> }) {
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
    await removed(actor.tenantId);
  };
}

export type RemoveUser = ReturnType<typeof createRemoveUser>;
