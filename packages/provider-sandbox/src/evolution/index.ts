// Public surface of the Evolution API v2 (WhatsApp-Baileys) sandbox.
export { createEvolutionSandbox, type EvolutionInstances, type EvolutionSandbox, type EvolutionSandboxOptions } from "./evolution.routes.js";
export type { EvolutionCustomer, EvolutionCustomerMedia, EvolutionCustomerMessage, EvolutionCustomerResult } from "./customer.js";
export { EvolutionError, type EvolutionErrorBody, type EvolutionErrorMessage } from "./evolution-error.js";
export { EvolutionFaults, type EvolutionFault, type EvolutionFaultSpec, type EvolutionFaultTarget } from "./fault-injector.js";
export { WEBHOOK_EVENTS as EVOLUTION_WEBHOOK_EVENTS, type ConnectionState as EvolutionConnectionState, type EvolutionInstance, type WebhookConfig as EvolutionWebhookConfig } from "./instance-registry.js";
export type { LinkOptions as EvolutionLinkOptions } from "./instance-lifecycle.use-case.js";
export { createJid as evolutionCreateJid } from "./jid.js";
export type { MessageKey as EvolutionMessageKey, MessageRaw as EvolutionMessageRaw, MessageStatus as EvolutionMessageStatus } from "./message-payloads.js";
export {
  EvolutionMessageStore,
  type EvolutionInboundRecord,
  type EvolutionOutcome,
  type EvolutionRecord,
  type EvolutionRecordQuery,
  type EvolutionRejectedRecord,
  type EvolutionSendRecord,
} from "./message-store.js";
export type { DeliveryStatus as EvolutionDeliveryStatus } from "./send-message.use-case.js";
export type {
  DeliveryAttempt as EvolutionDeliveryAttempt,
  DeliveryOutcome as EvolutionDeliveryOutcome,
  WebhookDelivery as EvolutionWebhookDelivery,
  WebhookDispatcher as EvolutionWebhookDispatcher,
  WebhookEnvelope as EvolutionWebhookEnvelope,
  WebhookRetryOptions as EvolutionWebhookRetryOptions,
} from "./webhook-dispatcher.js";
export type { EvolutionEvent } from "./webhook-events.js";
export { WhatsAppDirectory as EvolutionWhatsAppDirectory } from "./whatsapp-directory.js";
export { startEvolutionWebhookReceiver, type EvolutionWebhookReceiver, type ReceivedWebhook as EvolutionReceivedWebhook, type ScriptedAnswer as EvolutionScriptedAnswer } from "./webhook-receiver.js";
