// Sends the bot's replies through the whatsapp-adapter over gRPC.
import { AdapterService } from "@fleet/contracts/adapter";
import { providerKindLabel, type InboundMessage } from "@fleet/contracts";
import { createServiceClient } from "@fleet/grpc-bridge";
import type { ReplySender } from "../use-cases/handle-inbound.use-case.js";

export function createAdapterReplySender(address: string, deadlineMs: number): ReplySender & { close(): void } {
  const client = createServiceClient(AdapterService, address, { defaultDeadlineMs: deadlineMs });
  return {
    async sendText(message: InboundMessage, text: string, idempotencyKey: string) {
      const response = await client.sendMessage({
        tenantId: message.tenantId,
        botId: message.botId,
        recipient: message.from,
        content: { kind: { case: "text", value: { body: text } } },
        idempotencyKey,
        replyToProviderMessageId: message.providerMessageId,
      });
      // The message is sent by now: a provider kind newer than this build must not turn that into a failure.
      return { providerMessageId: response.providerMessageId, provider: providerKindLabel(response.provider) };
    },
    close: () => client.close(),
  };
}
