// Files for the bot to send that have no public URL (a seller's attachment in
// the dashboard): uploaded to one of the bot's providers, then sent by id.
import { z } from "zod";
import type { ProviderKindName } from "@fleet/contracts";
import { AppError } from "@fleet/service-kit";
import type { ProviderRegistry } from "../providers/provider-registry.js";
import type { BotCache } from "../repositories/bot-cache.js";
import { botNotFound } from "./get-bot.use-case.js";

export interface UploadMediaInput {
  tenantId: string;
  botId: string;
  /** Absent: the bot's primary provider. */
  provider?: ProviderKindName;
  data: Buffer;
  mimeType: string;
  filename?: string;
}

const MIME_TYPE = /^(image\/(jpeg|png|webp)|audio\/(aac|mp4|mpeg|amr|ogg)|video\/(mp4|3gpp)|application\/pdf|application\/(msword|vnd\.[\w.-]+)|text\/plain)$/;
const Input = z.object({
  mimeType: z.string().regex(MIME_TYPE, "mime_type must be a type WhatsApp accepts (image, audio, video, PDF, office documents, text)"),
  filename: z.string().max(240).regex(/^[^/\\\r\n]*$/, "filename must be a plain file name").optional(),
});

export interface UploadMediaDeps {
  bots: Pick<BotCache, "find">;
  providers: ProviderRegistry;
  timeoutMs: number;
  maxBytes: number;
}

export function createUploadMedia({ bots, providers, timeoutMs, maxBytes }: UploadMediaDeps) {
  return async function uploadMedia(input: UploadMediaInput): Promise<{ provider: ProviderKindName; mediaId: string }> {
    const parsed = Input.safeParse(input);
    const problems = parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
    if (input.data.byteLength === 0) problems.push("data is empty");
    if (input.data.byteLength > maxBytes) problems.push(`data is larger than ${maxBytes} bytes`);
    if (problems.length > 0) throw new AppError("invalid_argument", "INVALID_UPLOAD", "Invalid media upload", { details: problems });
    const bot = await bots.find(input.tenantId, input.botId);
    if (!bot) throw botNotFound();
    const account = input.provider ? bot.providers.find((p) => p.kind === input.provider) : bot.providers[0];
    if (!account) throw new AppError("failed_precondition", "BOT_HAS_NO_PROVIDER", "The bot has no such provider");
    const upload = providers.get(account.kind)?.upload;
    if (!upload) throw new AppError("failed_precondition", "MEDIA_UPLOAD_NOT_SUPPORTED", `${account.kind} sends media by URL only`);
    const file = { data: input.data, mimeType: input.mimeType, ...(input.filename ? { filename: input.filename } : {}) };
    return { provider: account.kind, mediaId: await upload({ settings: account.settings, secrets: account.secrets }, file, AbortSignal.timeout(timeoutMs * 3)) };
  };
}

export type UploadMedia = ReturnType<typeof createUploadMedia>;
