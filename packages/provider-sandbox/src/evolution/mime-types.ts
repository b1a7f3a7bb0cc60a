// The few media types the sandbox needs to name files and guess types the way Evolution does
// with the `mime-types` package: lookup by file extension, and the first extension of a type.
const byExtension: Readonly<Record<string, string>> = {
  jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", gif: "image/gif", webp: "image/webp",
  mp4: "video/mp4", "3gp": "video/3gpp", mov: "video/quicktime",
  mp3: "audio/mpeg", ogg: "audio/ogg", oga: "audio/ogg", opus: "audio/ogg", m4a: "audio/mp4", aac: "audio/aac", wav: "audio/wav", amr: "audio/amr",
  pdf: "application/pdf", txt: "text/plain", csv: "text/csv", json: "application/json", zip: "application/zip",
  doc: "application/msword", docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel", xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ppt: "application/vnd.ms-powerpoint", pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
};

/** First extension mime-db lists for a type (e.g. "jpeg" for image/jpeg, "oga" for audio/ogg). */
const firstExtension: Readonly<Record<string, string>> = {
  "image/jpeg": "jpeg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
  "video/mp4": "mp4", "video/3gpp": "3gp", "video/quicktime": "qt",
  "audio/mpeg": "mpga", "audio/ogg": "oga", "audio/mp4": "m4a", "audio/aac": "aac", "audio/wav": "wav", "audio/amr": "amr",
  "application/pdf": "pdf", "text/plain": "txt", "text/csv": "csv", "application/json": "json", "application/zip": "zip",
};

/** Like mime.lookup: `false` for an unknown extension (Evolution then stores the string "false"). */
export function lookupMimeType(fileName: string): string | false {
  const ext = fileName.includes(".") ? fileName.split(".").pop()?.toLowerCase() : undefined;
  return (ext !== undefined && byExtension[ext]) || false;
}

/** Like mime.extension: parameters (";codecs=opus") are ignored; `false` when unknown. */
export function extensionOf(mimetype: string | undefined): string | false {
  const type = mimetype?.split(";")[0]?.trim().toLowerCase();
  return (type !== undefined && firstExtension[type]) || false;
}
