// AdapterService gRPC handlers: map protobuf messages to use-case calls and back.
import { AdapterService, MediaKind, type MessageContent, type ProviderKind } from "@fleet/contracts/adapter";
import { connectionStateOf, providerKindName, providerKindOf, type ProviderKindName } from "@fleet/contracts";
import { implement, toErrorFields, type CallContext, type ServiceRegistration } from "@fleet/grpc-bridge";
import { AppError } from "@fleet/service-kit";
import type { OutboundContent } from "../providers/provider.js";
import type { ConfigureBot } from "../use-cases/configure-bot.use-case.js";
import type { DeleteBot } from "../use-cases/delete-bot.use-case.js";
import type { BotView, GetBot } from "../use-cases/get-bot.use-case.js";
import type { GetConnection } from "../use-cases/get-connection.use-case.js";
import type { GetMedia } from "../use-cases/get-media.use-case.js";
import type { RequestPairingCode } from "../use-cases/request-pairing-code.use-case.js";
import type { WatchConnection } from "../use-cases/watch-connection.use-case.js";
import type { ConnectionUpdate } from "../sessions/connection-updates.js";
import type { MarkRead } from "../use-cases/mark-read.use-case.js";
import type { UploadMedia } from "../use-cases/media-upload.use-case.js";
import type { ListBots } from "../use-cases/list-bots.use-case.js";
import type { SendMessage, SendMessageResult } from "../use-cases/send-message.use-case.js";
import type { SendMessages } from "../use-cases/send-messages.use-case.js";
import type { SetOutboundQuota } from "../use-cases/set-outbound-quota.use-case.js";

const MEDIA_KINDS: Partial<Record<MediaKind, Extract<OutboundContent, { type: "media" }>["kind"]>> = {
  [MediaKind.IMAGE]: "image",
  [MediaKind.DOCUMENT]: "document",
  [MediaKind.AUDIO]: "audio",
  [MediaKind.VIDEO]: "video",
  [MediaKind.STICKER]: "sticker",
};

/** A provider kind a caller asks to configure: one this build does not know is the caller's mistake. */
function requiredProviderKindName(kind: ProviderKind): ProviderKindName {
  const name = providerKindName(kind);
  if (!name) throw new AppError("invalid_argument", "UNKNOWN_PROVIDER_KIND", `Unknown provider kind ${kind}`);
  return name;
}

const option = (o: { id: string; title: string; description: string }) => ({ id: o.id, title: o.title, ...(o.description ? { description: o.description } : {}) });
const optional = (value: string) => value || undefined;

function contentOf(content: MessageContent | undefined): OutboundContent | null {
  const kind = content?.kind;
  switch (kind?.case) {
    case "text":
      return { type: "text", body: kind.value.body, previewUrl: kind.value.previewUrl };
    case "media": {
      const mediaKind = MEDIA_KINDS[kind.value.kind];
      if (!mediaKind) throw new AppError("invalid_argument", "INVALID_SEND_REQUEST", "media kind is required");
      const uploaded = kind.value.uploaded;
      return {
        type: "media",
        kind: mediaKind,
        url: optional(kind.value.url),
        ...(uploaded ? { uploaded: { provider: requiredProviderKindName(uploaded.provider), mediaId: uploaded.mediaId } } : {}),
        caption: optional(kind.value.caption),
        filename: optional(kind.value.filename),
      };
    }
    case "buttons":
      return { type: "buttons", body: kind.value.body, header: optional(kind.value.header), footer: optional(kind.value.footer), buttons: kind.value.buttons.map(option) };
    case "list":
      return {
        type: "list",
        body: kind.value.body,
        button: kind.value.button,
        header: optional(kind.value.header),
        footer: optional(kind.value.footer),
        sections: kind.value.sections.map((section) => ({ title: optional(section.title), rows: section.rows.map(option) })),
      };
    case "template":
      return { type: "template", name: kind.value.name, language: kind.value.language, parameters: kind.value.parameters };
    case "location":
      return { type: "location", latitude: kind.value.latitude, longitude: kind.value.longitude, name: optional(kind.value.name), address: optional(kind.value.address) };
    case "contacts":
      return { type: "contacts", contacts: kind.value.contacts.map((card) => ({ name: card.name, phones: card.phones })) };
    default:
      return null;
  }
}

/** google.protobuf.Timestamp of a time (milliseconds are all a Date holds). */
function timestampOf(date: Date) {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

function connectionUpdateMessage(update: ConnectionUpdate) {
  return {
    botId: update.botId,
    state: connectionStateOf(update.state),
    qr: update.qr ?? "",
    pairingCode: update.pairingCode ?? "",
    detail: update.detail ?? "",
    time: timestampOf(new Date(update.at)),
    seq: BigInt(update.seq),
  };
}

function botMessage(bot: BotView) {
  return {
    id: bot.id,
    tenantId: bot.tenantId,
    displayName: bot.displayName,
    providers: bot.providers.map((p) => ({ kind: providerKindOf(p.kind), settings: p.settings, secretNames: p.secretNames })),
    createTime: timestampOf(bot.createdAt),
    updateTime: timestampOf(bot.updatedAt),
    connectionState: connectionStateOf(bot.connection.state),
    connectionDetail: bot.connection.detail ?? "",
  };
}

/** The call's deadline as epoch milliseconds (30 s when the caller set none). */
function deadlineOf(context: CallContext): number {
  return context.deadline instanceof Date ? context.deadline.getTime() : Number.isFinite(context.deadline) ? context.deadline : Date.now() + 30_000;
}

const sentMessage = (result: SendMessageResult) => ({ providerMessageId: result.providerMessageId, provider: providerKindOf(result.provider), replayed: result.replayed });

export interface AdapterUseCases {
  configureBot: ConfigureBot;
  listBots: ListBots;
  getBot: GetBot;
  deleteBot: DeleteBot;
  sendMessage: SendMessage;
  sendMessages: SendMessages;
  getConnection: GetConnection;
  watchConnection: WatchConnection;
  requestPairingCode: RequestPairingCode;
  getMedia: GetMedia;
  setOutboundQuota: SetOutboundQuota;
  markRead: MarkRead;
  uploadMedia: UploadMedia;
}

export function adapterService({ configureBot, listBots, getBot, deleteBot, sendMessage, sendMessages, getConnection, watchConnection, requestPairingCode, getMedia, setOutboundQuota, markRead, uploadMedia }: AdapterUseCases): ServiceRegistration {
  return implement(AdapterService, {
    async sendMessage(request, context) {
      const result = await sendMessage({
        tenantId: request.tenantId,
        botId: request.botId,
        recipient: request.recipient,
        content: contentOf(request.content),
        idempotencyKey: request.idempotencyKey,
        replyToProviderMessageId: request.replyToProviderMessageId || undefined,
        deadline: deadlineOf(context),
      });
      return sentMessage(result);
    },

    async sendMessages(request, context) {
      const results = await sendMessages({
        tenantId: request.tenantId,
        botId: request.botId,
        recipient: request.recipient,
        replyToProviderMessageId: request.replyToProviderMessageId || undefined,
        replies: request.replies.map((reply) => ({ content: contentOf(reply.content), idempotencyKey: reply.idempotencyKey })),
        deadline: deadlineOf(context),
      });
      return {
        results: results.map((result) =>
          "sent" in result ? { outcome: { case: "sent" as const, value: sentMessage(result.sent) } } : { outcome: { case: "error" as const, value: toErrorFields(result.error) } },
        ),
      };
    },

    async getConnection(request) {
      const view = await getConnection(request.tenantId, request.botId);
      return { state: connectionStateOf(view.state), provider: providerKindOf(view.provider), qr: view.qr ?? "", pairingCode: view.pairingCode ?? "", detail: view.detail ?? "" };
    },

    async *watchConnection(request, context) {
      for await (const update of watchConnection(request.tenantId, request.botId, context.signal)) yield { update: connectionUpdateMessage(update) };
    },

    async requestPairingCode(request) {
      return requestPairingCode({ tenantId: request.tenantId, botId: request.botId, phoneNumber: request.phoneNumber });
    },

    async configureBot(request) {
      const bot = await configureBot({
        tenantId: request.tenantId,
        botId: request.botId || undefined,
        displayName: request.displayName,
        providers: request.providers.map((p) => ({ kind: requiredProviderKindName(p.kind), settings: p.settings, secrets: p.secrets })),
      });
      return { bot: botMessage(bot) };
    },

    async listBots(request) {
      const page = await listBots({ tenantId: request.tenantId, pageSize: request.pageSize, pageToken: request.pageToken });
      return { bots: page.bots.map(botMessage), nextPageToken: page.nextPageToken };
    },

    async getBot(request) {
      return { bot: botMessage(await getBot(request.tenantId, request.botId)) };
    },

    async deleteBot(request) {
      await deleteBot(request.tenantId, request.botId);
      return {};
    },

    async markRead(request) {
      return markRead({ tenantId: request.tenantId, botId: request.botId, provider: requiredProviderKindName(request.provider), providerMessageId: request.providerMessageId, contact: request.contact });
    },

    async uploadMedia(request) {
      const uploaded = await uploadMedia({
        tenantId: request.tenantId,
        botId: request.botId,
        ...(request.provider ? { provider: requiredProviderKindName(request.provider) } : {}),
        data: Buffer.from(request.data),
        mimeType: request.mimeType,
        ...(request.filename ? { filename: request.filename } : {}),
      });
      return { media: { provider: providerKindOf(uploaded.provider), mediaId: uploaded.mediaId } };
    },

    async setOutboundQuota(request) {
      await setOutboundQuota({ tenantId: request.tenantId, messagesPerMinute: request.messagesPerMinute });
      return {};
    },

    async getMedia(request) {
      const file = await getMedia({ tenantId: request.tenantId, botId: request.botId, provider: requiredProviderKindName(request.provider), providerMediaId: request.providerMediaId });
      return { data: file.data, mimeType: file.mimeType, filename: file.filename ?? "" };
    },
  });
}
