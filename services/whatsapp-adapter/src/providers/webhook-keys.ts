// Webhook URLs that name their bot: `/webhooks/<kind>/<key>` where the key is
// the bot id and an HMAC of it (keyed by a secret derived from the adapter's
// encryption key), so only the adapter can make one and nothing is stored.
// Used by providers that do not sign their webhooks (360dialog, Evolution
// API): the key in the URL is the credential. A key is only ever shown to the
// bot's own tenant (or registered with the provider by the adapter itself).
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { ProviderKindName } from "@fleet/contracts";
import { AppError, asKeyring, type SecretKeyring } from "@fleet/service-kit";
import type { WebhookRequest, WebhookTarget } from "./provider.js";

export interface WebhookKeys {
  keyFor(kind: ProviderKindName, botId: string): string;
  /** The bot a key names when the key is genuine, else null. */
  botOf(kind: ProviderKindName, key: string): string | null;
}

const KEY = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

/**
 * Keys are made with the current secrets key and accepted when made with any key of the ring: after a
 * rotation, URLs registered with the previous key keep working while it is configured (configuring a
 * bot again registers its URL with the new key).
 */
export function createWebhookKeys(keys: string | SecretKeyring): WebhookKeys {
  const ring = asKeyring(keys);
  const secrets = [ring.keyMaterial, ...(ring.previousKeys ?? []).map((key) => key.material)].map((material) => Buffer.from(hkdfSync("sha256", material, "fleet-webhook-keys", "webhook url keys v1", 32)));
  const mac = (secret: Buffer, kind: ProviderKindName, botId: string) => createHmac("sha256", secret).update(`${kind}:${botId}`).digest();
  const current = secrets[0] ?? Buffer.alloc(32);
  return {
    keyFor: (kind, botId) => `${botId}.${mac(current, kind, botId).toString("base64url")}`,
    botOf(kind, key) {
      const match = KEY.exec(key);
      if (!match?.[1] || !match[2]) return null;
      const botId = match[1];
      const given = Buffer.from(match[2], "base64url");
      const genuine = secrets.some((secret) => {
        const expected = mac(secret, kind, botId);
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
      return genuine ? botId : null;
    },
  };
}

/** The webhook URL and the request checks of a provider whose URL key names the bot (nothing else in its webhooks is signed). */
export function keyedWebhook(keys: WebhookKeys, kind: ProviderKindName, publicBaseUrl: string) {
  const origin = publicBaseUrl.replace(/\/+$/, "");
  return {
    /** The URL registered with the provider for the bot. */
    url: (botId: string) => `${origin}/webhooks/${kind}/${keys.keyFor(kind, botId)}`,
    target(request: WebhookRequest): WebhookTarget | null {
      const botId = request.key ? keys.botOf(kind, request.key) : null;
      return botId ? { by: "bot", botId } : null;
    },
    verify(request: WebhookRequest): void {
      if (!request.key || !keys.botOf(kind, request.key)) throw new AppError("permission_denied", "WEBHOOK_KEY_INVALID", "Unknown webhook URL");
    },
  };
}
