export * from "./auth.js";
export * from "./client.js";
export * from "./definition.js";
export * from "./server.js";
export * from "./status.js";
export * from "./health.js";
