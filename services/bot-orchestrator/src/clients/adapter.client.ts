// Sends the bot's replies through the whatsapp-adapter over gRPC.
import { AdapterService, MediaKind, type ProviderKind } from "@fleet/contracts/adapter";
import { providerKindLabel } from "@fleet/contracts";
import { createServiceClient, fromErrorFields, type ClientAuth } from "@fleet/grpc-bridge";
import { AppError } from "@fleet/service-kit";
import type { OutboundContent } from "../flows/engine/effects.js";
import { sendInOrder, type ReplyOutcome, type ReplySender } from "../use-cases/handle-inbound.use-case.js";

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

// The message is sent by now: a provider kind newer than this build must not turn that into a failure.
const sentReply = (response: { providerMessageId: string; provider: ProviderKind }) => ({ providerMessageId: response.providerMessageId, provider: providerKindLabel(response.provider) });

export function createAdapterReplySender(address: string, deadlineMs: number, auth?: ClientAuth): Required<ReplySender> & { close(): void } {
  const client = createServiceClient(AdapterService, address, { defaultDeadlineMs: deadlineMs, ...(auth ? { auth } : {}) });
  const sender: ReplySender = {
    async send(target, content, idempotencyKey) {
      const response = await client.sendMessage({
        tenantId: target.tenantId,
        botId: target.botId,
        recipient: target.recipient,
        content: messageContentOf(content),
        idempotencyKey,
        replyToProviderMessageId: target.replyTo ?? "",
      });
      return sentReply(response);
    },
  };
  const oneByOne = sendInOrder(sender);
  // An adapter of an older release (during a rolling deploy) has no SendMessages: one call per reply then.
  let batches = true;
  return {
    send: sender.send,
    async sendAll(target, replies) {
      if (!batches) return oneByOne(target, replies);
      let response;
      try {
        response = await client.sendMessages({
          tenantId: target.tenantId,
          botId: target.botId,
          recipient: target.recipient,
          replyToProviderMessageId: target.replyTo ?? "",
          replies: replies.map((reply) => ({ content: messageContentOf(reply.content), idempotencyKey: reply.idempotencyKey })),
        });
      } catch (error) {
        if (!(error instanceof AppError && error.kind === "unimplemented")) throw error;
        batches = false;
        return oneByOne(target, replies);
      }
      return response.results.map((result): ReplyOutcome => {
        switch (result.outcome.case) {
          case "sent":
            return { sent: sentReply(result.outcome.value) };
          case "error":
            return { error: fromErrorFields(result.outcome.value) };
          default:
            return { error: new AppError("internal", "INTERNAL", "SendMessages answered a reply without its outcome") };
        }
      });
    },
    close: () => client.close(),
  };
}
