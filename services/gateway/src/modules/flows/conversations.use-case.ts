// A contact's conversation with one of the tenant's bots, as the orchestrator's engine holds it:
// read it (sellers and managers), reset it so the next message starts over (managers), or hand a
// paused one (a hand-off) back to the bot, or pause the bot for a contact so a person answers
// (sellers and managers).
import { AppError } from "@fleet/service-kit";
import { authorize, type Actor } from "../../auth/permissions.js";
import type { Conversation, OrchestratorClient } from "../../clients/orchestrator.client.js";
import type { TenantBots } from "./manage-flows.use-case.js";

export function createConversations({ orchestrator, bots }: { orchestrator: Pick<OrchestratorClient, "getConversation" | "resetConversation" | "resumeConversation" | "pauseConversation">; bots: TenantBots }) {
  return {
    async view(actor: Actor, botId: string, contact: string): Promise<Conversation> {
      authorize(actor, "conversations:read");
      // Another tenant's bot is BOT_NOT_FOUND before the orchestrator is asked anything.
      await bots.getBot({ tenantId: actor.tenantId, botId });
      return orchestrator.getConversation({ tenantId: actor.tenantId, botId, contact });
    },
    async reset(actor: Actor, botId: string, contact: string): Promise<void> {
      authorize(actor, "conversations:write");
      await bots.getBot({ tenantId: actor.tenantId, botId });
      const reset = await orchestrator.resetConversation({ tenantId: actor.tenantId, botId, contact });
      if (!reset) throw new AppError("not_found", "CONVERSATION_NOT_FOUND", "The contact has no conversation with this bot");
    },
    /** The bot takes the conversation back; the orchestrator applies it in order with the contact's messages. */
    async resume(actor: Actor, botId: string, contact: string): Promise<void> {
      authorize(actor, "conversations:resume");
      await bots.getBot({ tenantId: actor.tenantId, botId });
      const resumed = await orchestrator.resumeConversation({ tenantId: actor.tenantId, botId, contact, by: actor.userId });
      if (!resumed) throw new AppError("conflict", "CONVERSATION_NOT_PAUSED", "The contact's conversation is not paused for a person (or there is none)");
    },
    /** The bot stays silent for the contact for `minutes` (their messages still reach the live feed); applied in order with their messages. */
    async pause(actor: Actor, botId: string, contact: string, minutes: number): Promise<Date> {
      authorize(actor, "conversations:resume");
      await bots.getBot({ tenantId: actor.tenantId, botId });
      const until = await orchestrator.pauseConversation({ tenantId: actor.tenantId, botId, contact, minutes, by: actor.userId });
      if (!until) throw new AppError("failed_precondition", "BOT_HAS_NO_FLOW", "This bot runs no flow, so there is no conversation to pause");
      return until;
    },
  };
}

export type Conversations = ReturnType<typeof createConversations>;
