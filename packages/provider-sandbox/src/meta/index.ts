// Public surface of the Meta Cloud API fake: the sandbox, the customer-side helpers (webhook
// builders, signer, poster) tests use to play WhatsApp users, and the stores and rules the
// Cloud-API-compatible fakes share.
export { createMetaSandbox, MEDIA_DOWNLOAD_PATH, type MetaSandbox, type MetaSandboxOptions } from "./cloud-api.routes.js";
export type { AccessTokenOption } from "./access-tokens.js";
export {
  buildMessagesWebhook,
  buildStatusWebhook,
  createCustomer,
  DEFAULT_WABA_ID,
  postWebhook,
  signWebhookBody,
  statusError,
  type Customer,
  type CustomerMessageInput,
  type CustomerSendResult,
  type CustomerUpload,
  type InboundContactCard,
  type InboundContent,
  type InboundLocation,
  type InboundMedia,
  type InboundMessage,
  type PostWebhookInput,
  type StatusUpdate,
  type WebhookMedia,
  type WebhookMessage,
  type WebhookMetadata,
  type WebhookPayload,
  type WebhookResponse,
  type WebhookStatus,
  type WebhookStatusError,
  type WebhookTarget,
} from "./customer.js";
export { FaultInjector, type Fault, type FaultSpec, type FaultTarget } from "./fault-injector.js";
export type { GraphErrorBody } from "./graph-error.js";
export { MediaStore, MEDIA_URL_TTL_MS, type StoredMedia } from "./media-store.js";
export { MEDIA_KINDS, MEDIA_LIMITS, SUPPORTED_MIME_TYPES, type MediaKind } from "./media-types.js";
export {
  MessageStore,
  type AcceptedSend,
  type Outcome,
  type ReadReceipt,
  type RecordQuery,
  type RejectedRequest,
  type SandboxRecord,
} from "./message-store.js";
export { RateLimiter } from "./rate-limiter.js";
export {
  MESSAGE_TYPES,
  parseMessagesRequest,
  type MediaIdRef,
  type MessagesRequest,
  type MessageType,
  type TemplatePayload,
} from "./send-request.schema.js";
export { SERVICE_WINDOW_MS, ServiceWindows } from "./service-window.js";
export { DEFAULT_TEMPLATES, TemplateCatalog, type ApprovedTemplate } from "./template-catalog.js";
export { newWamid } from "./wamid.js";
