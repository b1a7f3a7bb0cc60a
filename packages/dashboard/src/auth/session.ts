// The signed-in session: the access token lives in memory only (never in storage a script could
// read later); the refresh token is the gateway's httpOnly cookie scoped to /api/auth, which this
// code never sees. A refresh is single-flight: every caller that meets an expired token waits for
// the same POST /api/auth/refresh (a second, parallel refresh would present a rotated token and
// revoke the whole session family).
import createClient from "openapi-fetch";
import type { paths } from "../api/schema";

/** Calls of /api/auth themselves: no token, no refresh on 401 (see api/client.ts for the rest). */
export const authApi = createClient<paths>({ baseUrl: "", credentials: "include" });

let token: string | null = null;
let inFlight: Promise<boolean> | null = null;
const listeners = new Set<() => void>();

export function accessToken(): string | null {
  return token;
}

export function setAccessToken(next: string | null): void {
  if (next === token) return;
  token = next;
  for (const listener of listeners) listener();
}

/** Called whenever the token changes (signed in, refreshed, signed out). */
export function onAccessTokenChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function refreshOnce(): Promise<boolean> {
  try {
    const { data } = await authApi.POST("/api/auth/refresh", { body: {} });
    setAccessToken(data?.accessToken ?? null);
    return data !== undefined;
  } catch {
    // The network failed: keep the current state, the caller sees its original answer.
    return false;
  }
}

/** Trades the refresh cookie for a new access token; true when signed in afterwards. */
export function refreshSession(): Promise<boolean> {
  inFlight ??= refreshOnce().finally(() => {
    inFlight = null;
  });
  return inFlight;
}
