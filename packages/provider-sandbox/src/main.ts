#!/usr/bin/env node
// Standalone sandbox server for the local demo: config → logger → sandbox → listen → stop on
// SIGTERM/SIGINT.
import { createServer } from "node:http";
import { loadConfig } from "./config.js";
import { createJsonLogger } from "./logger.js";
import { createMetaSandbox } from "./meta/cloud-api.routes.js";

const config = loadConfig();
const logger = createJsonLogger("provider-sandbox");
const sandbox = createMetaSandbox({
  accessTokens: config.accessToken,
  phoneNumberIds: config.phoneNumberIds,
  appSecret: config.appSecret,
  callbackUrl: config.callbackUrl,
  ratePerSecond: config.ratePerSecond,
  statusCallbacks: config.statusCallbacks,
  logger,
});

const server = createServer(sandbox.app);
server.on("error", (error) => {
  logger.error("server failed", { error: error.message });
  process.exit(1);
});
server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : config.port;
  logger.info("listening", { host: config.host, port, phoneNumberIds: config.phoneNumberIds });
});

let stopping = false;
function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  logger.info("stopping", { signal });
  // Status webhooks in flight get a bounded grace period; a hung callback must not block exit.
  setTimeout(() => process.exit(1), 5_000).unref();
  server.close(() => {
    void sandbox.settled().then(() => logger.info("stopped"));
  });
  server.closeIdleConnections();
}
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
