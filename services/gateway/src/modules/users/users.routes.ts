// /api/users: the tenant's users, managed by owners and admins.
import { z } from "zod";
import { userRoute, type Route } from "../../http/routes.js";
import { EmailSchema, RoleSchema } from "../../http/schemas.js";
import type { CreateUser } from "./create-user.use-case.js";
import type { GetUser } from "./get-user.use-case.js";
import type { ListUsers } from "./list-users.use-case.js";
import type { RemoveUser } from "./remove-user.use-case.js";
import type { UpdateUser } from "./update-user.use-case.js";

const UserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    displayName: z.string(),
    role: RoleSchema,
    disabled: z.boolean(),
    createdAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: "User" });

const UserParams = z.object({ userId: z.uuid("must be a UUID") });

const NewUserBody = z
  .object({
    email: EmailSchema,
    displayName: z.string().trim().max(200).default(""),
    role: RoleSchema,
    password: z.string().min(1).max(1024),
  })
  // Unknown fields (a tenantId, say) are ignored, never believed.
  .strip();

const UserChangesBody = z
  .object({
    displayName: z.string().trim().max(200).optional(),
    role: RoleSchema.optional(),
    disabled: z.boolean().optional(),
  })
  .strip()
  .refine((changes) => Object.keys(changes).length > 0, "name at least one of displayName, role, disabled");

export interface UsersRoutesDeps {
  listUsers: ListUsers;
  getUser: GetUser;
  createUser: CreateUser;
  updateUser: UpdateUser;
  removeUser: RemoveUser;
}

export function usersRoutes(deps: UsersRoutesDeps): Route[] {
  const tags = ["users"];
  return [
    userRoute({
      method: "get",
      path: "/users",
      operationId: "listUsers",
      summary: "The tenant's users",
      tags,
      permission: "users:read",
      responses: { 200: { description: "Users", schema: z.object({ users: z.array(UserSchema) }) } },
      handle: async ({ actor }) => ({ status: 200, body: { users: await deps.listUsers(actor) } }),
    }),
    userRoute({
      method: "post",
      path: "/users",
      operationId: "createUser",
      summary: "Add a user (only an owner can add an owner)",
      tags,
      permission: "users:write",
      body: NewUserBody,
      responses: { 201: { description: "Created", schema: UserSchema }, 409: { description: "EMAIL_TAKEN" } },
      handle: async ({ actor, body }) => ({ status: 201, body: await deps.createUser(actor, body) }),
    }),
    userRoute({
      method: "get",
      path: "/users/:userId",
      operationId: "getUser",
      summary: "One user (everyone may read themselves)",
      tags,
      permission: "users:read",
      params: UserParams,
      responses: { 200: { description: "The user", schema: UserSchema }, 404: { description: "USER_NOT_FOUND" } },
      handle: async ({ actor, params }) => ({ status: 200, body: await deps.getUser(actor, params.userId) }),
    }),
    userRoute({
      method: "patch",
      path: "/users/:userId",
      operationId: "updateUser",
      summary: "Change a user's name, role or enabled state; disabling or demoting ends their sessions",
      tags,
      permission: "users:write",
      params: UserParams,
      body: UserChangesBody,
      responses: {
        200: { description: "The user as changed", schema: UserSchema },
        404: { description: "USER_NOT_FOUND" },
        409: { description: "LAST_OWNER: the tenant would have no enabled owner" },
      },
      handle: async ({ actor, params, body }) => ({ status: 200, body: await deps.updateUser(actor, params.userId, body) }),
    }),
    userRoute({
      method: "delete",
      path: "/users/:userId",
      operationId: "removeUser",
      summary: "Remove a user; their sessions end at once",
      tags,
      permission: "users:write",
      params: UserParams,
      responses: {
        204: { description: "Removed" },
        404: { description: "USER_NOT_FOUND" },
        409: { description: "LAST_OWNER: the tenant's last owner cannot be removed" },
      },
      handle: async ({ actor, params }) => {
        await deps.removeUser(actor, params.userId);
        return { status: 204 };
      },
    }),
  ];
}
