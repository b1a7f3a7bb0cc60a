// Request bodies of the JSON API. A request that carries a body must say it is
// JSON (415 UNSUPPORTED_MEDIA_TYPE otherwise: a form post or text/plain never
// reaches a handler as an empty body), must fit the limit (413
// PAYLOAD_TOO_LARGE) and must parse as a JSON object or array (400
// MALFORMED_JSON). body-parser's own errors are answered here with stable codes
// and the fleet's error body, because the kit's error middleware knows only
// kinds that map to 400-class statuses it chooses (no 413/415 of its own).
import express, { type Request, type RequestHandler, type Response } from "express";
import { z } from "zod";

/** application/json and the +json types (e.g. application/merge-patch+json). */
const JSON_TYPES = ["application/json", "application/*+json"];

export interface JsonBodyOptions {
  /** Largest accepted body, in bytes or as "64kb". */
  limit?: number | string;
}

/** body-parser's errors carry a `type` naming the failure and an HTTP status. */
const BodyParserError = z.object({ type: z.string(), status: z.number().int() });

interface Refusal {
  status: number;
  code: string;
  message: string;
}

function refusalFor(error: unknown): Refusal | null {
  const parsed = BodyParserError.safeParse(error);
  if (!parsed.success) return null;
  switch (parsed.data.type) {
    case "entity.too.large":
      return { status: 413, code: "PAYLOAD_TOO_LARGE", message: "Request body is too large" };
    case "entity.parse.failed":
      return { status: 400, code: "MALFORMED_JSON", message: "Request body is not valid JSON (an object or an array)" };
    case "charset.unsupported":
      return { status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: "Request body must be JSON in UTF-8" };
    case "encoding.unsupported":
      return { status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: "Request body uses an unsupported Content-Encoding" };
    default:
      // Aborted uploads, a Content-Length that does not match: the client's fault, whatever the cause.
      return parsed.data.status >= 400 && parsed.data.status < 500 ? { status: 400, code: "MALFORMED_REQUEST", message: "Request body could not be read" } : null;
  }
}

/** The fleet's error body, as the kit's error middleware writes it (same request id). */
function refuse(res: Response, { status, code, message }: Refusal): void {
  res.status(status).json({ error: { code, message, requestId: String(res.locals.requestId ?? "") } });
}

/** A body is present when one is announced: chunked, or a non-zero Content-Length. */
function carriesBody(req: Request): boolean {
  if (req.headers["transfer-encoding"] !== undefined) return true;
  const length = Number(req.headers["content-length"] ?? "0");
  return Number.isFinite(length) && length > 0;
}

export function jsonBody({ limit = "64kb" }: JsonBodyOptions = {}): RequestHandler {
  const parse = express.json({ limit, strict: true, type: JSON_TYPES });
  return (req, res, next) => {
    if (!carriesBody(req)) {
      next();
      return;
    }
    if (!req.is(JSON_TYPES)) {
      refuse(res, { status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: "Request body must be application/json" });
      return;
    }
    parse(req, res, (error?: unknown) => {
      if (error === undefined || error === null) {
        next();
        return;
      }
      const refusal = refusalFor(error);
      if (refusal) refuse(res, refusal);
      else next(error);
    });
  };
}
