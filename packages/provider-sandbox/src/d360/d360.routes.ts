// HTTP face of the 360dialog sandbox: the Cloud API behind 360dialog's auth and paths
// (D360-API-KEY, POST /messages, POST /media, GET|DELETE /{media-id}, media downloads through
// /whatsapp_business/attachments/), its webhook configuration, and /_sandbox/d360/* control
// endpoints. The Cloud API rules, stores and customer side are the Meta fake's; only the edge differs.
import { randomUUID } from "node:crypto";
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from "express";
import { z } from "zod";
import { createJsonLogger, type Logger } from "../logger.js";
import { isBodyParseError, MEDIA_DOWNLOAD_PATH, sendDownload, sendGraphFailure, sendGraphReply } from "../meta/cloud-api.routes.js";
import { createCustomer, DEFAULT_WABA_ID, type Customer, type WebhookMetadata, type WebhookTarget } from "../meta/customer.js";
import { FaultInjector } from "../meta/fault-injector.js";
import { graphError } from "../meta/graph-error.js";
import { MediaStore } from "../meta/media-store.js";
import { readMediaUpload } from "../meta/media-upload.js";
import { createMediaUseCases, type MediaAccess } from "../meta/media.use-case.js";
import { MessageStore } from "../meta/message-store.js";
import { RateLimiter } from "../meta/rate-limiter.js";
import { createControlRouter } from "../meta/sandbox-control.routes.js";
import { SandboxError } from "../meta/sandbox-error.js";
import { createSendMessage } from "../meta/send-message.use-case.js";
import { ServiceWindows } from "../meta/service-window.js";
import { createStatusNotifier } from "../meta/status-notifier.js";
import { TemplateCatalog, type ApprovedTemplate } from "../meta/template-catalog.js";
import { D360_API_KEY_HEADER, D360ApiKeys } from "./api-keys.js";
import { D360_MESSAGES, d360Error, type D360Failure } from "./d360-error.js";
import { D360WebhookConfigs } from "./webhook-config-store.js";

/** Host of the media URLs 360dialog hands out (Meta's); clients swap it for 360dialog's base URL. */
export const D360_LOOKASIDE_BASE_URL = "https://lookaside.fbsbx.com";

export interface D360SandboxOptions {
  /** API key → phone_number_id of the number it belongs to. */
  apiKeys: Readonly<Record<string, string>>;
  /** Sends per second per number before 130429; default 80 (Meta's default tier). */
  ratePerSecond?: number;
  /** Approved templates, in addition to hello_world/en_US. */
  templates?: readonly ApprovedTemplate[];
  /** Enforce the 24-hour customer service window (free-form sends outside it fail with 131047). */
  enforceServiceWindow?: boolean;
  /** Post sent then delivered statuses to the configured webhook after each accepted send; default true. */
  statusCallbacks?: boolean;
  /** Wait before posting status webhooks, so they arrive after the send's response. */
  statusDelayMs?: number;
  /** Delay of every send's HTTP answer in milliseconds (default 0). */
  responseDelayMs?: number;
  /**
   * Base URL of this sandbox as the app reaches it (what replaces the lookaside host); default: each
   * request's own. Used for `download_url` in GET /_sandbox/d360/media.
   */
  publicBaseUrl?: string;
  /** Host put in media URLs; default Meta's lookaside, as 360dialog answers. */
  lookasideBaseUrl?: string;
  /** phone_number_id → display number in webhook metadata; defaults to a 1555… number. */
  displayPhoneNumbers?: Readonly<Record<string, string>>;
  wabaId?: string;
  /** Records kept in memory; the oldest go first. Default 10,000. */
  storeCapacity?: number;
  now?: () => number;
  logger?: Logger;
}

export interface D360Sandbox {
  app: Express;
  store: MessageStore;
  faults: FaultInjector;
  limiter: RateLimiter;
  customer: Customer;
  media: MediaStore;
  templates: TemplateCatalog;
  windows: ServiceWindows;
  /** Webhook configured per number through POST /v1/configs/webhook. */
  webhooks: D360WebhookConfigs;
  phoneNumberIds: readonly string[];
  /** Resolves when every status webhook started so far has finished (tests, shutdown). */
  settled(): Promise<void>;
  /** Delays every send's HTTP answer (the send is recorded at once). */
  setResponseDelay(ms: number): void;
}

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const webhookBody = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  headers: z.record(z.string().regex(headerName, { message: "is not a valid header name" }), z.string()).optional(),
});

const downloadQuery = z.object({ mid: z.string().optional(), ext: z.string().optional(), hash: z.string().optional() });

export function createD360Sandbox(options: D360SandboxOptions): D360Sandbox {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createJsonLogger("provider-sandbox");
  const keys = new D360ApiKeys(options.apiKeys);
  const wabaId = options.wabaId ?? DEFAULT_WABA_ID;
  const displayPhoneNumberOf = (id: string): string | undefined =>
    keys.phoneNumberIds.includes(id) ? (options.displayPhoneNumbers?.[id] ?? `1555${id.replace(/\D/g, "").slice(-7).padStart(7, "0")}`) : undefined;
  const metadataOf = (id: string): WebhookMetadata => ({ phoneNumberId: id, displayPhoneNumber: displayPhoneNumberOf(id) ?? id, wabaId });
  const lookasideBaseUrl = (options.lookasideBaseUrl ?? D360_LOOKASIDE_BASE_URL).replace(/\/+$/, "");

  const store = new MessageStore(options.storeCapacity);
  const faults = new FaultInjector();
  const limiter = new RateLimiter(options.ratePerSecond ?? 80, now);
  const media = new MediaStore(now);
  const templates = new TemplateCatalog(options.templates);
  const windows = new ServiceWindows(now);
  const webhooks = new D360WebhookConfigs();
  // 360dialog does not sign webhooks: no app secret, only the configured headers.
  const target = (phoneNumberId: string): WebhookTarget | undefined => {
    const config = webhooks.get(phoneNumberId);
    return config === undefined ? undefined : { url: config.url, headers: config.headers };
  };
  const notifier = createStatusNotifier({ target, delayMs: options.statusDelayMs ?? 0, logger });
  const customer = createCustomer({ target, wabaId, displayPhoneNumberOf, media, now, onMessage: (id, waId) => windows.open(id, waId) });
  // The API key was checked at the edge; the use case's own token check always passes.
  const sendMessage = createSendMessage({
    tokens: { check: () => "ok" }, limiter, faults, store, now, metadataOf, notifier, statusCallbacks: options.statusCallbacks ?? true,
    media, templates, windows: options.enforceServiceWindow === true ? windows : undefined,
  });
  const mediaUseCases = createMediaUseCases({ media });

  let responseDelayMs = options.responseDelayMs ?? 0;
  const setResponseDelay = (ms: number) => {
    responseDelayMs = ms;
  };

  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "1mb" }));

  const control = createControlRouter({ store, faults, limiter, customer, media, canNotify: () => true, setResponseDelay });
  control.get("/webhooks", (_req, res) => {
    res.json(Object.fromEntries(keys.phoneNumberIds.map((id) => [id, webhooks.get(id) ?? null])));
  });
  control.get("/media/:mediaId/download-url", (req, res) => {
    if (media.get(req.params.mediaId) === undefined) throw new SandboxError("UNKNOWN_MEDIA", `no media ${req.params.mediaId}`, 404);
    res.json({ download_url: `${publicBase(req)}${MEDIA_DOWNLOAD_PATH}?${media.downloadQuery(req.params.mediaId)}` });
  });
  app.use("/_sandbox/d360", control);
  app.use("/_sandbox", (_req, res) => {
    res.status(404).json({ error: { code: "NOT_FOUND", message: "unknown sandbox endpoint" } });
  });

  /** Every 360dialog call needs the API key; it names the number the call speaks for. */
  const authenticate: RequestHandler = (req, res, next) => {
    const key = req.get(D360_API_KEY_HEADER);
    const phoneNumberId = keys.phoneNumberIdOf(key);
    if (phoneNumberId === undefined) {
      sendD360Failure(res, d360Error(401, key === undefined || key === "" ? D360_MESSAGES.missingApiKey : D360_MESSAGES.invalidApiKey));
      return;
    }
    res.locals.phoneNumberId = phoneNumberId;
    next();
  };
  app.use(authenticate);
  const numberOf = (res: Response): string => z.string().parse(res.locals.phoneNumberId);
  /** A key sees its own number's media only; others look absent, as in Graph. */
  const accessOf = (res: Response): MediaAccess => (owner) => (owner === undefined || owner === numberOf(res) ? "ok" : "unknown-number");

  app.post("/messages", (req, res) => {
    const body: unknown = req.body;
    const reply = sendMessage({ phoneNumberId: numberOf(res), token: undefined, body });
    const answer = () => {
      if ("dropConnection" in reply) req.socket.destroy();
      else sendGraphReply(res, reply);
    };
    if (responseDelayMs > 0) setTimeout(answer, responseDelayMs);
    else answer();
  });

  app.post("/v1/configs/webhook", (req, res) => {
    const parsed = webhookBody.safeParse(req.body);
    if (!parsed.success) {
      sendD360Failure(res, d360Error(400, D360_MESSAGES.invalidRequest, parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "body"}: ${i.message}`)));
      return;
    }
    res.json(webhooks.set(numberOf(res), parsed.data));
  });

  app.get("/v1/configs/webhook", (_req, res) => {
    const config = webhooks.get(numberOf(res));
    if (config === undefined) sendD360Failure(res, d360Error(404, D360_MESSAGES.webhookNotSet));
    else res.json(config);
  });

  app.post("/media", async (req, res) => {
    const read = await readMediaUpload(req, res);
    if (!read.ok) {
      sendGraphFailure(res, read.failure);
      return;
    }
    sendGraphReply(res, mediaUseCases.upload({ phoneNumberId: numberOf(res), fields: read.fields, file: read.file }));
  });

  // 360dialog documents the download as a POST on this path; clients commonly GET it. Both work.
  const download: RequestHandler = (req, res) => {
    sendDownload(res, mediaUseCases.download({ query: downloadQuery.parse(req.query), access: accessOf(res) }));
  };
  app.get(MEDIA_DOWNLOAD_PATH, download);
  app.post(MEDIA_DOWNLOAD_PATH, download);

  app.get("/:mediaId", (req, res) => {
    sendGraphReply(res, mediaUseCases.describe({
      mediaId: req.params.mediaId,
      access: accessOf(res),
      url: (query) => `${lookasideBaseUrl}${MEDIA_DOWNLOAD_PATH}?${query}`,
    }));
  });

  app.delete("/:mediaId", (req, res) => {
    sendGraphReply(res, mediaUseCases.remove({ mediaId: req.params.mediaId, access: accessOf(res) }));
  });

  app.use((_req, res) => {
    sendD360Failure(res, d360Error(404, D360_MESSAGES.notFound));
  });

  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    if (error instanceof SandboxError) {
      res.status(error.httpStatus).json({ error: { code: error.code, message: error.message } });
    } else if (isBodyParseError(error)) {
      if (req.path.startsWith("/_sandbox")) res.status(400).json({ error: { code: "INVALID_JSON", message: "request body is not valid JSON" } });
      else if (req.path === "/messages") sendGraphFailure(res, graphError(100, { details: "The request body is not valid JSON." }));
      else sendD360Failure(res, d360Error(400, D360_MESSAGES.invalidRequest, ["request body is not valid JSON"]));
    } else {
      const errorId = randomUUID().slice(0, 8);
      logger.error("unhandled error", { errorId, path: req.path, error: error instanceof Error ? error.stack : String(error) });
      res.status(500).json({ error: { code: "INTERNAL", message: `internal error ${errorId}` } });
    }
  };
  app.use(onError);

  function publicBase(req: Request): string {
    return (options.publicBaseUrl ?? `${req.protocol}://${req.get("host") ?? "localhost"}`).replace(/\/+$/, "");
  }

  return {
    app,
    store,
    faults,
    limiter,
    customer,
    media,
    templates,
    windows,
    webhooks,
    phoneNumberIds: keys.phoneNumberIds,
    settled: () => notifier.settled(),
    setResponseDelay,
  };
}

function sendD360Failure(res: Response, failure: D360Failure): void {
  res.status(failure.httpStatus).json(failure.body);
}
