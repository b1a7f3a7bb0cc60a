// Who is signed in, for the whole app: restores the session from the refresh cookie on start,
// signs in and out, and answers `can(permission)` from GET /api/auth/me (the gateway's own
// permission table, so the UI hides what the API would refuse).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { accessToken, authApi, onAccessTokenChange, refreshSession, setAccessToken } from "./session";

export type Permission = Schemas["Me"]["permissions"][number];
export type Me = Schemas["Me"];

interface Auth {
  /** "starting": the refresh on start has not answered yet. */
  status: "starting" | "anonymous" | "signed-in";
  me: Me | undefined;
  can(permission: Permission): boolean;
  /** Adopts the access token of a login or registration answer. */
  signedIn(accessToken: string): void;
  signOut(): Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

export const meQueryKey = ["auth", "me"] as const;

function useAccessToken(): string | null {
  return useSyncExternalStore(onAccessTokenChange, accessToken);
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const token = useAccessToken();
  const [started, setStarted] = useState(false);

  useEffect(() => {
    let live = true;
    void refreshSession().finally(() => {
      if (live) setStarted(true);
    });
    return () => {
      live = false;
    };
  }, []);

  const me = useQuery({
    queryKey: meQueryKey,
    queryFn: async () => unwrap(await api.GET("/api/auth/me")),
    enabled: token !== null,
    staleTime: 60_000,
  });

  const signedIn = useCallback((next: string) => setAccessToken(next), []);
  const signOut = useCallback(async () => {
    try {
      await authApi.POST("/api/auth/logout", { body: {} });
    } finally {
      setAccessToken(null);
      queryClient.clear();
    }
  }, [queryClient]);

  const value = useMemo<Auth>(() => {
    const status = token !== null && me.data ? "signed-in" : !started || (token !== null && me.isPending) ? "starting" : "anonymous";
    const permissions = new Set<string>(me.data?.permissions ?? []);
    return { status, me: me.data, can: (permission) => permissions.has(permission), signedIn, signOut };
  }, [token, me.data, me.isPending, started, signedIn, signOut]);

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}
