// Evolution's apikey guard: the `apikey` header must be the global key, or the token (`hash`) of
// the instance named in the path; an instance token also lists its own instance through
// /instance/fetchInstances but cannot create instances. Anything else is 401 "Unauthorized".
import { timingSafeEqual } from "node:crypto";
import { unauthorized } from "./evolution-error.js";
import type { EvolutionInstance, InstanceRegistry } from "./instance-registry.js";

export type GuardedRoute = { kind: "create" } | { kind: "fetchInstances" } | { kind: "instance"; instance: EvolutionInstance };

export interface AuthGuard {
  /** Throws Evolution's 401 unless `apikey` may call `route`. */
  check(apikey: string | undefined, route: GuardedRoute): void;
  isGlobalKey(apikey: string | undefined): boolean;
}

export function createAuthGuard(globalApiKey: string, registry: InstanceRegistry): AuthGuard {
  if (globalApiKey === "") throw new Error("the Evolution sandbox needs a non-empty globalApiKey");
  const isGlobalKey = (apikey: string | undefined) => apikey !== undefined && sameSecret(apikey, globalApiKey);
  return {
    isGlobalKey,
    check(apikey, route) {
      if (apikey === undefined || apikey === "") throw unauthorized();
      if (isGlobalKey(apikey)) return;
      if (route.kind === "instance" && sameSecret(apikey, route.instance.token)) return;
      if (route.kind === "fetchInstances" && registry.byToken(apikey).length > 0) return;
      throw unauthorized();
    },
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
