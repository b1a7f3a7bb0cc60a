// Provider webhook endpoints: Meta's verification handshake (GET), and one
// POST route per provider kind — `/webhooks/<kind>` or `/webhooks/<kind>/<key>`
// for providers whose URL names the bot — all into the one webhook use case,
// with the raw body kept for signatures.
import { timingSafeEqual } from "node:crypto";
import express, { type Request, type Router } from "express";
import { ProviderKindSchema } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
import type { WebhookRequest } from "../providers/provider.js";
import type { ProviderRegistry } from "../providers/provider-registry.js";
import type { ReceiveWebhook } from "../use-cases/receive-webhook.use-case.js";

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface WebhookRoutesDeps {
  /** META_VERIFY_TOKEN, echoed by Meta's subscription handshake. */
  metaVerifyToken: string;
  /** PUBLIC_BASE_URL: the fleet's public origin, for signatures over the URL the provider called. */
  publicBaseUrl: string;
  providers: ProviderRegistry;
  receive: ReceiveWebhook;
}

function headersOf(req: Request): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : value]));
}

export function webhookRoutes({ metaVerifyToken, publicBaseUrl, providers, receive }: WebhookRoutesDeps): Router {
  const router = express.Router();
  const origin = publicBaseUrl.replace(/\/+$/, "");

  router.get("/webhooks/meta", (req, res) => {
    const mode = req.query["hub.mode"];
    const token = req.query["hub.verify_token"];
    const challenge = req.query["hub.challenge"];
    if (mode === "subscribe" && typeof token === "string" && sameText(token, metaVerifyToken) && typeof challenge === "string") {
      res.status(200).type("text/plain").send(challenge);
      return;
    }
    throw new AppError("permission_denied", "VERIFY_TOKEN_MISMATCH", "Webhook verification failed");
  });

  const handler: express.RequestHandler = async (req, res) => {
    const kind = ProviderKindSchema.safeParse(req.params.kind);
    if (!kind.success || !providers.get(kind.data)?.inbound) throw new AppError("not_found", "ROUTE_NOT_FOUND", `No route for ${req.method} ${req.path}`);
    const raw: unknown = req.body;
    const request: WebhookRequest = {
      rawBody: Buffer.isBuffer(raw) ? raw : Buffer.alloc(0),
      headers: headersOf(req),
      ...(typeof req.params.key === "string" ? { key: req.params.key } : {}),
      publicUrl: `${origin}${req.originalUrl}`,
    };
    const outcome = await receive(kind.data, request);
    const answer = providers.get(kind.data)?.inbound?.answer;
    if (answer) res.status(200).type(answer.contentType).send(answer.body);
    else res.status(200).json({ received: true, ...outcome });
  };
  // As much as nginx lets through (client_max_body_size 5m): a bigger body is refused there, never half-read here.
  const rawBody = express.raw({ type: () => true, limit: "5mb" });
  router.post("/webhooks/:kind", rawBody, handler);
  router.post("/webhooks/:kind/:key", rawBody, handler);
  return router;
}
