// What every provider implements, and the capability table the send path
// consults: rich content a provider cannot send degrades to numbered text.
import type { ProviderKindName } from "@fleet/contracts";

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
  /** Sends one message; throws AppError (retryable or not) on failure. */
  send(account: ProviderAccount, request: SendRequest, signal: AbortSignal): Promise<{ providerMessageId: string }>;
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
