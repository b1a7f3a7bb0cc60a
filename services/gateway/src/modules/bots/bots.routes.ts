// /api/bots: the tenant's bots, served by the whatsapp-adapter over gRPC. The
// tenant is always the caller's, never one from the request.
import { z } from "zod";
import { connectionStateNames, providerKinds } from "@fleet/contracts";
import { AppError, extendContext } from "@fleet/service-kit";
import { userRoute, type Route } from "../../http/routes.js";
import type { GetBotConnection } from "./get-bot-connection.use-case.js";
import type { ManageBots } from "./manage-bots.use-case.js";
import type { ContactMedia } from "./contact-media.use-case.js";
import type { PairBot } from "./pair-bot.use-case.js";
import type { SendMessage } from "./send-message.use-case.js";

const BotParams = z.object({ botId: z.uuid("must be a UUID") });
const MediaParams = BotParams.extend({
  provider: z.enum(providerKinds),
  mediaId: z.string().regex(/^[A-Za-z0-9_.=-]{1,256}$/, "must be the media reference of an inbound message"),
});

const ConnectionSchema = z
  .object({
    state: z.enum(connectionStateNames),
    provider: z.enum(providerKinds).nullable(),
    qr: z.string().optional(),
    pairingCode: z.string().optional(),
    detail: z.string().optional(),
  })
  .meta({ id: "BotConnection" });

const PairingCodeBody = z
  .object({
    phoneNumber: z
      .string()
      .regex(/^[1-9]\d{7,14}$/, "must be the number's digits with its country code (8 to 15 digits, no + or spaces)")
      .meta({ description: "The phone to link, e.g. 5215512345678" }),
  })
  .strip();

const SendMessageBody = z
  .object({
    to: z.string().regex(/^\d{7,15}$/, "must be 7 to 15 digits"),
    text: z
      .string()
      .min(1)
      .max(4096)
      .refine((t) => t.trim().length > 0, "must not be blank"),
  })
  // Unknown fields (a tenantId, say) are ignored, never believed.
  .strip();

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_\-:.]{8,128}$/;

// Optional to the parser so a missing or bad key gets its own stable code (below); the document says it is required.
const IdempotencyHeaders = z.object({
  "idempotency-key": z.string().optional().meta({ description: "Required: 8-128 characters of A-Z a-z 0-9 _ - : .; the same key replays the first send" }),
});

function idempotencyKeyOf(value: string | undefined): string {
  if (value === undefined || value === "") throw new AppError("invalid_argument", "IDEMPOTENCY_KEY_REQUIRED", "The Idempotency-Key header is required");
  if (!IDEMPOTENCY_KEY.test(value)) throw new AppError("invalid_argument", "INVALID_IDEMPOTENCY_KEY", "Idempotency-Key must be 8-128 characters of A-Z a-z 0-9 _ - : .");
  return value;
}

const ProviderInput = z
  .object({
    kind: z.enum(providerKinds),
    settings: z.record(z.string().max(64), z.string().max(2048)).default({}),
    secrets: z.record(z.string().max(64), z.string().min(1).max(4096)).optional().meta({ description: "Write-only; on update, a secret left out keeps its stored value" }),
  })
  .strip();

const BotBody = z
  .object({
    displayName: z.string().trim().min(1).max(120),
    providers: z.array(ProviderInput).min(1).max(5).meta({ description: "The primary provider first, then the fallback order" }),
  })
  .strip();

const BotSchema = z
  .object({
    id: z.uuid(),
    displayName: z.string(),
    providers: z.array(z.object({ kind: z.enum(providerKinds).nullable(), settings: z.record(z.string(), z.string()), secretNames: z.array(z.string()) })),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
    connection: z.object({ state: ConnectionSchema.shape.state.nullable(), detail: z.string().optional() }),
  })
  .meta({ id: "Bot" });

const BotsQuery = z.object({
  pageSize: z.coerce.number().int().min(1).max(100).optional(),
  pageToken: z.string().max(512).optional(),
});

/** The bot as the dashboard sees it (the tenant is implied). */
function view(bot: { id: string; displayName: string; providers: unknown[]; createdAt: string; updatedAt: string; connection: unknown }) {
  return { id: bot.id, displayName: bot.displayName, providers: bot.providers, createdAt: bot.createdAt, updatedAt: bot.updatedAt, connection: bot.connection };
}

const SentSchema = z.object({ providerMessageId: z.string(), provider: z.enum(providerKinds).nullable(), replayed: z.boolean() }).meta({ id: "SentMessage" });

export interface BotsRoutesDeps {
  getBotConnection: GetBotConnection;
  sendMessage: SendMessage;
  bots: ManageBots;
  pairing: PairBot;
  contactMedia: ContactMedia;
}

export function botsRoutes(deps: BotsRoutesDeps): Route[] {
  const tags = ["bots"];
  const notFound = { 404: { description: "BOT_NOT_FOUND" } };
  const withBot = <T>(botId: string, work: () => Promise<T>): Promise<T> => {
    extendContext({ botId });
    return work();
  };
  return [
    userRoute({
      method: "get",
      path: "/bots",
      operationId: "listBots",
      summary: "The tenant's bots, oldest first, a page at a time",
      tags,
      permission: "bots:read",
      query: BotsQuery,
      responses: { 200: { description: "A page of bots", schema: z.object({ bots: z.array(BotSchema), nextPageToken: z.string().nullable() }) } },
      handle: async ({ actor, query }) => {
        const page = await deps.bots.list(actor, query);
        return { status: 200, body: { bots: page.bots.map(view), nextPageToken: page.nextPageToken } };
      },
    }),
    userRoute({
      method: "post",
      path: "/bots",
      operationId: "createBot",
      summary: "Add a bot with its providers (secrets are write-only)",
      tags,
      permission: "bots:write",
      body: BotBody,
      responses: { 201: { description: "Created", schema: BotSchema }, 409: { description: "PROVIDER_NUMBER_IN_USE" } },
      handle: async ({ actor, body }) => ({ status: 201, body: view(await deps.bots.create(actor, body)) }),
    }),
    userRoute({
      method: "get",
      path: "/bots/:botId",
      operationId: "getBot",
      summary: "One bot, its providers (secret names only) and connection state",
      tags,
      permission: "bots:read",
      params: BotParams,
      responses: { 200: { description: "The bot", schema: BotSchema }, ...notFound },
      handle: async ({ actor, params }) => withBot(params.botId, async () => ({ status: 200, body: view(await deps.bots.get(actor, params.botId)) })),
    }),
    userRoute({
      method: "put",
      path: "/bots/:botId",
      operationId: "updateBot",
      summary: "Replace a bot's name and providers; a secret left out keeps its stored value",
      tags,
      permission: "bots:write",
      params: BotParams,
      body: BotBody,
      responses: { 200: { description: "The bot as changed", schema: BotSchema }, ...notFound, 409: { description: "PROVIDER_NUMBER_IN_USE" } },
      handle: async ({ actor, params, body }) => withBot(params.botId, async () => ({ status: 200, body: view(await deps.bots.update(actor, params.botId, body)) })),
    }),
    userRoute({
      method: "delete",
      path: "/bots/:botId",
      operationId: "deleteBot",
      summary: "Delete a bot and its providers",
      tags,
      permission: "bots:write",
      params: BotParams,
      responses: { 204: { description: "Deleted" }, ...notFound },
      handle: async ({ actor, params }) =>
        withBot(params.botId, async () => {
          await deps.bots.remove(actor, params.botId);
          return { status: 204 };
        }),
    }),
    userRoute({
      method: "get",
      path: "/bots/:botId/media/:provider/:mediaId",
      operationId: "getContactMedia",
      summary: "A contact's photo, voice note, video or document, fetched from the provider by the media reference of its message",
      tags,
      permission: "messages:read",
      params: MediaParams,
      responses: {
        200: { description: "The file (inline for images, audio and video; a download otherwise)", contentType: "application/octet-stream" },
        404: { description: "BOT_NOT_FOUND, MEDIA_NOT_FOUND" },
        412: { description: "MEDIA_TOO_LARGE, MEDIA_NOT_AVAILABLE" },
      },
      handle: async ({ actor, params }) =>
        withBot(params.botId, async () => {
          const file = await deps.contactMedia(actor, params.botId, params.provider, params.mediaId);
          return { status: 200, body: file.data, headers: { "content-type": file.contentType, "content-disposition": file.disposition, "cache-control": "private, max-age=300" } };
        }),
    }),
    userRoute({
      method: "get",
      path: "/bots/:botId/connection/qr.png",
      operationId: "getBotConnectionQrPng",
      summary: "The latest QR code of a bot waiting to be linked (Baileys, Evolution API), as a PNG to scan",
      tags,
      permission: "bots:connect",
      params: BotParams,
      responses: { 200: { description: "The QR code", contentType: "image/png" }, 404: { description: "BOT_NOT_FOUND, QR_NOT_AVAILABLE (the bot is not waiting to be linked)" } },
      handle: async ({ actor, params }) =>
        withBot(params.botId, async () => ({ status: 200, body: await deps.pairing.connectionQrPng(actor, params.botId), headers: { "content-type": "image/png", "cache-control": "no-store" } })),
    }),
    userRoute({
      method: "post",
      path: "/bots/:botId/connection/pairing-code",
      operationId: "requestBotPairingCode",
      summary: "Ask for a code that links a Baileys bot to a phone number (typed in WhatsApp instead of scanning the QR)",
      tags,
      permission: "bots:connect",
      params: BotParams,
      body: PairingCodeBody,
      responses: {
        200: { description: "The pairing code", schema: z.object({ pairingCode: z.string() }).meta({ id: "PairingCode" }) },
        ...notFound,
        412: { description: "NO_LIVE_CONNECTION (no Baileys provider), or the bot's session cannot take the request now" },
        503: { description: "The bot's session is starting or unreachable: retry" },
      },
      handle: async ({ actor, params, body }) =>
        withBot(params.botId, async () => ({ status: 200, body: await deps.pairing.requestPairingCode(actor, params.botId, body.phoneNumber), headers: { "cache-control": "no-store" } })),
    }),
    userRoute({
      method: "get",
      path: "/bots/:botId/connection",
      operationId: "getBotConnection",
      summary: "Whether the bot is connected to WhatsApp, through which provider",
      tags,
      permission: "bots:read",
      params: BotParams,
      responses: { 200: { description: "Connection state", schema: ConnectionSchema }, 404: { description: "BOT_NOT_FOUND" } },
      handle: async ({ actor, params }) => {
        extendContext({ botId: params.botId });
        return { status: 200, body: await deps.getBotConnection(actor, params.botId) };
      },
    }),
    userRoute({
      method: "post",
      path: "/bots/:botId/messages",
      operationId: "sendBotMessage",
      summary: "Send a text from the bot to a customer; the Idempotency-Key makes a retry safe",
      tags,
      permission: "messages:send",
      params: BotParams,
      headers: IdempotencyHeaders,
      body: SendMessageBody,
      responses: {
        202: { description: "Accepted by the provider", schema: SentSchema },
        404: { description: "BOT_NOT_FOUND" },
        412: { description: "The bot or the provider cannot send it (e.g. outside the customer window), or SEND_OUTCOME_UNKNOWN: the provider may have it, it is never sent again" },
      },
      handle: async ({ actor, params, headers, body }) => {
        extendContext({ botId: params.botId });
        return {
        status: 202,
        body: await deps.sendMessage(actor, { botId: params.botId, to: body.to, text: body.text, idempotencyKey: idempotencyKeyOf(headers["idempotency-key"]) }),
        };
      },
    }),
  ];
}
