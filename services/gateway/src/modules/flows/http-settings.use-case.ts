// The shop's settings for its flows' http steps, kept by the orchestrator: the hosts they may call
// and its named secrets. Whoever reads flows sees the hosts and the secrets' names (a flow names
// its secrets, so the editor must know which exist); managers replace the hosts and write secrets,
// whose values are never read back. The tenant is always the actor's: there is no other tenant's
// id to name.
import { AppError } from "@fleet/service-kit";
import { authorize, type Actor } from "../../auth/permissions.js";
import type { HttpSettings as HttpSettingsView, OrchestratorClient } from "../../clients/orchestrator.client.js";

export type HttpSettingsOrchestrator = Pick<OrchestratorClient, "getHttpSettings" | "setAllowedHosts" | "putSecret" | "deleteSecret">;

export function createHttpSettings({ orchestrator }: { orchestrator: HttpSettingsOrchestrator }) {
  return {
    async get(actor: Actor): Promise<HttpSettingsView> {
      authorize(actor, "flows:read");
      return orchestrator.getHttpSettings({ tenantId: actor.tenantId });
    },
    /** Replaces the whole list; answers it as stored (normalised, sorted). */
    async setAllowedHosts(actor: Actor, hosts: string[]): Promise<{ allowedHosts: string[] }> {
      authorize(actor, "flows:write");
      return { allowedHosts: await orchestrator.setAllowedHosts({ tenantId: actor.tenantId, hosts }) };
    },
    async putSecret(actor: Actor, name: string, value: string): Promise<void> {
      authorize(actor, "flows:write");
      await orchestrator.putSecret({ tenantId: actor.tenantId, name, value });
    },
    async deleteSecret(actor: Actor, name: string): Promise<void> {
      authorize(actor, "flows:write");
      const deleted = await orchestrator.deleteSecret({ tenantId: actor.tenantId, name });
      if (!deleted) throw new AppError("not_found", "SECRET_NOT_FOUND", "The tenant has no secret of this name");
    },
  };
}

export type HttpSettings = ReturnType<typeof createHttpSettings>;
