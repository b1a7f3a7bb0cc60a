// The body of a CSV catalogue import (text/csv, UTF-8 unless its charset says otherwise), read as
// text with its own, larger limit; a body over the limit is 413 PAYLOAD_TOO_LARGE and a charset the
// gateway cannot decode 415 UNSUPPORTED_MEDIA_TYPE, with the fleet's error body. (The bundled
// gateway decodes UTF-8, UTF-16/32 and the single-byte charsets such as windows-1252, not the
// Chinese, Japanese or Korean ones: scripts/bundle-services.mjs.)
import express, { type RequestHandler } from "express";

export function csvBody({ limit }: { limit: string | number }): RequestHandler {
  const parse = express.text({ type: "text/csv", limit, defaultCharset: "utf-8" });
  return (req, res, next) => {
    parse(req, res, (error?: unknown) => {
      if (error === undefined || error === null) {
        next();
        return;
      }
      const type = typeof error === "object" && "type" in error ? error.type : undefined;
      const [status, code, message] =
        type === "entity.too.large"
          ? [413, "PAYLOAD_TOO_LARGE", "Request body is too large"]
          : type === "charset.unsupported"
            ? [415, "UNSUPPORTED_MEDIA_TYPE", "The CSV's charset cannot be read; send it in UTF-8"]
            : type === "encoding.unsupported"
              ? [415, "UNSUPPORTED_MEDIA_TYPE", "Request body uses an unsupported Content-Encoding"]
              : [400, "MALFORMED_REQUEST", "Request body could not be read"];
      res.status(status).json({ error: { code, message, requestId: String(res.locals.requestId ?? "") } });
    });
  };
}
