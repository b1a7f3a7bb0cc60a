// The media Cloud API accepts, by kind: MIME types and the size cap of each (Meta's "supported
// media types" table). A MIME type decides the kind; image/webp is a sticker, not an image.
export const MEDIA_KINDS = ["image", "document", "audio", "video", "sticker"] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

const MB = 1024 * 1024;

export const MEDIA_LIMITS: Readonly<Record<MediaKind, { mimeTypes: readonly string[]; maxBytes: number }>> = {
  image: { mimeTypes: ["image/jpeg", "image/png"], maxBytes: 5 * MB },
  video: { mimeTypes: ["video/mp4", "video/3gpp"], maxBytes: 16 * MB },
  audio: { mimeTypes: ["audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg", "audio/opus"], maxBytes: 16 * MB },
  // Animated stickers may be 500 KB, static ones 100 KB; the sandbox cannot tell them apart.
  sticker: { mimeTypes: ["image/webp"], maxBytes: 500 * 1024 },
  document: {
    mimeTypes: [
      "text/plain",
      "application/pdf",
      "application/msword",
      "application/vnd.ms-excel",
      "application/vnd.ms-powerpoint",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ],
    maxBytes: 100 * MB,
  },
};

/** The largest file any kind accepts: the cap of the multipart parser. */
export const MAX_MEDIA_BYTES = Math.max(...Object.values(MEDIA_LIMITS).map((l) => l.maxBytes));

/** Every accepted MIME type, in the order Graph lists them in its error text. */
export const SUPPORTED_MIME_TYPES: readonly string[] = MEDIA_KINDS.flatMap((k) => MEDIA_LIMITS[k].mimeTypes);

/** "audio/ogg; codecs=opus" → "audio/ogg". */
export function baseMimeType(mimeType: string): string {
  return (mimeType.split(";")[0] ?? "").trim().toLowerCase();
}

export function mediaKindOf(mimeType: string): MediaKind | undefined {
  const base = baseMimeType(mimeType);
  return MEDIA_KINDS.find((kind) => MEDIA_LIMITS[kind].mimeTypes.includes(base));
}
