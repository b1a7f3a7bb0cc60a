// Meta WhatsApp Cloud API sender: POST /{version}/{phone_number_id}/messages
// with the bot's Bearer token. Base URL and version come from config (or the
// bot's own settings), so tests and the demo point it at the sandbox.
import { AppError } from "@fleet/service-kit";
import type { MessageSender, ProviderAccount, SendRequest } from "../provider.js";
import { graphError } from "./graph-errors.js";

export interface MetaProviderOptions {
  baseUrl: string;
  version: string;
  timeoutMs: number;
}

function messageBody(request: SendRequest): Record<string, unknown> {
  const base = {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: request.recipient,
    ...(request.replyToProviderMessageId ? { context: { message_id: request.replyToProviderMessageId } } : {}),
  };
  const { content } = request;
  if (content.type === "text") return { ...base, type: "text", text: { body: content.body, preview_url: content.previewUrl } };
  const media: Record<string, string> = { link: content.url };
  if (content.caption && content.kind !== "audio" && content.kind !== "sticker") media.caption = content.caption;
  if (content.filename && content.kind === "document") media.filename = content.filename;
  return { ...base, type: content.kind, [content.kind]: media };
}

export function createMetaSender({ baseUrl, version, timeoutMs }: MetaProviderOptions): MessageSender {
  return {
    kind: "meta",
    async send(account: ProviderAccount, request: SendRequest, signal: AbortSignal) {
      const phoneNumberId = account.settings.phone_number_id;
      const token = account.secrets.access_token;
      if (!phoneNumberId || !token) throw new AppError("failed_precondition", "PROVIDER_NOT_CONFIGURED", "Meta provider lacks phone_number_id or access_token");
      const root = (account.settings.base_url ?? baseUrl).replace(/\/+$/, "");
      const url = `${root}/${account.settings.api_version ?? version}/${encodeURIComponent(phoneNumberId)}/messages`;
      let response: Response;
      const timeout = AbortSignal.timeout(timeoutMs);
      try {
        response = await fetch(url, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(messageBody(request)),
          signal: AbortSignal.any([signal, timeout]),
        });
      } catch (error) {
        if (timeout.aborted) {
          throw new AppError("unavailable", "PROVIDER_TIMEOUT", `Meta Cloud API did not answer within ${timeoutMs} ms`, { cause: error });
        }
        throw new AppError("unavailable", "PROVIDER_UNREACHABLE", "Meta Cloud API could not be reached", { cause: error });
      }
      const body: unknown = await response.json().catch(() => null);
      if (!response.ok) throw graphError(response.status, body);
      const id = (body as { messages?: { id?: unknown }[] } | null)?.messages?.[0]?.id;
      if (typeof id !== "string") throw new AppError("unavailable", "PROVIDER_BAD_RESPONSE", "Meta Cloud API answered without a message id");
      return { providerMessageId: id };
    },
  };
}
