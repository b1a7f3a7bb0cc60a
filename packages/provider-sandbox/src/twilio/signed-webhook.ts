// Twilio's side of every webhook: a form-encoded POST signed with X-Twilio-Signature, computed
// by the twilio package itself (HMAC-SHA1 of the URL plus the sorted key/value pairs, keyed by
// the account's auth token), so `twilio.validateRequest` on the app side accepts it.
import { randomUUID } from "node:crypto";
import twilio from "twilio";

/** Value of X-Twilio-Signature for a POST of `params` to exactly this URL. */
export function signTwilioWebhook(authToken: string, url: string, params: Readonly<Record<string, string>>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, { ...params });
}

export interface PostTwilioWebhookInput {
  url: string;
  authToken: string;
  /** Sent in this order; Twilio signs the sorted pairs, so the order does not change the signature. */
  params: Readonly<Record<string, string>>;
  /** Sent instead of the computed signature, to test rejection of bad signatures. */
  signature?: string;
  /** Twilio gives up on a webhook after 15 s. */
  timeoutMs?: number;
}

export interface TwilioWebhookResponse {
  status: number;
  body: string;
  contentType?: string;
}

export async function postTwilioWebhook(input: PostTwilioWebhookInput): Promise<TwilioWebhookResponse> {
  const response = await fetch(input.url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "*/*",
      "user-agent": "TwilioProxy/1.1",
      "i-twilio-idempotency-token": randomUUID(),
      "x-twilio-signature": input.signature ?? signTwilioWebhook(input.authToken, input.url, input.params),
    },
    body: new URLSearchParams(Object.entries(input.params)).toString(),
    redirect: "manual",
    signal: AbortSignal.timeout(input.timeoutMs ?? 15_000),
  });
  const contentType = response.headers.get("content-type") ?? undefined;
  return { status: response.status, body: await response.text(), ...(contentType === undefined ? {} : { contentType }) };
}
