// HTTP face of the Meta sandbox: Graph's send and media endpoints, the lookaside-style media
// download, and the /_sandbox/* control endpoints (recorded messages, faults, rate limit, media,
// "customer sends a message"). Wiring and wire mapping only; the rules live in the use cases and
// the helpers they are given.
import { randomUUID } from "node:crypto";
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from "express";
import { z } from "zod";
import { createJsonLogger, type Logger } from "../logger.js";
import { AccessTokens, type AccessTokenOption } from "./access-tokens.js";
import { createCustomer, DEFAULT_WABA_ID, type Customer, type WebhookMetadata } from "./customer.js";
import { FaultInjector } from "./fault-injector.js";
import { graphError, unknownObjectError, unknownPathError, type GraphFailure } from "./graph-error.js";
import { MediaStore } from "./media-store.js";
import { readMediaUpload } from "./media-upload.js";
import { createMediaUseCases, type DownloadReply, type HttpReply, type MediaAccess } from "./media.use-case.js";
import { MessageStore } from "./message-store.js";
import { RateLimiter } from "./rate-limiter.js";
import { createControlRouter } from "./sandbox-control.routes.js";
import { SandboxError } from "./sandbox-error.js";
import { createSendMessage } from "./send-message.use-case.js";
import { ServiceWindows } from "./service-window.js";
import { createStatusNotifier, type StatusNotifier } from "./status-notifier.js";
import { TemplateCatalog, type ApprovedTemplate } from "./template-catalog.js";

export interface MetaSandboxOptions {
  /** One token for every number, or phone_number_id → token. */
  accessTokens: AccessTokenOption;
  /** Hosted numbers; defaults to the keys of a per-number `accessTokens`. Required with one token. */
  phoneNumberIds?: readonly string[];
  /** Used to sign webhooks (X-Hub-Signature-256). */
  appSecret: string;
  /** The app's webhook URL; needed for status callbacks, default for customer messages. */
  callbackUrl?: string;
  /** Sends per second per phone_number_id before 130429; default 80 (Meta's default tier). */
  ratePerSecond?: number;
  /** Only this version segment (e.g. "v23.0") is served; any "vNN.N" when absent. */
  apiVersion?: string;
  /** Post `sent` then `delivered` status webhooks after each accepted send; needs `callbackUrl`. */
  statusCallbacks?: boolean;
  /** Delay of every send's HTTP answer in milliseconds (default 0). */
  responseDelayMs?: number;
  /** Wait before posting status webhooks, so they arrive after the send's response. */
  statusDelayMs?: number;
  /** phone_number_id → display number in webhook metadata; defaults to a 1555… number. */
  displayPhoneNumbers?: Readonly<Record<string, string>>;
  wabaId?: string;
  /** Records kept in memory; the oldest go first. Default 10,000. */
  storeCapacity?: number;
  /** Approved templates, in addition to hello_world/en_US; other template sends get 132001. */
  templates?: readonly ApprovedTemplate[];
  /**
   * Enforce the 24-hour customer service window: a free-form message to a user who has not written
   * to the number in the last 24 hours is accepted, then fails by status webhook with 131047.
   */
  enforceServiceWindow?: boolean;
  /** Base URL of this sandbox as the app reaches it, for media download links; default: the request's own. */
  publicBaseUrl?: string;
  now?: () => number;
  logger?: Logger;
}

export interface MetaSandbox {
  app: Express;
  store: MessageStore;
  faults: FaultInjector;
  limiter: RateLimiter;
  customer: Customer;
  /** Uploaded media and media customers sent. */
  media: MediaStore;
  templates: TemplateCatalog;
  /** The 24-hour windows customers opened (enforced only with `enforceServiceWindow`). */
  windows: ServiceWindows;
  phoneNumberIds: readonly string[];
  /** Resolves when every status webhook started so far has finished (tests, shutdown). */
  settled(): Promise<void>;
  /** Delays every send's HTTP answer (the send is recorded at once), like a slow Graph API. */
  setResponseDelay(ms: number): void;
}

const VERSION = /^v\d+\.\d+$/;

/** The path of media download links, as on Meta's lookaside host. */
export const MEDIA_DOWNLOAD_PATH = "/whatsapp_business/attachments/";

const downloadQuery = z.object({ mid: z.string().optional(), ext: z.string().optional(), hash: z.string().optional() });
const mediaQuery = z.object({ phone_number_id: z.string().min(1).optional() });

export function createMetaSandbox(options: MetaSandboxOptions): MetaSandbox {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createJsonLogger("provider-sandbox");
  const tokens = new AccessTokens(options.accessTokens, options.phoneNumberIds);
  const wabaId = options.wabaId ?? DEFAULT_WABA_ID;
  const displayPhoneNumberOf = (id: string): string | undefined =>
    tokens.phoneNumberIds.includes(id) ? (options.displayPhoneNumbers?.[id] ?? `1555${id.replace(/\D/g, "").slice(-7).padStart(7, "0")}`) : undefined;
  const metadataOf = (id: string): WebhookMetadata => ({ phoneNumberId: id, displayPhoneNumber: displayPhoneNumberOf(id) ?? id, wabaId });
  if (options.statusCallbacks === true && options.callbackUrl === undefined) {
    throw new Error("statusCallbacks needs a callbackUrl");
  }

  const store = new MessageStore(options.storeCapacity);
  const faults = new FaultInjector();
  const limiter = new RateLimiter(options.ratePerSecond ?? 80, now);
  const media = new MediaStore(now);
  const templates = new TemplateCatalog(options.templates);
  const windows = new ServiceWindows(now);
  const { callbackUrl, appSecret } = options;
  const notifier: StatusNotifier | undefined = callbackUrl === undefined
    ? undefined
    : createStatusNotifier({ target: () => ({ url: callbackUrl, appSecret }), delayMs: options.statusDelayMs ?? 0, logger });
  const customer = createCustomer({
    appSecret, callbackUrl, wabaId, displayPhoneNumberOf, media, now, onMessage: (id, waId) => windows.open(id, waId),
  });
  const sendMessage = createSendMessage({
    tokens, limiter, faults, store, now, metadataOf, notifier, statusCallbacks: options.statusCallbacks ?? false,
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

  app.use("/_sandbox", createControlRouter({
    store, faults, limiter, customer, media, canNotify: () => notifier !== undefined, setResponseDelay,
  }));

  app.use("/_sandbox", (_req, res) => {
    res.status(404).json({ error: { code: "NOT_FOUND", message: "unknown sandbox endpoint" } });
  });

  /** Graph answers a path with a malformed version segment as an unknown path. */
  const versionServed = (version: string) => VERSION.test(version) && (options.apiVersion === undefined || version === options.apiVersion);
  const accessOf = (req: Request): MediaAccess => {
    const token = bearerToken(req);
    return (owner) => tokens.check(token, owner ?? "");
  };

  const messagesRoute: RequestHandler<{ version: string; phoneNumberId: string }> = (req, res, next) => {
    const { version, phoneNumberId } = req.params;
    if (!versionServed(version)) {
      next();
      return;
    }
    const body: unknown = req.body;
    const reply = sendMessage({ phoneNumberId, token: bearerToken(req), body });
    const answer = () => {
      // The request was read and the send recorded: the client sees the connection close with no answer.
      if ("dropConnection" in reply) req.socket.destroy();
      else sendGraphReply(res, reply);
    };
    if (responseDelayMs > 0) setTimeout(answer, responseDelayMs);
    else answer();
  };
  app.post("/:version/:phoneNumberId/messages", messagesRoute);

  const uploadRoute: RequestHandler<{ version: string; phoneNumberId: string }> = async (req, res, next) => {
    const { version, phoneNumberId } = req.params;
    if (!versionServed(version)) {
      next();
      return;
    }
    // The token is checked before the body is read, as Graph does.
    const access = tokens.check(bearerToken(req), phoneNumberId);
    if (access !== "ok") {
      sendGraphFailure(res, access === "invalid-token" ? graphError(190) : unknownObjectError(phoneNumberId));
      return;
    }
    const read = await readMediaUpload(req, res);
    if (!read.ok) {
      sendGraphFailure(res, read.failure);
      return;
    }
    sendGraphReply(res, mediaUseCases.upload({ phoneNumberId, fields: read.fields, file: read.file }));
  };
  app.post("/:version/:phoneNumberId/media", uploadRoute);

  app.get(MEDIA_DOWNLOAD_PATH, (req, res) => {
    sendDownload(res, mediaUseCases.download({ query: downloadQuery.parse(req.query), access: accessOf(req) }));
  });

  const mediaRoute = (action: "describe" | "remove"): RequestHandler<{ version: string; mediaId: string }> => (req, res, next) => {
    const { version, mediaId } = req.params;
    if (!versionServed(version)) {
      next();
      return;
    }
    const query = mediaQuery.safeParse(req.query);
    const phoneNumberId = query.success ? query.data.phone_number_id : undefined;
    const access = accessOf(req);
    const baseUrl = options.publicBaseUrl ?? `${req.protocol}://${req.get("host") ?? "localhost"}`;
    sendGraphReply(res, action === "describe"
      ? mediaUseCases.describe({ mediaId, access, phoneNumberId, url: (q) => `${baseUrl.replace(/\/+$/, "")}${MEDIA_DOWNLOAD_PATH}?${q}` })
      : mediaUseCases.remove({ mediaId, access, phoneNumberId }));
  };
  app.get("/:version/:mediaId", mediaRoute("describe"));
  app.delete("/:version/:mediaId", mediaRoute("remove"));

  app.use((req, res) => {
    sendGraphFailure(res, unknownPathError(req.path));
  });

  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    const sandboxRoute = req.path.startsWith("/_sandbox");
    if (error instanceof SandboxError) {
      res.status(error.httpStatus).json({ error: { code: error.code, message: error.message } });
    } else if (isBodyParseError(error)) {
      if (sandboxRoute) res.status(400).json({ error: { code: "INVALID_JSON", message: "request body is not valid JSON" } });
      else sendGraphFailure(res, graphError(100, { details: "The request body is not valid JSON." }));
    } else {
      const errorId = randomUUID().slice(0, 8);
      logger.error("unhandled error", { errorId, path: req.path, error: error instanceof Error ? error.stack : String(error) });
      res.status(500).json({ error: { code: "INTERNAL", message: `internal error ${errorId}` } });
    }
  };
  app.use(onError);

  return {
    app,
    store,
    faults,
    limiter,
    customer,
    media,
    templates,
    windows,
    phoneNumberIds: tokens.phoneNumberIds,
    settled: () => notifier?.settled() ?? Promise.resolve(),
    setResponseDelay,
  };
}

/** Graph takes the token from the Authorization header or an access_token query parameter. */
function bearerToken(req: Request): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get("authorization") ?? "");
  if (match?.[1] !== undefined) return match[1];
  return typeof req.query.access_token === "string" ? req.query.access_token : undefined;
}

/** Graph's answer, with the WWW-Authenticate header it sends along a 401. */
export function sendGraphReply(res: Response, reply: HttpReply): void {
  if (reply.httpStatus === 401) res.set("www-authenticate", 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token."');
  res.status(reply.httpStatus).json(reply.body);
}

export function sendGraphFailure(res: Response, failure: GraphFailure): void {
  sendGraphReply(res, failure);
}

export function sendDownload(res: Response, reply: DownloadReply): void {
  if ("bytes" in reply) {
    res.status(200).type(reply.mimeType);
    if (reply.filename !== undefined) res.attachment(reply.filename);
    res.send(reply.bytes);
  } else {
    res.status(reply.httpStatus).type("text/plain").send(reply.text);
  }
}

/** express.json's error for a body that is not JSON. */
export function isBodyParseError(error: unknown): boolean {
  return typeof error === "object" && error !== null && "type" in error && error.type === "entity.parse.failed";
}
