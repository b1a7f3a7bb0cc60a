// The twilio SDK's HTTP client replaced by one on fetch with the send path's
// rules (provider-http.ts): a bounded timeout, "maybe sent" for failures after
// the request left, nothing retried by the SDK. The SDK still builds the
// requests and reads the answers (RestException for errors).
import type Twilio from "twilio";
import type { ProviderAnswer } from "../provider-http.js";
import { callProvider } from "../provider-http.js";

type TwilioSdk = typeof Twilio;
type RequestOptions = Parameters<InstanceType<TwilioSdk["RequestClient"]>["request"]>[0];

/** Twilio's form encoding: arrays repeat their key (MediaUrl=a&MediaUrl=b). */
function formOf(data: unknown): URLSearchParams {
  const form = new URLSearchParams();
  if (typeof data !== "object" || data === null) return form;
  for (const [key, value] of Object.entries(data)) {
    for (const item of Array.isArray(value) ? value : [value]) if (item !== undefined && item !== null) form.append(key, String(item));
  }
  return form;
}

/** The SDK's RequestClient subclass (the SDK is given, so it is only loaded when Twilio is used). */
export function twilioFetchClient(sdk: TwilioSdk, timeoutMs: number): InstanceType<TwilioSdk["RequestClient"]> {
  class TwilioFetchClient extends sdk.RequestClient {
    override async request<TData>(opts: RequestOptions): Promise<{ statusCode: number; body: TData; headers: Record<string, string> }> {
      return fetchRequest<TData>(opts, timeoutMs);
    }
  }
  return new TwilioFetchClient({ autoRetry: false });
}

async function fetchRequest<TData>(opts: RequestOptions, timeoutMs: number): Promise<{ statusCode: number; body: TData; headers: Record<string, string> }> {
  const url = new URL(opts.uri);
  for (const [key, value] of formOf(opts.params)) url.searchParams.append(key, value);
  const method = opts.method.toUpperCase();
  const headers: Record<string, string> = { ...(opts.headers as Record<string, string> | undefined) };
  if (opts.username !== undefined) headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password ?? ""}`).toString("base64")}`;
  const answer: ProviderAnswer = await callProvider({
    provider: "twilio",
    label: "Twilio",
    url: url.href,
    timeoutMs,
    idempotent: method === "GET",
    init: { method, headers, ...(method === "POST" || method === "PUT" ? { body: formOf(opts.data).toString() } : {}) },
  });
  return { statusCode: answer.status, body: answer.body as TData, headers: {} };
}
