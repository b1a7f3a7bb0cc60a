// A contact's media on a Cloud API endpoint: the media id from the webhook is
// looked up (GET /{media_id} → a short-lived URL and the MIME type), then the
// file is downloaded with the same credentials. Meta serves it from its own
// lookaside host; a BSP proxies the same path on its base URL.
import { z } from "zod";
import type { ProviderKindName } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
import type { MediaFile, ProviderAccount } from "../provider.js";
import { callProvider, downloadFromProvider } from "../provider-http.js";
import { graphError } from "./cloud-api-errors.js";

const MediaInfoSchema = z.object({ url: z.url(), mime_type: z.string().min(1) }).loose();
const MEDIA_ID = /^[A-Za-z0-9_.-]{1,128}$/;

export interface CloudApiMediaOptions {
  provider: ProviderKindName;
  label: string;
  timeoutMs: number;
  maxBytes: number;
  /** The lookup URL of a media id and the headers that authenticate the account. */
  lookup(account: ProviderAccount, mediaId: string): { url: string; headers: Record<string, string> };
  /** Where to download the URL the lookup answered; null when it points somewhere the credentials may not go. */
  downloadUrl(account: ProviderAccount, answered: URL): string | null;
}

export function cloudApiMedia({ provider, label, timeoutMs, maxBytes, lookup, downloadUrl }: CloudApiMediaOptions) {
  return async function media(account: ProviderAccount, mediaId: string, signal: AbortSignal): Promise<MediaFile> {
    if (!MEDIA_ID.test(mediaId)) throw new AppError("invalid_argument", "INVALID_MEDIA_ID", "Not a media id of this provider");
    const { url, headers } = lookup(account, mediaId);
    const answer = await callProvider({ provider, label, url, timeoutMs, idempotent: true, init: { method: "GET", headers, signal } });
    if (answer.status === 404) throw new AppError("not_found", "MEDIA_NOT_FOUND", `${label} no longer has this media`);
    if (!answer.ok) throw graphError(answer.status, answer.body, provider, label);
    const info = MediaInfoSchema.safeParse(answer.body);
    if (!info.success) throw new AppError("unavailable", "PROVIDER_BAD_RESPONSE", `${label} described the media in an unknown shape`);
    const target = downloadUrl(account, new URL(info.data.url));
    if (!target) throw new AppError("unavailable", "PROVIDER_BAD_RESPONSE", `${label} answered a media URL on a host that is not allowed`);
    const file = await downloadFromProvider({ label, url: target, headers, timeoutMs, maxBytes, signal });
    return { data: file.data, mimeType: info.data.mime_type };
  };
}
