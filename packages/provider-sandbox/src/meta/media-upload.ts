// Reads the multipart body of a media upload (POST /{phone_number_id}/media, 360dialog's
// POST /media) into memory, capped at the largest size any media kind accepts; the per-kind caps
// are the use case's. A malformed or oversized body becomes the Graph error a real upload gets.
import type { Request, Response } from "express";
import multer from "multer";
import { z } from "zod";
import { paramError, type GraphFailure } from "./graph-error.js";
import { MAX_MEDIA_BYTES } from "./media-types.js";
import type { UploadedFile } from "./media.use-case.js";

const parser = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_MEDIA_BYTES, files: 1, fields: 20 } }).single("file");

const uploadFields = z.looseObject({ messaging_product: z.string().optional(), type: z.string().optional() });

export type MediaUploadRead =
  | { ok: true; fields: { messagingProduct?: string; type?: string }; file?: UploadedFile }
  | { ok: false; failure: GraphFailure };

export function readMediaUpload(req: Request, res: Response): Promise<MediaUploadRead> {
  return new Promise((resolve) => {
    parser(req, res, (error: unknown) => {
      if (error instanceof multer.MulterError) {
        resolve({
          ok: false,
          failure: error.code === "LIMIT_FILE_SIZE"
            ? paramError(`Param file must be a file of at most ${MAX_MEDIA_BYTES} bytes.`)
            : paramError(`Param ${error.field ?? "file"} is not valid: ${error.message}.`),
        });
        return;
      }
      if (error !== undefined && error !== null) {
        resolve({ ok: false, failure: paramError("The request body is not valid multipart/form-data.") });
        return;
      }
      const parsed = uploadFields.safeParse(req.body);
      const fields = parsed.success ? { messagingProduct: parsed.data.messaging_product, type: parsed.data.type } : {};
      const file = req.file === undefined
        ? undefined
        : { bytes: req.file.buffer, mimeType: req.file.mimetype, filename: req.file.originalname || undefined };
      resolve({ ok: true, fields, file });
    });
  });
}
