// Public surface of the Twilio WhatsApp fake: the sandbox, its customer side and the helpers
// tests use to build, sign and check Twilio webhooks. Every name carries "Twilio" so it sits
// beside the Meta exports without clashing.
export { createTwilioSandbox, type TwilioSandbox, type TwilioSandboxOptions } from "./messages-api.routes.js";
export type { TwilioHostedNumber, TwilioNumbersOption } from "./accounts.js";
export {
  buildTwilioInboundParams,
  twilioInboundMessageType,
  type TwilioCustomer,
  type TwilioCustomerMedia,
  type TwilioCustomerMessage,
  type TwilioCustomerSendResult,
  type TwilioInboundParamsInput,
} from "./customer.js";
export { TwilioFaultInjector, type TwilioFault, type TwilioFaultSpec, type TwilioFaultTarget } from "./fault-injector.js";
export { toTwilioMessageResource, type TwilioMessageResource } from "./message-resource.js";
export {
  TwilioMessageStore,
  type TwilioAcceptedSend,
  type TwilioMessageStatus,
  type TwilioOutcome,
  type TwilioRecord,
  type TwilioRecordQuery,
  type TwilioRejectedRequest,
} from "./message-store.js";
export { parseSendRequest as parseTwilioSendRequest, type SendKind as TwilioSendKind, type SendRequest as TwilioSendRequest } from "./send-request.schema.js";
export { postTwilioWebhook, signTwilioWebhook, type PostTwilioWebhookInput, type TwilioWebhookResponse } from "./signed-webhook.js";
export { newSid as newTwilioSid, rfc2822 as twilioDate } from "./sids.js";
export { buildTwilioStatusCallbackParams, type StatusStep as TwilioStatusStep } from "./status-callbacks.js";
export { twilioError, type TwilioErrorBody, type TwilioFailure } from "./twilio-error.js";
