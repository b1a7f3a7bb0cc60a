// What every provider implements, and the capability table the send path
// consults: rich content a provider cannot send degrades to numbered text.
import type { ProviderKindName } from "@fleet/contracts";
import { AppError, type AppErrorOptions } from "@fleet/service-kit";

export type OutboundContent =
  | { type: "text"; body: string; previewUrl: boolean }
  | { type: "media"; kind: "image" | "document" | "audio" | "video" | "sticker"; url: string; caption?: string; filename?: string };

export interface SendRequest {
  recipient: string;
  content: OutboundContent;
  replyToProviderMessageId?: string;
}

export interface ProviderAccount {
  settings: Record<string, string>;
  secrets: Record<string, string>;
}

export interface MessageSender {
  readonly kind: ProviderKindName;
  /**
   * Sends one message; throws AppError (retryable or not) on failure, and MaybeSentError when the
   * failure came after the provider may have accepted the message.
   */
  send(account: ProviderAccount, request: SendRequest, signal: AbortSignal): Promise<{ providerMessageId: string }>;
}

/**
 * A send failure after which the provider may or may not have accepted the message (a timeout, a
 * connection lost after the request was written, a success answer without a message id). Sending
 * it again, here or through another provider, could deliver it twice: it is never retried, and the
 * idempotency key remembers it as ambiguous.
 */
export class MaybeSentError extends AppError {
  constructor(
    readonly provider: ProviderKindName,
    code: string,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super("unavailable", code, message, options);
  }
}

export function isMaybeSent(error: unknown): error is MaybeSentError {
  return error instanceof MaybeSentError;
}

export interface Capabilities {
  text: boolean;
  media: boolean;
  buttons: boolean;
  lists: boolean;
  templates: boolean;
}

export const CAPABILITIES: Record<ProviderKindName, Capabilities> = {
  meta: { text: true, media: true, buttons: true, lists: true, templates: true },
  official: { text: true, media: true, buttons: true, lists: true, templates: true },
  twilio: { text: true, media: true, buttons: false, lists: false, templates: true },
  evolution: { text: true, media: true, buttons: false, lists: false, templates: false },
  // Buttons and lists are not delivered on Baileys (field reports): degrade to numbered text.
  baileys: { text: true, media: true, buttons: false, lists: false, templates: false },
};
