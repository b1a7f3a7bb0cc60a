// The shop's users: the list, and the changes a manager makes (add, change role, disable or
// enable, remove), each refreshing the list when it is done.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "../../api/client";

export type User = Schemas["User"];
export type Role = Schemas["Role"];
export const ROLES: readonly Role[] = ["owner", "admin", "agent", "viewer"];

export const usersKey = ["users", "list"] as const;

export function useUsers(enabled: boolean) {
  return useQuery({ queryKey: usersKey, enabled, queryFn: async () => unwrap(await api.GET("/api/users")).users });
}

export interface NewUser {
  email: string;
  displayName: string;
  role: Role;
  password: string;
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (user: NewUser) => unwrap(await api.POST("/api/users", { body: user })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usersKey }),
  });
}

export interface UserChange {
  userId: string;
  changes: { role?: Role; disabled?: boolean };
}

export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ userId, changes }: UserChange) => unwrap(await api.PATCH("/api/users/{userId}", { params: { path: { userId } }, body: changes })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: usersKey }),
  });
}

export function useRemoveUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (userId: string) => {
      const answer = await api.DELETE("/api/users/{userId}", { params: { path: { userId } } });
      unwrap(answer);
      return userId;
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: usersKey }),
  });
}
