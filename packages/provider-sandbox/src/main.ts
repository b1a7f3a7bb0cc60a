#!/usr/bin/env node
// Standalone sandbox server for the local demo: config → logger → fakes → listen → stop on
// SIGTERM/SIGINT. Each fake is its own Express app on its own port: every fake answers the
// paths it does not know with its provider's 404, so two of them on one app would shadow each other.
import { createServer, type Server } from "node:http";
import type { Express } from "express";
import { loadConfig } from "./config.js";
import { createD360Sandbox } from "./d360/d360.routes.js";
import { createEvolutionSandbox } from "./evolution/evolution.routes.js";
import { createJsonLogger, type LogFields, type Logger } from "./logger.js";
import { createMetaSandbox } from "./meta/cloud-api.routes.js";
import { createTwilioSandbox } from "./twilio/messages-api.routes.js";

interface Fake {
  name: "meta" | "d360" | "twilio" | "evolution";
  port: number;
  app: Express;
  /** Resolves when the webhooks it started have finished. */
  settled(): Promise<void>;
  /** What it hosts, for the "listening" line. */
  hosts: LogFields;
}

const config = loadConfig();
const logger = createJsonLogger("provider-sandbox");
/** Every line a fake logs names it. */
const loggerOf = (fake: Fake["name"]): Logger => ({
  info: (msg: string, fields: LogFields = {}) => logger.info(msg, { fake, ...fields }),
  warn: (msg: string, fields: LogFields = {}) => logger.warn(msg, { fake, ...fields }),
  error: (msg: string, fields: LogFields = {}) => logger.error(msg, { fake, ...fields }),
});

const meta = createMetaSandbox({
  accessTokens: config.accessToken,
  phoneNumberIds: config.phoneNumberIds,
  appSecret: config.appSecret,
  callbackUrl: config.callbackUrl,
  ratePerSecond: config.ratePerSecond,
  statusCallbacks: config.statusCallbacks,
  logger: loggerOf("meta"),
});
const fakes: Fake[] = [{ name: "meta", port: config.port, app: meta.app, settled: meta.settled, hosts: { phoneNumberIds: config.phoneNumberIds } }];

if (config.d360 !== undefined) {
  const d360 = createD360Sandbox({ apiKeys: { [config.d360.apiKey]: config.d360.phoneNumberId }, logger: loggerOf("d360") });
  fakes.push({ name: "d360", port: config.d360.port, app: d360.app, settled: d360.settled, hosts: { phoneNumberId: config.d360.phoneNumberId } });
}

if (config.twilio !== undefined) {
  const twilio = createTwilioSandbox({
    accounts: { [config.twilio.accountSid]: config.twilio.authToken },
    numbers: [config.twilio.number],
    callbackUrl: config.twilio.callbackUrl,
    publicBaseUrl: config.twilio.publicUrl,
    logger: loggerOf("twilio"),
  });
  fakes.push({ name: "twilio", port: config.twilio.port, app: twilio.app, settled: twilio.settled, hosts: { number: config.twilio.number } });
}

if (config.evolution !== undefined) {
  const evolution = createEvolutionSandbox({ globalApiKey: config.evolution.apiKey, logger: loggerOf("evolution") });
  fakes.push({ name: "evolution", port: config.evolution.port, app: evolution.app, settled: evolution.settled, hosts: {} });
}

const servers: Server[] = fakes.map((fake) => {
  const server = createServer(fake.app);
  server.on("error", (error) => {
    logger.error("server failed", { fake: fake.name, error: error.message });
    process.exit(1);
  });
  server.listen(fake.port, config.host, () => {
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : fake.port;
    logger.info("listening", { fake: fake.name, host: config.host, port, ...fake.hosts });
  });
  return server;
});

let stopping = false;
function stop(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  logger.info("stopping", { signal });
  // Webhooks in flight get a bounded grace period; a hung callback must not block exit.
  setTimeout(() => process.exit(1), 5_000).unref();
  const closed = servers.map((server) => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  }));
  void Promise.all(closed)
    .then(() => Promise.all(fakes.map((fake) => fake.settled())))
    .then(() => logger.info("stopped"));
}
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
