// The users domain: repository, use cases and routes, built from what the app gives it.
import type pg from "pg";
import type { Route } from "../../http/routes.js";
import { createCreateUser } from "./create-user.use-case.js";
import { createGetUser } from "./get-user.use-case.js";
import { createListUsers } from "./list-users.use-case.js";
import { createRemoveUser } from "./remove-user.use-case.js";
import { createUpdateUser } from "./update-user.use-case.js";
import type { SessionRevoker } from "./user-rules.js";
import { createUsersDirectory } from "./users.repository.js";
import { usersRoutes } from "./users.routes.js";

export interface UsersModuleDeps {
  pool: pg.Pool;
  sessions: SessionRevoker;
  checkPassword(password: string, email: string): Promise<void>;
  hashPassword(password: string): Promise<string>;
  /** After a user is removed (and unlinked from the seller they were, if any). */
  userRemoved(tenantId: string): Promise<void>;
}

export function createUsersModule({ pool, sessions, checkPassword, hashPassword, userRemoved }: UsersModuleDeps): { routes: Route[] } {
  const users = createUsersDirectory(pool);
  return {
    routes: usersRoutes({
      listUsers: createListUsers({ users }),
      getUser: createGetUser({ users }),
      createUser: createCreateUser({ users, checkPassword, hashPassword }),
      updateUser: createUpdateUser({ users, sessions }),
      removeUser: createRemoveUser({ users, sessions, removed: userRemoved }),
    }),
  };
}
