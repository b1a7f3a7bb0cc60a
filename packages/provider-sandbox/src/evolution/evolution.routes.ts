// HTTP face of the Evolution API sandbox: the v2 endpoints an adapter calls (instances, webhook
// configuration, sends, media download), guarded like Evolution (the instance must exist, then
// the apikey must fit), plus /_sandbox/evolution/* control endpoints (recorded messages, faults,
// latency, numbers not on WhatsApp, webhook deliveries, the phone linking or unlinking, customers
// writing in). Wiring and wire mapping only; the rules live in the use cases.
import express, { type Express, type Request, type RequestHandler, type Response } from "express";
import { createJsonLogger, type Logger } from "../logger.js";
import { createErrorHandler } from "../shared/error.handler.js";
import { PendingWork } from "../shared/pending-work.js";
import { ResponseDelay } from "../shared/response-delay.js";
import { createAuthGuard } from "./auth.js";
import { createControlRouter } from "./control.routes.js";
import { createEvolutionCustomer, type EvolutionCustomer } from "./customer.js";
import { EvolutionError, forbidden, notFound, unhandledError } from "./evolution-error.js";
import { EvolutionFaults } from "./fault-injector.js";
import { createInstanceLifecycle } from "./instance-lifecycle.use-case.js";
import { InstanceRegistry, type EvolutionInstance } from "./instance-registry.js";
import { createMediaDownload } from "./media-download.use-case.js";
import { EvolutionMessageStore } from "./message-store.js";
import { parseWhatsappNumbers } from "./request-schemas.js";
import { createSendMessage, type DeliveryStatus, type SendMessage, type SendReply } from "./send-message.use-case.js";
import { createWebhookDispatcher, type WebhookDispatcher, type WebhookRetryOptions } from "./webhook-dispatcher.js";
import { createEventPublisher } from "./webhook-events.js";
import { WhatsAppDirectory } from "./whatsapp-directory.js";

export interface EvolutionSandboxOptions {
  /** AUTHENTICATION_API_KEY: accepted on every endpoint. */
  globalApiKey: string;
  /** Webhook retries (Evolution's WEBHOOK_RETRY_*); tests use small delays and jitterFactor 0. */
  webhookRetry?: WebhookRetryOptions;
  /** SERVER_URL: the server's public URL, sent in webhooks as `server_url`. Default http://localhost:8080. */
  serverUrl?: string;
  /** Numbers that are not on WhatsApp (sends to them fail with exists:false). */
  notOnWhatsApp?: Iterable<string>;
  /** Statuses reported by messages.update after each accepted send; default SERVER_ACK, DELIVERY_ACK. */
  messageStatuses?: readonly DeliveryStatus[];
  /** Wait before each of those status webhooks (ms after the send's answer, then between them); default 50. */
  statusDelayMs?: number;
  /** AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES: instance token as webhook `apikey` (default true; false sends null). */
  exposeApiKeyInWebhooks?: boolean;
  /** Fold extendedTextMessage into `conversation` as Evolution 2.3.7 does (default true). */
  foldExtendedText?: boolean;
  /** Download media URLs given to sendMedia, as Evolution does (default false: URLs are taken as they are). */
  fetchMediaUrls?: boolean;
  /** QRCODE_LIMIT: QR codes shown before the session is refused (default 30). */
  qrCodeLimit?: number;
  /** Delay of every send's HTTP answer in milliseconds (default 0). */
  responseDelayMs?: number;
  /** Records kept in memory; the oldest go first. Default 10,000. */
  storeCapacity?: number;
  /** Reported version (GET /). Default 2.3.6. */
  version?: string;
  now?: () => number;
  logger?: Logger;
}

export interface EvolutionSandbox {
  app: Express;
  store: EvolutionMessageStore;
  faults: EvolutionFaults;
  /** Instance lifecycle, also for tests: link/unlink/refreshQr play the phone. */
  instances: EvolutionInstances;
  customer: EvolutionCustomer;
  /** Webhook deliveries with their attempts and outcomes. */
  webhooks: WebhookDispatcher;
  /** Numbers not on WhatsApp. */
  directory: WhatsAppDirectory;
  /** Resolves when every webhook delivery (with its retries) and status update started so far has finished. */
  settled(): Promise<void>;
  /** Delays every send's HTTP answer (the send happens at once), like a slow Evolution host. */
  setResponseDelay(ms: number): void;
}

export type EvolutionInstances = ReturnType<typeof createInstanceLifecycle> & {
  /** Reports a status (e.g. READ) for a sent message through messages.update. */
  setMessageStatus: SendMessage["setStatus"];
};

type InstanceParams = { instanceName: string };

export function createEvolutionSandbox(options: EvolutionSandboxOptions): EvolutionSandbox {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createJsonLogger("provider-sandbox");
  const registry = new InstanceRegistry();
  const auth = createAuthGuard(options.globalApiKey, registry);
  const store = new EvolutionMessageStore(options.storeCapacity);
  const faults = new EvolutionFaults();
  const directory = new WhatsAppDirectory(options.notOnWhatsApp);
  const work = new PendingWork();
  const webhooks = createWebhookDispatcher({ retry: options.webhookRetry, logger, now, work });
  const events = createEventPublisher({
    dispatcher: webhooks,
    serverUrl: options.serverUrl ?? "http://localhost:8080",
    now,
    exposeApiKey: options.exposeApiKeyInWebhooks ?? true,
  });
  const lifecycle = createInstanceLifecycle({
    registry,
    events,
    now,
    qrCodeLimit: options.qrCodeLimit ?? 30,
    countMessages: (instance) => {
      const records = store.list({ instance }).filter((r) => r.outcome !== "rejected");
      return { messages: records.length, chats: new Set(records.map((r) => ("remoteJid" in r ? r.remoteJid : ""))).size };
    },
  });
  const sending = createSendMessage({
    registry, store, faults, events, directory, work, now,
    statuses: options.messageStatuses ?? ["SERVER_ACK", "DELIVERY_ACK"],
    statusDelayMs: options.statusDelayMs ?? 50,
    fetchMediaUrls: options.fetchMediaUrls ?? false,
  });
  const mediaDownload = createMediaDownload({ store });
  const customer = createEvolutionCustomer({ registry, store, events, now, foldExtendedText: options.foldExtendedText ?? true });
  const instances: EvolutionInstances = { ...lifecycle, setMessageStatus: sending.setStatus };

  const delay = new ResponseDelay(options.responseDelayMs);
  const setResponseDelay = (ms: number) => delay.set(ms);

  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "136mb" }));

  app.use("/_sandbox/evolution", createControlRouter({
    store, faults, directory, webhooks, lifecycle, sending, customer, setResponseDelay,
  }));

  /** instanceExistsGuard then the apikey guard, in Evolution's order (404 before 401). */
  const instanceRoute = (handler: (instance: EvolutionInstance, req: Request<InstanceParams>, res: Response) => Promise<void> | void): RequestHandler<InstanceParams> =>
    async (req, res) => {
      const instance = registry.get(req.params.instanceName);
      if (instance === undefined) throw notFound(`The "${req.params.instanceName}" instance does not exist`);
      auth.check(req.get("apikey"), { kind: "instance", instance });
      await handler(instance, req, res);
    };

  const sendRoute = (send: (instance: EvolutionInstance, body: unknown) => Promise<SendReply>) =>
    instanceRoute(async (instance, req, res) => {
      const reply = await send(instance, req.body);
      delay.answer(req, reply, (answer) => res.status(answer.httpStatus).json(answer.body), reply.afterAnswer);
    });

  app.get("/", (req, res) => {
    res.json({
      status: 200,
      message: "Welcome to the Evolution API, it is working!",
      version: options.version ?? "2.3.6",
      clientName: "evolution_exchange",
      manager: `${req.protocol}://${req.get("host") ?? "localhost"}/manager`,
      documentation: "https://doc.evolution-api.com",
    });
  });

  app.post("/instance/create", async (req, res) => {
    const name: unknown = typeof req.body === "object" && req.body !== null ? Reflect.get(req.body, "instanceName") : undefined;
    if (typeof name === "string" && registry.has(name)) throw forbidden(`This name "${name}" is already in use.`);
    auth.check(req.get("apikey"), { kind: "create" });
    res.status(201).json(await lifecycle.create(req.body));
  });

  app.get("/instance/fetchInstances", (req, res) => {
    const apikey = req.get("apikey");
    auth.check(apikey, { kind: "fetchInstances" });
    const query = (name: string) => (typeof req.query[name] === "string" && req.query[name] !== "" ? String(req.query[name]) : undefined);
    const filter = { instanceName: query("instanceName"), instanceId: query("instanceId"), number: query("number") };
    res.json(lifecycle.fetchInstances(filter, apikey ?? "", auth.isGlobalKey(apikey)));
  });

  app.get("/instance/connect/:instanceName", instanceRoute(async (instance, req, res) => {
    const number = typeof req.query.number === "string" && req.query.number !== "" ? req.query.number : undefined;
    res.json(await lifecycle.connect(instance, number));
  }));

  app.get("/instance/connectionState/:instanceName", instanceRoute((instance, _req, res) => {
    res.json(lifecycle.connectionState(instance));
  }));

  app.delete("/instance/logout/:instanceName", instanceRoute((instance, _req, res) => {
    res.json(lifecycle.logout(instance));
  }));

  app.delete("/instance/delete/:instanceName", instanceRoute((instance, _req, res) => {
    res.json(lifecycle.delete(instance));
  }));

  app.post("/webhook/set/:instanceName", instanceRoute((instance, req, res) => {
    res.status(201).json(lifecycle.setWebhook(instance, req.body));
  }));

  app.get("/webhook/find/:instanceName", instanceRoute((instance, _req, res) => {
    res.json(lifecycle.findWebhook(instance));
  }));

  app.post("/message/sendText/:instanceName", sendRoute((instance, body) => sending.sendText(instance, body)));
  app.post("/message/sendMedia/:instanceName", sendRoute((instance, body) => sending.sendMedia(instance, body)));

  app.post("/chat/whatsappNumbers/:instanceName", instanceRoute((instance, req, res) => {
    res.json(sending.whatsappNumbers(instance, parseWhatsappNumbers(req.body).numbers));
  }));

  app.post("/chat/getBase64FromMediaMessage/:instanceName", instanceRoute((instance, req, res) => {
    res.status(201).json(mediaDownload.getBase64FromMediaMessage(instance, req.body));
  }));

  app.use((req, res) => {
    res.status(404).json(new EvolutionError(404, "Not Found", [`Cannot ${req.method.toUpperCase()} ${req.url}`]).body);
  });

  app.use(createErrorHandler({
    logger,
    isControl: (req) => req.originalUrl.startsWith("/_sandbox"),
    providerError: (error, res) => {
      if (!(error instanceof EvolutionError)) return false;
      res.status(error.httpStatus).json(error.body);
      return true;
    },
    isBodyError: isBodyParseError,
    // body-parser's error has a status but no `error` field: Evolution answers it that way.
    badBody: (error, _req, res) => res.status(400).json(unhandledError(error.message, 400).body),
    internal: (errorId, res) => res.status(500).json(unhandledError(`internal error ${errorId}`).body),
  }));

  return {
    app,
    store,
    faults,
    instances,
    customer,
    webhooks,
    directory,
    settled: () => work.settled(),
    setResponseDelay,
  };
}

function isBodyParseError(error: unknown): error is Error {
  return error instanceof Error && "type" in error && error.type === "entity.parse.failed";
}
