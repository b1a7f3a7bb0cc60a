// Plays WhatsApp customers against a running fleet: builds real Cloud API
// webhooks, signs them like Meta and posts them through nginx.
import { randomBytes } from "node:crypto";
import { buildMessagesWebhook, postWebhook, type WebhookResponse } from "@fleet/provider-sandbox";
import type { Fleet } from "./fleet.js";

export interface CustomerMessage {
  from: string;
  text: string;
  name?: string;
  /** Provider message id; a fresh wamid when absent (reuse it to simulate provider retries). */
  id?: string;
}

export function newWamid(): string {
  return `wamid.${randomBytes(18).toString("base64url")}`;
}

export function messageWebhook(fleet: Fleet, messages: CustomerMessage[]): string {
  const payload = buildMessagesWebhook(
    { phoneNumberId: fleet.phoneNumberId, displayPhoneNumber: "15550001111" },
    messages.map((m) => ({ from: m.from, text: m.text, name: m.name, id: m.id ?? newWamid() })),
  );
  return JSON.stringify(payload);
}

/**
 * Posts a webhook body through nginx, signed with the fleet's app secret unless
 * `signature` is given. A connection reset (a keep-alive connection closed by
 * nginx as it was reused) is retried once, as the provider would retry.
 */
export async function postToFleet(fleet: Fleet, body: string, signature?: string): Promise<WebhookResponse> {
  const post = () => postWebhook({ callbackUrl: `${fleet.url}/webhooks/meta`, appSecret: fleet.appSecret, payload: body, signature });
  try {
    return await post();
  } catch {
    return post();
  }
}
