// One HTTP call to a provider, with the send path's rules for what a failure
// means: a failure is "maybe sent" unless it provably happened before the
// request left (only a refused or unresolvable connection proves that), and a
// timeout is always "maybe sent". The answer's body is read as JSON (or null).
import type { ProviderKindName } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
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

export interface ProviderCall {
  provider: ProviderKindName;
  /** Shown in error messages: "Meta Cloud API", "Twilio"… */
  label: string;
  url: string;
  init: RequestInit;
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

export async function callProvider({ provider, label, url, init, timeoutMs, idempotent = false }: ProviderCall): Promise<ProviderAnswer> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { ...init, redirect: "error", signal: init.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  } catch (error) {
    if (idempotent) throw new AppError("unavailable", timeout.aborted ? "PROVIDER_TIMEOUT" : "PROVIDER_UNREACHABLE", `${label} did not answer`, { cause: error });
    // Our timeout may have cut a request already written: checked before the connect-phase codes.
    if (timeout.aborted) throw new MaybeSentError(provider, "PROVIDER_TIMEOUT", `${label} did not answer within ${timeoutMs} ms`, { cause: error });
    if (neverSent(error)) throw new AppError("unavailable", "PROVIDER_UNREACHABLE", `${label} could not be reached`, { cause: error });
    throw new MaybeSentError(provider, "PROVIDER_CONNECTION_LOST", `The connection to ${label} was lost after the request was sent`, { cause: error });
  }
  // An unreadable body (connection lost or timed out while reading it) reads as no body.
  const body: unknown = await response.json().catch(() => null);
  return { status: response.status, ok: response.ok, body };
}

/** A 2xx answer without the message id the provider always gives: it took the request, and nobody can tell what it will do. */
export function missingMessageId(provider: ProviderKindName, label: string, status: number): MaybeSentError {
  return new MaybeSentError(provider, "PROVIDER_BAD_RESPONSE", `${label} answered without a message id`, { details: { provider, status } });
}
