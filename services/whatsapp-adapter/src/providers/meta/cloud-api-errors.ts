// Cloud API (Graph) error codes → AppError: what to retry, what to stop on.
// Every provider maps to the same codes (PROVIDER_CREDENTIALS_INVALID,
// PROVIDER_RATE_LIMITED, RECIPIENT_INVALID, OUTSIDE_CUSTOMER_WINDOW,
// PROVIDER_UNAVAILABLE…), so callers never branch on the provider.
import { z } from "zod";
import type { ProviderKindName } from "@fleet/contracts";
import { AppError, type ErrorKind } from "@fleet/service-kit";

// Only the fields acted on; anything else in the body (or a body that is not Graph's) is ignored.
const GraphErrorBodySchema = z.object({
  error: z
    .object({
      code: z.number().optional().catch(undefined),
      error_subcode: z.number().optional().catch(undefined),
      fbtrace_id: z.string().optional().catch(undefined),
    })
    .loose(),
});

const KIND_BY_CODE: Record<number, { kind: ErrorKind; code: string }> = {
  130429: { kind: "rate_limited", code: "PROVIDER_RATE_LIMITED" },
  131056: { kind: "rate_limited", code: "PROVIDER_PAIR_RATE_LIMITED" },
  131000: { kind: "unavailable", code: "PROVIDER_UNAVAILABLE" },
  2: { kind: "unavailable", code: "PROVIDER_UNAVAILABLE" },
  131047: { kind: "failed_precondition", code: "OUTSIDE_CUSTOMER_WINDOW" },
  131026: { kind: "invalid_argument", code: "RECIPIENT_INVALID" },
  131030: { kind: "invalid_argument", code: "RECIPIENT_INVALID" },
  190: { kind: "failed_precondition", code: "PROVIDER_CREDENTIALS_INVALID" },
  368: { kind: "failed_precondition", code: "PROVIDER_ACCOUNT_BLOCKED" },
  100: { kind: "invalid_argument", code: "PROVIDER_REJECTED_REQUEST" },
  131008: { kind: "invalid_argument", code: "PROVIDER_REJECTED_REQUEST" },
};

/** Builds the AppError for a non-2xx Graph answer; the provider's message is kept in details, not in logs of bodies. */
export function graphError(status: number, body: unknown, provider: ProviderKindName = "meta", label = "Meta Cloud API"): AppError {
  const parsed = GraphErrorBodySchema.safeParse(body);
  const error = parsed.success ? parsed.data.error : undefined;
  const graphCode = error?.code;
  const mapped = graphCode !== undefined ? KIND_BY_CODE[graphCode] : undefined;
  const fallback: { kind: ErrorKind; code: string } =
    status === 429
      ? { kind: "rate_limited", code: "PROVIDER_RATE_LIMITED" }
      : status >= 500
        ? { kind: "unavailable", code: "PROVIDER_UNAVAILABLE" }
        : status === 401 || status === 403
          ? { kind: "failed_precondition", code: "PROVIDER_CREDENTIALS_INVALID" }
          : { kind: "failed_precondition", code: "PROVIDER_REJECTED" };
  const { kind, code } = mapped ?? fallback;
  return new AppError(kind, code, `${label} answered ${status}${graphCode !== undefined ? ` (code ${graphCode})` : ""}`, {
    details: { provider, status, graphCode, subcode: error?.error_subcode, fbtraceId: error?.fbtrace_id },
  });
}
