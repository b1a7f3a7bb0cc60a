// The Graph API error envelope and the codes the sandbox answers with, so every rejection has
// the wire shape adapters meet in production (see PROVIDERS.md, "Meta WhatsApp Cloud API").
import { randomBytes } from "node:crypto";

export interface GraphErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    error_data?: { messaging_product: "whatsapp"; details: string };
    fbtrace_id: string;
  };
}

export interface GraphFailure {
  httpStatus: number;
  body: GraphErrorBody;
}

/** Error `title` as Meta words it, and the HTTP status the send endpoint answers with. */
const catalog: Readonly<Record<number, { title: string; httpStatus: number }>> = {
  2: { title: "Service temporarily unavailable", httpStatus: 503 },
  100: { title: "Invalid parameter", httpStatus: 400 },
  190: { title: "Invalid OAuth access token.", httpStatus: 401 },
  368: { title: "Temporarily blocked for policies violations", httpStatus: 400 },
  130429: { title: "Rate limit hit", httpStatus: 429 },
  131000: { title: "Something went wrong", httpStatus: 500 },
  131008: { title: "Required parameter is missing", httpStatus: 400 },
  131009: { title: "Parameter value is not valid", httpStatus: 400 },
  131026: { title: "Message undeliverable", httpStatus: 400 },
  131047: { title: "Re-engagement message", httpStatus: 400 },
  131051: { title: "Message type unknown", httpStatus: 400 },
  131053: { title: "Media upload error", httpStatus: 400 },
  131056: { title: "(Business Account, Consumer Account) pair rate limit hit", httpStatus: 429 },
  132000: { title: "Number of parameters does not match the expected number of params", httpStatus: 400 },
  // Recorded live as a 404, unlike the other template errors.
  132001: { title: "Template name does not exist in the translation", httpStatus: 404 },
};

export function errorTitle(code: number): string {
  return catalog[code]?.title ?? "Simulated error";
}

export function defaultHttpStatus(code: number): number {
  return catalog[code]?.httpStatus ?? 400;
}

export function newFbtraceId(): string {
  return randomBytes(8).toString("base64url").slice(0, 11);
}

export function graphError(code: number, opts: { details?: string; httpStatus?: number } = {}): GraphFailure {
  return {
    httpStatus: opts.httpStatus ?? defaultHttpStatus(code),
    body: {
      error: {
        message: `(#${code}) ${errorTitle(code)}`,
        type: "OAuthException",
        code,
        ...(opts.details === undefined ? {} : { error_data: { messaging_product: "whatsapp", details: opts.details } }),
        fbtrace_id: newFbtraceId(),
      },
    },
  };
}

/**
 * What Graph answers for an id the token cannot see: same text whether it is absent or forbidden,
 * naming the HTTP method ("Unsupported get request. …").
 */
export function unknownObjectError(objectId: string, method: "get" | "post" | "delete" = "post"): GraphFailure {
  return {
    httpStatus: 400,
    body: {
      error: {
        message: `Unsupported ${method} request. Object with ID '${objectId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
        type: "GraphMethodException",
        code: 100,
        error_subcode: 33,
        fbtrace_id: newFbtraceId(),
      },
    },
  };
}

export function unknownPathError(path: string): GraphFailure {
  return {
    httpStatus: 400,
    body: { error: { message: `Unknown path components: ${path}`, type: "OAuthException", code: 2500, fbtrace_id: newFbtraceId() } },
  };
}

/** Graph's generic "(#100) <text>" answer for a bad parameter, without error_data (media endpoints). */
export function paramError(text: string): GraphFailure {
  return {
    httpStatus: 400,
    body: { error: { message: `(#100) ${text}`, type: "OAuthException", code: 100, fbtrace_id: newFbtraceId() } },
  };
}

/** A send or template parameter naming a media id this number never uploaded (or that was deleted). */
export function invalidMediaIdError(param: string): GraphFailure {
  return paramError(`Param ${param} is not a valid whatsapp business account media attachment ID`);
}
