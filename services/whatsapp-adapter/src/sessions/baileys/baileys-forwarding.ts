// Clients spread SendMessage over every adapter replica (round robin), but a
// Baileys bot's socket lives on one of them. A send for a bot whose primary
// provider is Baileys that lands on another replica is forwarded, as it came
// (same idempotency key, the caller's remaining deadline), to the replica its
// session lease names; that replica runs the whole send (idempotency, pacing,
// fallback) once. When no replica runs the bot's session (a graceful handover
// in progress: the old owner stopped it and released the lease, the next one
// takes it on its next tick), the send waits a little for an owner instead of
// failing; with still no owner after that, or when this replica owns the bot,
// the send runs here; if the session moves away while it runs (this replica
// handing the bot over), or the owner cannot be reached (it is stopping), the
// send goes to the next owner the lease names, with the same idempotency key.
// The owner's answer, success or error, is the answer.
import { AdapterService, MediaKind } from "@fleet/contracts/adapter";
import { providerKindName, providerKindOf } from "@fleet/contracts";
import { createServiceClient, type ClientAuth } from "@fleet/grpc-bridge";
import { AppError, type Logger } from "@fleet/service-kit";
import type { OutboundContent } from "../../providers/provider.js";
import type { BotCache } from "../../repositories/bot-cache.js";
import type { SendMessage, SendMessageInput, SendMessageResult } from "../../use-cases/send-message.use-case.js";
import type { SessionOwner } from "./baileys-ownership.js";

const MEDIA_KINDS: Record<Extract<OutboundContent, { type: "media" }>["kind"], MediaKind> = {
  image: MediaKind.IMAGE,
  document: MediaKind.DOCUMENT,
  audio: MediaKind.AUDIO,
  video: MediaKind.VIDEO,
  sticker: MediaKind.STICKER,
};

const option = (o: { id: string; title: string; description?: string }) => ({ id: o.id, title: o.title, description: o.description ?? "" });

/** The fleet's content as the AdapterService's MessageContent (the inverse of the gRPC handler's reading). */
export function messageContentOf(content: OutboundContent) {
  switch (content.type) {
    case "text":
      return { kind: { case: "text" as const, value: { body: content.body, previewUrl: content.previewUrl } } };
    case "media":
      return {
        kind: {
          case: "media" as const,
          value: {
            kind: MEDIA_KINDS[content.kind],
            url: content.url ?? "",
            caption: content.caption ?? "",
            filename: content.filename ?? "",
            ...(content.uploaded ? { uploaded: { provider: providerKindOf(content.uploaded.provider), mediaId: content.uploaded.mediaId } } : {}),
          },
        },
      };
    case "buttons":
      return { kind: { case: "buttons" as const, value: { body: content.body, header: content.header ?? "", footer: content.footer ?? "", buttons: content.buttons.map(option) } } };
    case "list":
      return {
        kind: {
          case: "list" as const,
          value: {
            body: content.body,
            button: content.button,
            header: content.header ?? "",
            footer: content.footer ?? "",
            sections: content.sections.map((section) => ({ title: section.title ?? "", rows: section.rows.map(option) })),
          },
        },
      };
    case "template":
      return { kind: { case: "template" as const, value: { name: content.name, language: content.language, parameters: content.parameters } } };
    case "location":
      return { kind: { case: "location" as const, value: { latitude: content.latitude, longitude: content.longitude, name: content.name ?? "", address: content.address ?? "" } } };
    case "contacts":
      return { kind: { case: "contacts" as const, value: { contacts: content.contacts.map((card) => ({ name: card.name, phones: card.phones })) } } };
  }
}

export interface ForwardingDeps {
  bots: Pick<BotCache, "find">;
  /** Whether this replica runs the bot's session. */
  runsHere(botId: string): boolean;
  ownerOf(botId: string): Promise<SessionOwner | null>;
  replicaId: string;
  logger: Logger;
  /** Deadline of a forwarded call when the caller's is further away. */
  maxDeadlineMs: number;
  /** How long a send for a bot no replica owns waits for one to take it (within the caller's deadline; 0: not at all). */
  ownerWaitMs?: number;
  /** Between two looks at the lease while waiting for an owner. */
  ownerPollMs?: number;
  /** This replica's service token for the other replicas (when gRPC calls are authenticated). */
  auth?: ClientAuth;
}

function newClient(address: string, defaultDeadlineMs: number, auth: ClientAuth | undefined) {
  return createServiceClient(AdapterService, address, { defaultDeadlineMs, ...(auth ? { auth } : {}) });
}

export function createSendForwarding({ bots, runsHere, ownerOf, replicaId, logger, maxDeadlineMs, ownerWaitMs = 0, ownerPollMs = 50, auth }: ForwardingDeps) {
  const clients = new Map<string, ReturnType<typeof newClient>>();

  function clientFor(address: string) {
    let client = clients.get(address);
    if (!client) {
      client = newClient(address, maxDeadlineMs, auth);
      clients.set(address, client);
    }
    return client;
  }

  /** The replica running the bot's session, if another one; `unreachable`: one that just failed to answer, waited past like no owner. */
  async function ownerElsewhere(input: SendMessageInput, unreachable?: SessionOwner): Promise<SessionOwner | null> {
    if (runsHere(input.botId)) return null;
    const bot = await bots.find(input.tenantId, input.botId);
    if (bot?.providers[0]?.kind !== "baileys") return null;
    // Leave the caller time for the send itself: wait at most half of what is left of its deadline.
    const waitUntil = Date.now() + Math.min(ownerWaitMs, (input.deadline - Date.now()) / 2);
    for (;;) {
      const owner = await ownerOf(bot.id);
      if (owner && owner.replicaId !== replicaId && owner.replicaId !== unreachable?.replicaId) return owner;
      // No owner, or this replica's lease on a session not running here (being stopped, or started): wait for it to settle.
      if (runsHere(bot.id) || Date.now() + ownerPollMs > waitUntil) return null;
      await new Promise((resolve) => setTimeout(resolve, ownerPollMs));
    }
  }

  return {
    clientFor,
    /** SendMessage that runs where the bot's Baileys session is. */
    wrap(sendMessage: SendMessage): SendMessage {
      async function forward(owner: SessionOwner, input: SendMessageInput, content: OutboundContent): Promise<SendMessageResult> {
        const remainingMs = Math.min(input.deadline - Date.now(), maxDeadlineMs);
        if (remainingMs <= 0) throw new AppError("deadline_exceeded", "DEADLINE_EXCEEDED", "The caller's deadline passed before the send could be forwarded");
        logger.debug("send forwarded to the replica running the bot's baileys session", { botId: input.botId, owner: owner.address });
        const answer = await clientFor(owner.address).sendMessage(
          {
            tenantId: input.tenantId,
            botId: input.botId,
            recipient: input.recipient,
            idempotencyKey: input.idempotencyKey,
            replyToProviderMessageId: input.replyToProviderMessageId ?? "",
            content: messageContentOf(content),
          },
          { deadlineMs: remainingMs },
        );
        const provider = providerKindName(answer.provider);
        if (!provider) throw new AppError("internal", "FORWARDED_SEND_UNREADABLE", "The owning replica answered without a provider");
        return { providerMessageId: answer.providerMessageId, provider, replayed: answer.replayed };
      }

      // Every retry below keeps the idempotency key: a send that may have gone out on one replica is
      // answered as such by the next, never sent twice.
      return async (input, options) => {
        const content = input.content;
        if (!content) return sendMessage(input, options);
        let owner: SessionOwner | null = await ownerElsewhere(input);
        if (!owner) {
          try {
            return await sendMessage(input, options);
          } catch (error) {
            // The session left this replica while the send ran here (a handover): its new owner sends it.
            if (runsHere(input.botId) || input.deadline <= Date.now()) throw error;
            owner = await ownerElsewhere(input).catch(() => null);
            if (!owner) throw error;
          }
        }
        for (let attempt = 1; ; attempt++) {
          const target: SessionOwner = owner;
          try {
            return await forward(target, input, content);
          } catch (error) {
            // The owner could not be reached (stopping, or dead): the send goes where the lease names next.
            const unreachable = error instanceof AppError && error.code === "GRPC_UNAVAILABLE";
            if (!unreachable || attempt >= 3 || input.deadline <= Date.now()) throw error;
            const next: SessionOwner | null = await ownerElsewhere(input, target).catch(() => null);
            if (next) owner = next;
            else if (runsHere(input.botId)) return sendMessage(input, options);
            else throw error;
          }
        }
      };
    },
    close(): void {
      for (const client of clients.values()) client.close();
      clients.clear();
    },
  };
}
