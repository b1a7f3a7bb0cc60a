// Evolution API v2 calls of one bot's instance: `apikey` header, JSON bodies,
// errors as {status, error, response:{message:[...]}}, every answer read
// through a zod schema.
import { z } from "zod";
import { AppError, type ErrorKind } from "@fleet/service-kit";
import type { ProviderAccount } from "../provider.js";
import { callProvider, type ProviderAnswer } from "../provider-http.js";

const ErrorBodySchema = z.object({ response: z.object({ message: z.array(z.unknown()) }).loose().optional() }).loose();
const NotOnWhatsApp = z.object({ exists: z.literal(false) }).loose();

export function evolutionError(answer: ProviderAnswer): AppError {
  const parsed = ErrorBodySchema.safeParse(answer.body);
  const messages = parsed.success ? (parsed.data.response?.message ?? []) : [];
  const notOnWhatsApp = messages.some((m) => NotOnWhatsApp.safeParse(m).success);
  const { kind, code }: { kind: ErrorKind; code: string } = notOnWhatsApp
    ? { kind: "invalid_argument", code: "RECIPIENT_INVALID" }
    : answer.status === 401 || answer.status === 403
      ? { kind: "failed_precondition", code: "PROVIDER_CREDENTIALS_INVALID" }
      : answer.status === 404
        ? { kind: "failed_precondition", code: "PROVIDER_NOT_CONFIGURED" }
        : answer.status === 429
          ? { kind: "rate_limited", code: "PROVIDER_RATE_LIMITED" }
          : answer.status >= 500
            ? { kind: "unavailable", code: "PROVIDER_UNAVAILABLE" }
            : { kind: "invalid_argument", code: "PROVIDER_REJECTED_REQUEST" };
  return new AppError(kind, code, `Evolution API answered ${answer.status}`, { details: { provider: "evolution", status: answer.status } });
}

export interface EvolutionCall {
  method: "GET" | "POST" | "DELETE";
  /** Path under the instance's base URL, e.g. `/message/sendText/shop-1`. */
  path: string;
  body?: unknown;
  signal?: AbortSignal;
}

export function evolutionClient(baseUrlOf: (account: ProviderAccount) => string, timeoutMs: number) {
  return async function call(account: ProviderAccount, { method, path, body, signal }: EvolutionCall): Promise<ProviderAnswer> {
    const apiKey = account.secrets.api_key;
    if (!apiKey) throw new AppError("failed_precondition", "PROVIDER_NOT_CONFIGURED", "Evolution provider lacks api_key");
    return callProvider({
      provider: "evolution",
      label: "Evolution API",
      url: `${baseUrlOf(account)}${path}`,
      timeoutMs,
      idempotent: method === "GET",
      init: { method, headers: { apikey: apiKey, ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }), ...(signal ? { signal } : {}) },
    });
  };
}
