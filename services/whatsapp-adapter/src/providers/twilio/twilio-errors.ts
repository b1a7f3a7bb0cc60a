// Twilio REST error codes → AppError: what to retry, what to stop on.
import { z } from "zod";
import { AppError, type ErrorKind } from "@fleet/service-kit";

const RestErrorSchema = z.object({ status: z.number().optional().catch(undefined), code: z.number().optional().catch(undefined) }).loose();

const KIND_BY_CODE: Record<number, { kind: ErrorKind; code: string }> = {
  20003: { kind: "failed_precondition", code: "PROVIDER_CREDENTIALS_INVALID" },
  20404: { kind: "failed_precondition", code: "PROVIDER_CREDENTIALS_INVALID" },
  20429: { kind: "rate_limited", code: "PROVIDER_RATE_LIMITED" },
  21211: { kind: "invalid_argument", code: "RECIPIENT_INVALID" },
  21614: { kind: "invalid_argument", code: "RECIPIENT_INVALID" },
  63007: { kind: "failed_precondition", code: "PROVIDER_NOT_CONFIGURED" },
  63016: { kind: "failed_precondition", code: "OUTSIDE_CUSTOMER_WINDOW" },
  21610: { kind: "invalid_argument", code: "RECIPIENT_INVALID" },
  20500: { kind: "unavailable", code: "PROVIDER_UNAVAILABLE" },
};

/** The AppError for what the SDK threw on a non-2xx answer (a RestException), or for an answer it could not read. */
export function twilioError(error: unknown): AppError {
  const parsed = RestErrorSchema.safeParse(error);
  const status = parsed.success ? parsed.data.status : undefined;
  const twilioCode = parsed.success ? parsed.data.code : undefined;
  const mapped = twilioCode !== undefined ? KIND_BY_CODE[twilioCode] : undefined;
  const fallback: { kind: ErrorKind; code: string } =
    status === 429
      ? { kind: "rate_limited", code: "PROVIDER_RATE_LIMITED" }
      : status === undefined || status >= 500
        ? { kind: "unavailable", code: "PROVIDER_UNAVAILABLE" }
        : status === 401 || status === 403
          ? { kind: "failed_precondition", code: "PROVIDER_CREDENTIALS_INVALID" }
          : { kind: "invalid_argument", code: "PROVIDER_REJECTED_REQUEST" };
  const { kind, code } = mapped ?? fallback;
  return new AppError(kind, code, `Twilio answered ${status ?? "without a status"}${twilioCode !== undefined ? ` (code ${twilioCode})` : ""}`, {
    details: { provider: "twilio", status, twilioCode },
  });
}
