// The rules of Cloud API media: upload (type and size per kind), GET /{media-id} (metadata and a
// short-lived download link), DELETE, and the download itself. Who may touch a media is given by
// the caller (a bearer token for Meta, an API key for 360dialog), so both fakes share the rules.
import type { TokenCheck } from "./access-tokens.js";
import { graphError, paramError, unknownObjectError, type GraphFailure } from "./graph-error.js";
import type { MediaStore, DownloadQuery } from "./media-store.js";
import { baseMimeType, MEDIA_LIMITS, mediaKindOf, SUPPORTED_MIME_TYPES } from "./media-types.js";

export interface UploadedFile {
  bytes: Buffer;
  mimeType: string;
  filename?: string;
}

export type HttpReply = { httpStatus: number; body: unknown };

export type DownloadReply =
  | { httpStatus: 200; bytes: Buffer; mimeType: string; filename?: string }
  | { httpStatus: number; text: string };

/**
 * Whether the caller may act on a media owned by `ownerPhoneNumberId`: "invalid-token" when the
 * credential is not valid at all (asked with `undefined` before the media is looked up).
 */
export type MediaAccess = (ownerPhoneNumberId: string | undefined) => TokenCheck;

export interface MediaUseCases {
  upload(input: { phoneNumberId: string; fields: { messagingProduct?: string; type?: string }; file?: UploadedFile }): HttpReply;
  /** `url` turns the signed query string into the link put in the answer. */
  describe(input: { mediaId: string; access: MediaAccess; phoneNumberId?: string; url(query: string): string }): HttpReply;
  remove(input: { mediaId: string; access: MediaAccess; phoneNumberId?: string }): HttpReply;
  download(input: { query: Partial<DownloadQuery>; access: MediaAccess }): DownloadReply;
}

const reply = (failure: GraphFailure): HttpReply => ({ httpStatus: failure.httpStatus, body: failure.body });

export function createMediaUseCases(deps: { media: MediaStore }): MediaUseCases {
  /** The stored media the caller may see, or the Graph answer for one it may not. */
  function find(mediaId: string, access: MediaAccess, method: "get" | "delete", phoneNumberId?: string) {
    if (access(undefined) === "invalid-token") return { failure: graphError(190) };
    const media = deps.media.get(mediaId);
    if (media === undefined || access(media.phoneNumberId) !== "ok") return { failure: unknownObjectError(mediaId, method) };
    // Meta checks the optional phone_number_id against the number the media belongs to.
    if (phoneNumberId !== undefined && phoneNumberId !== media.phoneNumberId) {
      return { failure: paramError("Param phone_number_id is not a valid whatsapp business phone number id ID") };
    }
    return { media };
  }

  return {
    upload({ phoneNumberId, fields, file }) {
      if (fields.messagingProduct === undefined) return reply(paramError("The parameter messaging_product is required."));
      if (fields.messagingProduct.toLowerCase() !== "whatsapp") {
        return reply(paramError(`Param messaging_product must be one of {WHATSAPP} - got "${fields.messagingProduct}".`));
      }
      if (file === undefined) return reply(paramError("The parameter file is required."));
      // The part's own Content-Type decides; the `type` field only fills in for a generic one.
      const mimeType = baseMimeType(file.mimeType) === "application/octet-stream" && fields.type !== undefined ? fields.type : file.mimeType;
      const kind = mediaKindOf(mimeType);
      if (kind === undefined) {
        return reply(paramError(`Param file must be a file with one of the following types: ${SUPPORTED_MIME_TYPES.join(", ")}. Received file of type '${mimeType}'.`));
      }
      const { maxBytes } = MEDIA_LIMITS[kind];
      if (file.bytes.length > maxBytes) {
        return reply(paramError(`Param file must be a file of at most ${maxBytes} bytes for ${kind} media. Received ${file.bytes.length} bytes.`));
      }
      const media = deps.media.add({ phoneNumberId, bytes: file.bytes, mimeType, filename: file.filename });
      return { httpStatus: 200, body: { id: media.id } };
    },

    describe({ mediaId, access, phoneNumberId, url }) {
      const found = find(mediaId, access, "get", phoneNumberId);
      if (found.failure !== undefined) return reply(found.failure);
      const { media } = found;
      return {
        httpStatus: 200,
        body: {
          url: url(deps.media.downloadQuery(media.id)),
          mime_type: media.mimeType,
          sha256: media.sha256,
          file_size: media.fileSize,
          id: media.id,
          messaging_product: "whatsapp",
        },
      };
    },

    remove({ mediaId, access, phoneNumberId }) {
      // Graph parses the id before looking it up: a malformed one gets a different answer.
      if (!/^\d+$/.test(mediaId)) return reply(paramError("Invalid post_id parameter"));
      const found = find(mediaId, access, "delete", phoneNumberId);
      if (found.failure !== undefined) return reply(found.failure);
      deps.media.delete(found.media.id);
      return { httpStatus: 200, body: { success: true } };
    },

    download({ query, access }) {
      if (access(undefined) === "invalid-token") return { httpStatus: 401, text: "Unauthorized" };
      const check = deps.media.checkDownload(query);
      if (!check.ok) return { httpStatus: 404, text: check.reason === "expired" ? "URL signature expired" : "Not Found" };
      if (access(check.media.phoneNumberId) !== "ok") return { httpStatus: 401, text: "Unauthorized" };
      return { httpStatus: 200, bytes: check.media.bytes, mimeType: check.media.mimeType, filename: check.media.filename };
    },
  };
}
