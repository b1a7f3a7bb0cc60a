// /api/bots: the tenant's bots, served by the whatsapp-adapter over gRPC. The
// tenant is always the caller's, never one from the request.
import { z } from "zod";
import { providerKinds } from "@fleet/contracts";
import { userRoute, type Route } from "../../http/routes.js";
import type { GetBotConnection } from "./get-bot-connection.use-case.js";
import type { SendMessage } from "./send-message.use-case.js";

const BotParams = z.object({ botId: z.uuid("must be a UUID") });

const ConnectionSchema = z
  .object({
    state: z.enum(["connected", "connecting", "awaiting_pairing", "disconnected", "misconfigured"]),
    provider: z.enum(providerKinds).nullable(),
    qr: z.string().optional(),
    pairingCode: z.string().optional(),
    detail: z.string().optional(),
  })
  .meta({ id: "BotConnection" });

const SendMessageBody = z
  .object({
    to: z.string().regex(/^\d{7,15}$/, "must be 7 to 15 digits"),
    text: z
      .string()
      .min(1)
      .max(4096)
      .refine((t) => t.trim().length > 0, "must not be blank"),
  })
  .strict();

const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string({ error: "The Idempotency-Key header is required" })
    .regex(/^[A-Za-z0-9_\-:.]{8,128}$/, "must be 8-128 characters of A-Z a-z 0-9 _ - : ."),
});

const SentSchema = z.object({ providerMessageId: z.string(), provider: z.enum(providerKinds).nullable(), replayed: z.boolean() }).meta({ id: "SentMessage" });

export interface BotsRoutesDeps {
  getBotConnection: GetBotConnection;
  sendMessage: SendMessage;
}

export function botsRoutes(deps: BotsRoutesDeps): Route[] {
  const tags = ["bots"];
  return [
    userRoute({
      method: "get",
      path: "/bots/:botId/connection",
      operationId: "getBotConnection",
      summary: "Whether the bot is connected to WhatsApp, through which provider",
      tags,
      permission: "bots:read",
      params: BotParams,
      responses: { 200: { description: "Connection state", schema: ConnectionSchema }, 404: { description: "BOT_NOT_FOUND" } },
      handle: async ({ actor, params }) => ({ status: 200, body: await deps.getBotConnection(actor, params.botId) }),
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
      responses: { 202: { description: "Accepted by the provider", schema: SentSchema }, 404: { description: "BOT_NOT_FOUND" } },
      handle: async ({ actor, params, headers, body }) => ({
        status: 202,
        body: await deps.sendMessage(actor, { botId: params.botId, to: body.to, text: body.text, idempotencyKey: headers["idempotency-key"] }),
      }),
    }),
  ];
}
