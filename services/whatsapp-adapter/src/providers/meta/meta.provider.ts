// Meta WhatsApp Cloud API sender: POST /{version}/{phone_number_id}/messages
// with the bot's Bearer token. Base URL and version come from config (or the
// bot's own settings), so tests and the demo point it at the sandbox.
// A failure is "maybe sent" unless it provably happened before the request
// left: only a refused or unresolvable connection proves that.
import { z } from "zod";
import { AppError } from "@fleet/service-kit";
import { MaybeSentError, type MessageSender, type ProviderAccount, type SendRequest } from "../provider.js";
import { graphError } from "./graph-errors.js";

export interface MetaProviderOptions {
  baseUrl: string;
  version: string;
  timeoutMs: number;
}

/** Errors of the connect phase (DNS, TCP connect): the request was never written. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

const SuccessSchema = z.object({ messages: z.array(z.object({ id: z.string().min(1) }).loose()).min(1) }).loose();

/** The `code`s along an error's cause chain (fetch wraps the socket error in a TypeError "fetch failed"). */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    seen.add(current);
    if ("code" in current && typeof current.code === "string") codes.push(current.code);
    if ("cause" in current) queue.push(current.cause);
    if (current instanceof AggregateError) queue.push(...current.errors);
  }
  return codes;
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
          throw new MaybeSentError("meta", "PROVIDER_TIMEOUT", `Meta Cloud API did not answer within ${timeoutMs} ms`, { cause: error });
        }
        if (errorCodes(error).some((code) => NOT_SENT_CODES.has(code))) {
          throw new AppError("unavailable", "PROVIDER_UNREACHABLE", "Meta Cloud API could not be reached", { cause: error });
        }
        throw new MaybeSentError("meta", "PROVIDER_CONNECTION_LOST", "The connection to Meta Cloud API was lost after the request was sent", { cause: error });
      }
      // An unreadable body (connection lost or timed out while reading it) reads as no body.
      const body: unknown = await response.json().catch(() => null);
      if (!response.ok) throw graphError(response.status, body);
      const success = SuccessSchema.safeParse(body);
      const id = success.success ? success.data.messages[0]?.id : undefined;
      if (id === undefined) {
        // A 2xx means Meta took the request; without an id nobody can tell whether it will deliver it.
        throw new MaybeSentError("meta", "PROVIDER_BAD_RESPONSE", "Meta Cloud API answered without a message id", { details: { provider: "meta", status: response.status } });
      }
      return { providerMessageId: id };
    },
  };
}
