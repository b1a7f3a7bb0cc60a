// Error middleware that adds the headers HTTP asks for on some errors —
// `WWW-Authenticate` on 401, `Retry-After` on 429 when the AppError says how
// long to wait — then hands over to the kit's error middleware for the body.
import type { ErrorRequestHandler } from "express";
import { AppError } from "@fleet/service-kit";

function retryAfterSeconds(details: unknown): number | undefined {
  if (typeof details === "object" && details !== null && "retryAfterS" in details && typeof details.retryAfterS === "number") {
    return Math.max(1, Math.ceil(details.retryAfterS));
  }
  return undefined;
}

export function errorHeaders(): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (error instanceof AppError && !res.headersSent) {
      if (error.kind === "unauthenticated") res.setHeader("www-authenticate", 'Bearer realm="fleet"');
      const retryAfter = error.kind === "rate_limited" ? retryAfterSeconds(error.details) : undefined;
      if (retryAfter !== undefined) res.setHeader("retry-after", String(retryAfter));
    }
    next(error);
  };
}
