// Public surface of @fleet/provider-sandbox: local fakes of the providers' wire APIs (Meta Cloud
// API, a 360dialog-style BSP, Twilio, Evolution API) and their customer-side helpers (webhook
// builders, signers, posters) tests use to play WhatsApp users.
export * from "./meta/index.js";
export * from "./d360/index.js";
export * from "./twilio/index.js";
export * from "./evolution/index.js";
export { createJsonLogger, silentLogger, type Logger } from "./logger.js";
