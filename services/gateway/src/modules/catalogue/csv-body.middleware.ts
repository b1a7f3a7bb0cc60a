// The body of a CSV catalogue import (text/csv, UTF-8), read as text with its own, larger limit;
// a body over the limit is 413 PAYLOAD_TOO_LARGE with the fleet's error body.
import express, { type RequestHandler } from "express";

export function csvBody({ limit }: { limit: string | number }): RequestHandler {
  const parse = express.text({ type: "text/csv", limit, defaultCharset: "utf-8" });
  return (req, res, next) => {
    parse(req, res, (error?: unknown) => {
      if (error === undefined || error === null) {
        next();
        return;
      }
      const tooLarge = typeof error === "object" && "type" in error && error.type === "entity.too.large";
      res.status(tooLarge ? 413 : 400).json({
        error: { code: tooLarge ? "PAYLOAD_TOO_LARGE" : "MALFORMED_REQUEST", message: tooLarge ? "Request body is too large" : "Request body could not be read", requestId: String(res.locals.requestId ?? "") },
      });
    });
  };
}
