// The last error handler of every fake's express app. Its control endpoints (/_sandbox/…) answer
// in the sandbox's {error:{code,message}} shape, the provider API in the provider's, which each
// fake supplies. An unexpected error is logged with its stack under a short id the answer names;
// the stack never reaches the client.
import { randomUUID } from "node:crypto";
import type { ErrorRequestHandler, Request, Response } from "express";
import type { Logger } from "../logger.js";
import { SandboxError } from "./sandbox-error.js";

export interface ErrorAnswers<TBodyError> {
  logger: Logger;
  /** Whether `req` is for one of the control endpoints. */
  isControl(req: Request): boolean;
  /** The body-parser errors this fake answers as an unreadable body; any other error is unexpected. */
  isBodyError(error: unknown): error is TBodyError;
  /** The provider's answer to an unreadable body on its API. */
  badBody(error: TBodyError, req: Request, res: Response): void;
  /** The provider's answer to an unexpected error on its API; the sandbox's own 500 when absent. */
  internal?(errorId: string, res: Response): void;
  /** Answers an error the provider's routes throw in its own shape; false for any other error. */
  providerError?(error: unknown, res: Response): boolean;
}

export function createErrorHandler<TBodyError>(answers: ErrorAnswers<TBodyError>): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const control = answers.isControl(req);
    if (answers.providerError?.(error, res) === true) return;
    if (error instanceof SandboxError) {
      res.status(error.httpStatus).json({ error: { code: error.code, message: error.message } });
    } else if (answers.isBodyError(error)) {
      if (control) res.status(bodyErrorStatus(error)).json({ error: { code: "INVALID_JSON", message: "request body is not valid JSON" } });
      else answers.badBody(error, req, res);
    } else {
      const errorId = randomUUID().slice(0, 8);
      answers.logger.error("unhandled error", { errorId, path: req.path, error: error instanceof Error ? error.stack : String(error) });
      if (control || answers.internal === undefined) res.status(500).json({ error: { code: "INTERNAL", message: `internal error ${errorId}` } });
      else answers.internal(errorId, res);
    }
  };
}

/** body-parser's own status for the error (400 for unparsable JSON, 413 for a body too large). */
function bodyErrorStatus(error: unknown): number {
  return typeof error === "object" && error !== null && "status" in error && typeof error.status === "number" ? error.status : 400;
}
