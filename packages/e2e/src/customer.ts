// Plays WhatsApp customers against a running fleet: builds real Cloud API
// webhooks, signs them like Meta and posts them through nginx.
import { randomBytes } from "node:crypto";
import { buildMessagesWebhook, postWebhook, type WebhookResponse } from "@fleet/provider-sandbox";
import type { FleetBase } from "./fleet.js";

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

export interface WebhookTarget {
  /** The bot's number the customers write to; the fleet's first bot when absent (see `fleet.bots`). */
  phoneNumberId?: string;
}

export function messageWebhook(fleet: Pick<FleetBase, "phoneNumberId">, messages: CustomerMessage[], { phoneNumberId = fleet.phoneNumberId }: WebhookTarget = {}): string {
  const payload = buildMessagesWebhook(
    { phoneNumberId, displayPhoneNumber: "15550001111" },
    messages.map((m) => ({ from: m.from, text: m.text, name: m.name, id: m.id ?? newWamid() })),
  );
  return JSON.stringify(payload);
}

/**
 * Posts a webhook body through nginx, signed with the fleet's app secret unless
 * `signature` is given. A connection reset (a keep-alive connection closed by
 * nginx as it was reused) is retried once, as the provider would retry.
 */
export async function postToFleet(fleet: Pick<FleetBase, "url" | "appSecret">, body: string, signature?: string): Promise<WebhookResponse> {
  const post = () => postWebhook({ callbackUrl: `${fleet.url}/webhooks/meta`, appSecret: fleet.appSecret, payload: body, signature });
  try {
    return await post();
  } catch {
    return post();
  }
}
