// POST /chat/getBase64FromMediaMessage: the bytes of a stored media message (received or sent),
// found by key id, answered as Evolution does: {mediaType, fileName, caption?, size:{fileLength,
// height?, width?}, mimetype, base64, buffer:null}. Problems are 400s whose message is the
// error's text ("Message not found", "The message is not of the media type").
import { z } from "zod";
import { badRequest } from "./evolution-error.js";
import type { EvolutionInstance } from "./instance-registry.js";
import type { EvolutionMessageStore } from "./message-store.js";
import { extensionOf } from "./mime-types.js";

/** TypeMediaMessage, in the order Evolution looks for them. */
const MEDIA_MESSAGE_TYPES = ["imageMessage", "documentMessage", "audioMessage", "videoMessage", "stickerMessage", "ptvMessage"] as const;

// The route has no schema: Evolution reads body.message.key straight away.
const requestSchema = z.object({
  message: z.object({ key: z.object({ id: z.unknown() }).partial().optional() }),
  convertToMp4: z.unknown().optional(),
});

export interface MediaDownloadDeps {
  store: EvolutionMessageStore;
}

export function createMediaDownload(deps: MediaDownloadDeps) {
  return {
    getBase64FromMediaMessage(instance: EvolutionInstance, body: unknown) {
      const parsed = requestSchema.safeParse(body);
      if (!parsed.success) throw badRequest("TypeError: Cannot read properties of undefined (reading 'key')");
      const keyId = parsed.data.message.key?.id;
      const convertToMp4 = parsed.data.convertToMp4 === true;

      const record = typeof keyId === "string" ? deps.store.findMessage(instance.name, keyId) : undefined;
      if (record === undefined) throw badRequest("Message not found");
      const mediaType = MEDIA_MESSAGE_TYPES.find((type) => record.message.message[type] !== undefined);
      const media = mediaType === undefined ? undefined : record.message.message[mediaType];
      if (mediaType === undefined || typeof media !== "object" || media === null) throw badRequest("The message is not of the media type");
      if (record.media?.content === undefined) {
        throw badRequest("Error: the sandbox never downloaded this media (send it as base64, or enable fetchMediaUrls)");
      }

      const field = (name: string): unknown => Reflect.get(media, name);
      const mimetype = typeof field("mimetype") === "string" ? String(field("mimetype")) : undefined;
      const storedName = field("fileName");
      const fileName = typeof storedName === "string" && storedName !== "" ? storedName : `${record.keyId}.${String(extensionOf(mimetype))}`;
      const caption = field("caption");
      return {
        mediaType,
        fileName,
        ...(typeof caption === "string" ? { caption } : {}),
        size: { fileLength: field("fileLength"), height: field("height"), width: field("width") },
        // The sandbox keeps the bytes as they are; Evolution would transcode audio with ffmpeg.
        mimetype: convertToMp4 && mediaType === "audioMessage" ? "audio/mp4" : mimetype,
        base64: record.media.content.toString("base64"),
        buffer: null,
      };
    },
  };
}
