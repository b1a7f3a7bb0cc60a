// Cloud API webhook endpoints: the verification handshake (GET) and
// notifications (POST, raw body kept for the signature check).
import { timingSafeEqual } from "node:crypto";
import express, { type Router } from "express";
import { AppError } from "@fleet/service-kit";
import type { ReceiveMetaWebhook } from "../use-cases/receive-meta-webhook.use-case.js";

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function metaWebhookRoutes({ verifyToken, receive }: { verifyToken: string; receive: ReceiveMetaWebhook }): Router {
  const router = express.Router();

  router.get("/webhooks/meta", (req, res) => {
    const mode = req.query["hub.mode"];
    const token = req.query["hub.verify_token"];
    const challenge = req.query["hub.challenge"];
    if (mode === "subscribe" && typeof token === "string" && sameText(token, verifyToken) && typeof challenge === "string") {
      res.status(200).type("text/plain").send(challenge);
      return;
    }
    throw new AppError("permission_denied", "VERIFY_TOKEN_MISMATCH", "Webhook verification failed");
  });

  router.post("/webhooks/meta", express.raw({ type: () => true, limit: "1mb" }), async (req, res) => {
    const raw: unknown = req.body;
    const outcome = await receive(Buffer.isBuffer(raw) ? raw : Buffer.alloc(0), req.header("x-hub-signature-256"));
    res.status(200).json({ received: true, ...outcome });
  });

  return router;
}
