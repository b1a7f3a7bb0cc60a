// Managing the tenant's bots through the whatsapp-adapter, which owns them:
// list, read, create, update (secrets are write-only: left out, they keep
// their stored value) and delete. The tenant is always the actor's.
import { authorize, type Actor } from "../../auth/permissions.js";
import type { AdapterClient, Bot, BotsPage, ConfigureBotInput } from "../../clients/adapter.client.js";

export type BotInput = Omit<ConfigureBotInput, "tenantId" | "botId">;

export function createManageBots({ adapter }: { adapter: Pick<AdapterClient, "listBots" | "getBot" | "configureBot" | "deleteBot"> }) {
  return {
    async list(actor: Actor, page: { pageSize?: number; pageToken?: string }): Promise<BotsPage> {
      authorize(actor, "bots:read");
      return adapter.listBots({ tenantId: actor.tenantId, ...page });
    },
    async get(actor: Actor, botId: string): Promise<Bot> {
      authorize(actor, "bots:read");
      return adapter.getBot({ tenantId: actor.tenantId, botId });
    },
    async create(actor: Actor, input: BotInput): Promise<Bot> {
      authorize(actor, "bots:write");
      return adapter.configureBot({ ...input, tenantId: actor.tenantId });
    },
    async update(actor: Actor, botId: string, input: BotInput): Promise<Bot> {
      authorize(actor, "bots:write");
      // Read first: another tenant's bot id is a 404, never an update attempt.
      await adapter.getBot({ tenantId: actor.tenantId, botId });
      return adapter.configureBot({ ...input, tenantId: actor.tenantId, botId });
    },
    async remove(actor: Actor, botId: string): Promise<void> {
      authorize(actor, "bots:write");
      await adapter.deleteBot({ tenantId: actor.tenantId, botId });
    },
  };
}

export type ManageBots = ReturnType<typeof createManageBots>;
