// Public surface of @fleet/provider-sandbox: the Meta Cloud API fake and the customer-side
// helpers (webhook builders, signer, poster) tests use to play WhatsApp users.
export { createMetaSandbox, type MetaSandbox, type MetaSandboxOptions } from "./meta/cloud-api.routes.js";
export type { AccessTokenOption } from "./meta/access-tokens.js";
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
  type InboundContent,
  type InboundMessage,
  type PostWebhookInput,
  type StatusUpdate,
  type WebhookMessage,
  type WebhookMetadata,
  type WebhookPayload,
  type WebhookResponse,
  type WebhookStatus,
  type WebhookStatusError,
} from "./meta/customer.js";
export { FaultInjector, type Fault, type FaultSpec, type FaultTarget } from "./meta/fault-injector.js";
export type { GraphErrorBody } from "./meta/graph-error.js";
export {
  MessageStore,
  type AcceptedSend,
  type Outcome,
  type ReadReceipt,
  type RecordQuery,
  type RejectedRequest,
  type SandboxRecord,
} from "./meta/message-store.js";
export { RateLimiter } from "./meta/rate-limiter.js";
export { MESSAGE_TYPES, parseMessagesRequest, type MessagesRequest, type MessageType } from "./meta/send-request.schema.js";
export { newWamid } from "./meta/wamid.js";
export { createJsonLogger, silentLogger, type Logger } from "./logger.js";
