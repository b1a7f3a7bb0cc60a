// One HTTP call to a provider, with the send path's rules for what a failure
// means: a failure is "maybe sent" unless it provably happened before the
// request left (only a refused or unresolvable connection proves that), and a
// timeout is always "maybe sent". The answer's body is read as JSON (or null).
import type { ProviderKindName } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
import { Agent, request } from "undici";
import { deadline } from "./deadline.js";
import { MaybeSentError } from "./provider.js";

/** Errors of the connect phase (DNS, TCP connect): the request was never written. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

/** The `code`s along an error's cause chain (fetch wraps the socket error in a TypeError "fetch failed"). */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    seen.add(current);
    if ("code" in current && typeof current.code === "string") codes.push(current.code);
    if ("cause" in current) queue.push(current.cause);
    if (current instanceof AggregateError) queue.push(...current.errors);
  }
  return codes;
}

/** True when the error proves the request never reached the provider. */
export function neverSent(error: unknown): boolean {
  return errorCodes(error).some((code) => NOT_SENT_CODES.has(code));
}

export interface ProviderRequest {
  method: string;
  headers?: Record<string, string>;
  /** JSON or form text; a FormData (media uploads) goes through fetch. */
  body?: string | FormData;
  signal?: AbortSignal;
}

export interface ProviderCall {
  provider: ProviderKindName;
  /** Shown in error messages: "Meta Cloud API", "Twilio"… */
  label: string;
  url: string;
  init: ProviderRequest;
  timeoutMs: number;
  /** True for calls that change nothing (reads): every failure of theirs is plainly retryable. */
  idempotent?: boolean;
}

export interface ProviderAnswer {
  status: number;
  ok: boolean;
  /** The JSON body, or null when it is not JSON or could not be read. */
  body: unknown;
}

/**
 * Provider calls share keep-alive connections per origin. undici's dispatcher API costs a fraction
 * of fetch's CPU per call (no WHATWG streams, no Response object), which matters on the send path:
 * every reply is one of these calls.
 */
const providers = new Agent({ keepAliveTimeout: 30_000, connections: 128 });

async function send(url: string, init: ProviderRequest, signal: AbortSignal): Promise<{ status: number; json(): Promise<unknown> }> {
  if (init.body instanceof FormData) {
    const response = await fetch(url, { method: init.method, ...(init.headers ? { headers: init.headers } : {}), body: init.body, redirect: "error", signal });
    return { status: response.status, json: () => response.json() };
  }
  const response = await request(url, {
    dispatcher: providers,
    method: init.method,
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.body === undefined ? {} : { body: init.body }),
    signal,
  });
  // A redirect is an answer the provider never gives: read as a failed call, its body dropped.
  if (response.statusCode >= 300 && response.statusCode < 400) {
    await response.body.dump();
    throw new AppError("unavailable", "PROVIDER_BAD_RESPONSE", `the provider redirected to ${response.headers["location"] ?? "elsewhere"}`);
  }
  return { status: response.statusCode, json: () => response.body.json() };
}

export async function callProvider({ provider, label, url, init, timeoutMs, idempotent = false }: ProviderCall): Promise<ProviderAnswer> {
  const limit = deadline(timeoutMs, init.signal);
  try {
    let response: { status: number; json(): Promise<unknown> };
    try {
      response = await send(url, init, limit.signal);
    } catch (error) {
      if (idempotent) throw new AppError("unavailable", limit.expired ? "PROVIDER_TIMEOUT" : "PROVIDER_UNREACHABLE", `${label} did not answer`, { cause: error });
      // Our timeout may have cut a request already written: checked before the connect-phase codes.
      if (limit.expired) throw new MaybeSentError(provider, "PROVIDER_TIMEOUT", `${label} did not answer within ${timeoutMs} ms`, { cause: error });
      if (neverSent(error)) throw new AppError("unavailable", "PROVIDER_UNREACHABLE", `${label} could not be reached`, { cause: error });
      throw new MaybeSentError(provider, "PROVIDER_CONNECTION_LOST", `The connection to ${label} was lost after the request was sent`, { cause: error });
    }
    // An unreadable body (connection lost or timed out while reading it, or not JSON) reads as no body.
    const body: unknown = await response.json().catch(() => null);
    return { status: response.status, ok: response.status >= 200 && response.status < 300, body };
  } finally {
    limit.clear();
  }
}

/** A 2xx answer without the message id the provider always gives: it took the request, and nobody can tell what it will do. */
export function missingMessageId(provider: ProviderKindName, label: string, status: number): MaybeSentError {
  return new MaybeSentError(provider, "PROVIDER_BAD_RESPONSE", `${label} answered without a message id`, { details: { provider, status } });
}

export interface DownloadCall {
  label: string;
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
  /**
   * Where a redirect may lead (checked before following it); it is followed without the
   * credentials. Absent: redirects are refused.
   */
  redirectAllowed?: (url: URL) => boolean;
}

/** Downloads a file from a provider: bounded in time and size, credentials never sent on to a redirect's target. */
export async function downloadFromProvider({ label, url, headers, timeoutMs, maxBytes, signal, redirectAllowed }: DownloadCall): Promise<{ data: Buffer; mimeType: string }> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const fetchOnce = async (target: string, withHeaders: Record<string, string>) => {
    try {
      return await fetch(target, { headers: withHeaders, redirect: "manual", signal: combined });
    } catch (error) {
      throw new AppError("unavailable", timeout.aborted ? "PROVIDER_TIMEOUT" : "PROVIDER_UNREACHABLE", `${label} did not answer`, { cause: error });
    }
  };
  let response = await fetchOnce(url, headers);
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get("location");
    const next = location ? new URL(location, url) : null;
    if (!next || !redirectAllowed?.(next)) throw new AppError("unavailable", "PROVIDER_BAD_RESPONSE", `${label} redirected the download somewhere it may not go`);
    response = await fetchOnce(next.href, {});
  }
  if (response.status === 404) throw new AppError("not_found", "MEDIA_NOT_FOUND", `${label} no longer has this media`);
  if (response.status === 401 || response.status === 403) throw new AppError("failed_precondition", "PROVIDER_CREDENTIALS_INVALID", `${label} refused the bot's credentials`);
  if (!response.ok || !response.body) throw new AppError("unavailable", "PROVIDER_UNAVAILABLE", `${label} answered ${response.status}`);
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new AppError("failed_precondition", "MEDIA_TOO_LARGE", `The media is larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new AppError("failed_precondition", "MEDIA_TOO_LARGE", `The media is larger than ${maxBytes} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return { data: Buffer.concat(chunks), mimeType: (response.headers.get("content-type") ?? "application/octet-stream").split(";")[0]?.trim() ?? "application/octet-stream" };
}
