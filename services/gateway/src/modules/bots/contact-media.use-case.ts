// A contact's media (photo, voice note, document) for the dashboard: fetched
// through the adapter from the provider on demand, never stored. What the
// browser may render inline is a short list; anything else is a download.
import { AppError } from "@fleet/service-kit";
import type { ProviderKindName } from "@fleet/contracts";
import { authorize, type Actor } from "../../auth/permissions.js";
import type { AdapterClient } from "../../clients/adapter.client.js";

const INLINE = /^(image\/(jpeg|png|webp|gif)|audio\/(ogg|mpeg|mp4|aac|amr)|video\/(mp4|3gpp))$/;
const SAFE_TYPE = /^[a-z]+\/[a-z0-9.+-]+$/;

export interface ContactMediaFile {
  data: Buffer;
  contentType: string;
  disposition: string;
}

/** `filename` reduced to what a Content-Disposition header can carry safely. */
function safeFilename(filename: string | null): string {
  const cleaned = (filename ?? "").replace(/[^\w .()-]/g, "_").slice(0, 100).trim();
  return cleaned === "" ? "media" : cleaned;
}

export function createContactMedia({ adapter }: { adapter: Pick<AdapterClient, "getMedia"> }) {
  return async function contactMedia(actor: Actor, botId: string, provider: ProviderKindName, providerMediaId: string): Promise<ContactMediaFile> {
    authorize(actor, "messages:read");
    const file = await adapter.getMedia({ tenantId: actor.tenantId, botId, provider, providerMediaId });
    if (file.data.byteLength === 0) throw new AppError("not_found", "MEDIA_NOT_FOUND", "The provider has no content for this media");
    const mimeType = file.mimeType.toLowerCase();
    const inline = INLINE.test(mimeType);
    return {
      data: file.data,
      contentType: inline || SAFE_TYPE.test(mimeType) ? mimeType : "application/octet-stream",
      disposition: `${inline ? "inline" : "attachment"}; filename="${safeFilename(file.filename)}"`,
    };
  };
}

export type ContactMedia = ReturnType<typeof createContactMedia>;
