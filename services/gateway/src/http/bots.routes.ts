// The dashboard's view of bots, served by the whatsapp-adapter over gRPC. The
// tenant is always the caller's (from the token), never one from the request.
import { Router } from "express";
import { z } from "zod";
import { AppError, extendContext } from "@fleet/service-kit";
import type { GetBotConnection } from "../use-cases/get-bot-connection.use-case.js";
import type { SendMessage } from "../use-cases/send-message.use-case.js";
import { authenticate, callerOf, requireRole, type AuthDeps } from "./auth.middleware.js";
import { parseInput } from "./validation.js";

const BotParams = z.object({ botId: z.uuid("must be a UUID") });

const SendMessageBody = z.object({
  to: z.string().regex(/^\d{7,15}$/, "must be 7 to 15 digits"),
  text: z
    .string()
    .min(1)
    .max(4096)
    .refine((t) => t.trim().length > 0, "must not be blank"),
});

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_\-:.]{8,128}$/;

function idempotencyKeyOf(value: string | undefined): string {
  if (value === undefined || value === "") {
    throw new AppError("invalid_argument", "IDEMPOTENCY_KEY_REQUIRED", "The Idempotency-Key header is required");
  }
  if (!IDEMPOTENCY_KEY.test(value)) {
    throw new AppError("invalid_argument", "INVALID_IDEMPOTENCY_KEY", "Idempotency-Key must be 8-128 characters of A-Z a-z 0-9 _ - : .");
  }
  return value;
}

export interface BotsRoutesDeps extends AuthDeps {
  getBotConnection: GetBotConnection;
  sendMessage: SendMessage;
}

export function botsRoutes(deps: BotsRoutesDeps): Router {
  const router = Router();
  const auth = authenticate(deps);

  router.get("/bots/:botId/connection", auth, async (req, res) => {
    const { tenantId } = callerOf(req);
    const { botId } = parseInput(BotParams, req.params, "params");
    extendContext({ botId });
    res.json(await deps.getBotConnection({ tenantId, botId }));
  });

  router.post("/bots/:botId/messages", auth, requireRole("owner", "admin", "agent"), async (req, res) => {
    const { tenantId, userId } = callerOf(req);
    const { botId } = parseInput(BotParams, req.params, "params");
    extendContext({ botId });
    const idempotencyKey = idempotencyKeyOf(req.header("idempotency-key"));
    const { to, text } = parseInput(SendMessageBody, req.body, "body");
    res.status(202).json(await deps.sendMessage({ tenantId, userId, botId, to, text, idempotencyKey }));
  });

  return router;
}
