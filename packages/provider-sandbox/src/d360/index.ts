// Public surface of the 360dialog (Cloud-API-compatible BSP) fake.
export { createD360Sandbox, D360_LOOKASIDE_BASE_URL, type D360Sandbox, type D360SandboxOptions } from "./d360.routes.js";
export { D360_API_KEY_HEADER, D360ApiKeys } from "./api-keys.js";
export { D360_MESSAGES, d360Error, type D360ErrorBody, type D360Failure } from "./d360-error.js";
export { D360WebhookConfigs, type D360WebhookConfig } from "./webhook-config-store.js";
