// A manager adds a user (a seller, a viewer, another admin; an owner only if
// the manager is an owner) with an initial password that meets the policy.
import { AppError } from "@fleet/service-kit";
import { authorize, type Actor } from "../../auth/permissions.js";
import type { Role } from "../../auth/tokens.js";
import { assertMayManage } from "./user-rules.js";
import type { UserRecord, UsersDirectory } from "./users.repository.js";

export interface CreateUserInput {
  email: string;
  displayName: string;
  role: Role;
  password: string;
}

export interface CreateUserDeps {
  users: Pick<UsersDirectory, "forTenant">;
  /** Throws 400 WEAK_PASSWORD (or similar) when the password does not meet the policy. */
  checkPassword(password: string, email: string): Promise<void>;
  hashPassword(password: string): Promise<string>;
}

export function createCreateUser({ users, checkPassword, hashPassword }: CreateUserDeps) {
  return async function createUser(actor: Actor, input: CreateUserInput): Promise<UserRecord> {
    authorize(actor, "users:write");
    assertMayManage(actor, null, input.role);
    await checkPassword(input.password, input.email);
    const created = await users.forTenant(actor.tenantId).create({ email: input.email, displayName: input.displayName, role: input.role, passwordHash: await hashPassword(input.password) });
    if (!created) throw new AppError("conflict", "EMAIL_TAKEN", "A user with this email already exists in the tenant");
    return created;
  };
}

export type CreateUser = ReturnType<typeof createCreateUser>;
