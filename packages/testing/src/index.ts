export * from "./config.js";
export * from "./listen.js";
export * from "./ports.js";
export * from "./postgres.js";
export * from "./promtool.js";
export * from "./redis-server.js";
export * from "./redis.js";
export * from "./service-process.js";
