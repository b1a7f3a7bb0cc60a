// Sends the bot's replies through the whatsapp-adapter over gRPC.
import { AdapterService, MediaKind } from "@fleet/contracts/adapter";
import { providerKindLabel } from "@fleet/contracts";
import { createServiceClient, type ClientAuth } from "@fleet/grpc-bridge";
import type { OutboundContent } from "../flows/engine/effects.js";
import type { ReplySender } from "../use-cases/handle-inbound.use-case.js";

const MEDIA_KINDS: Record<Extract<OutboundContent, { type: "media" }>["kind"], MediaKind> = {
  image: MediaKind.IMAGE,
  document: MediaKind.DOCUMENT,
  audio: MediaKind.AUDIO,
  video: MediaKind.VIDEO,
};

const option = (o: { id: string; title: string; description?: string }) => ({ id: o.id, title: o.title, description: o.description ?? "" });

/** The engine's content as the adapter's MessageContent. */
export function messageContentOf(content: OutboundContent) {
  switch (content.type) {
    case "text":
      return { kind: { case: "text" as const, value: { body: content.body } } };
    case "media":
      return { kind: { case: "media" as const, value: { kind: MEDIA_KINDS[content.kind], url: content.url, caption: content.caption ?? "", filename: content.filename ?? "" } } };
    case "buttons":
      return { kind: { case: "buttons" as const, value: { body: content.body, header: content.header ?? "", footer: content.footer ?? "", buttons: content.buttons.map(option) } } };
    case "list":
      return {
        kind: {
          case: "list" as const,
          value: { body: content.body, button: content.button, header: content.header ?? "", footer: content.footer ?? "", sections: content.sections.map((s) => ({ title: s.title ?? "", rows: s.rows.map(option) })) },
        },
      };
  }
}

export function createAdapterReplySender(address: string, deadlineMs: number, auth?: ClientAuth): ReplySender & { close(): void } {
  const client = createServiceClient(AdapterService, address, { defaultDeadlineMs: deadlineMs, ...(auth ? { auth } : {}) });
  return {
    async send(target, content, idempotencyKey) {
      const response = await client.sendMessage({
        tenantId: target.tenantId,
        botId: target.botId,
        recipient: target.recipient,
        content: messageContentOf(content),
        idempotencyKey,
        replyToProviderMessageId: target.replyTo ?? "",
      });
      // The message is sent by now: a provider kind newer than this build must not turn that into a failure.
      return { providerMessageId: response.providerMessageId, provider: providerKindLabel(response.provider) };
    },
    close: () => client.close(),
  };
}
