// The twilio SDK's HTTP client replaced by one on fetch with the send path's
// rules (provider-http.ts): a bounded timeout, "maybe sent" for failures after
// the request left, nothing retried by the SDK. The SDK still builds the
// requests and reads the answers (RestException for errors).
import twilio from "twilio";
import type { ProviderAnswer } from "../provider-http.js";
import { callProvider } from "../provider-http.js";

type RequestOptions = Parameters<InstanceType<typeof twilio.RequestClient>["request"]>[0];

/** Twilio's form encoding: arrays repeat their key (MediaUrl=a&MediaUrl=b). */
function formOf(data: unknown): URLSearchParams {
  const form = new URLSearchParams();
  if (typeof data !== "object" || data === null) return form;
  for (const [key, value] of Object.entries(data)) {
    for (const item of Array.isArray(value) ? value : [value]) if (item !== undefined && item !== null) form.append(key, String(item));
  }
  return form;
}

export class TwilioFetchClient extends twilio.RequestClient {
  constructor(private readonly timeoutMs: number) {
    super({ autoRetry: false });
  }

  override async request<TData>(opts: RequestOptions): Promise<{ statusCode: number; body: TData; headers: Record<string, string> }> {
    const url = new URL(opts.uri);
    for (const [key, value] of formOf(opts.params)) url.searchParams.append(key, value);
    const method = opts.method.toUpperCase();
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string> | undefined) };
    if (opts.username !== undefined) headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password ?? ""}`).toString("base64")}`;
    const answer: ProviderAnswer = await callProvider({
      provider: "twilio",
      label: "Twilio",
      url: url.href,
      timeoutMs: this.timeoutMs,
      idempotent: method === "GET",
      init: { method, headers, ...(method === "POST" || method === "PUT" ? { body: formOf(opts.data).toString() } : {}) },
    });
    return { statusCode: answer.status, body: answer.body as TData, headers: {} };
  }
}
