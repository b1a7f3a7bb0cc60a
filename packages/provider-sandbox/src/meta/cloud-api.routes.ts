// HTTP face of the Meta sandbox: Graph's send and media endpoints, the lookaside-style media
// download, and the /_sandbox/* control endpoints (recorded messages, faults, rate limit, media,
// "customer sends a message"). Wiring and wire mapping only; the rules live in the use cases and
// the helpers they are given.
import express, { type Express, type Request, type RequestHandler } from "express";
import { z } from "zod";
import { createJsonLogger, type Logger } from "../logger.js";
import { unknownSandboxEndpoint } from "../shared/control.routes.js";
import { createErrorHandler } from "../shared/error.handler.js";
import { AccessTokens, type AccessTokenOption } from "./access-tokens.js";
import { createCloudApi, isBodyParseError, sendGraphFailure, sendGraphReply, type CloudApiParts } from "./cloud-api.module.js";
import { graphError, unknownObjectError, unknownPathError } from "./graph-error.js";
import { readMediaUpload } from "./media-upload.js";
import type { MediaAccess } from "./media.use-case.js";
import { createStatusNotifier } from "./status-notifier.js";
import type { ApprovedTemplate } from "./template-catalog.js";

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

export interface MetaSandbox extends CloudApiParts {
  app: Express;
  phoneNumberIds: readonly string[];
  /** Resolves when every status webhook started so far has finished (tests, shutdown). */
  settled(): Promise<void>;
  /** Delays every send's HTTP answer (the send is recorded at once), like a slow Graph API. */
  setResponseDelay(ms: number): void;
}

const VERSION = /^v\d+\.\d+$/;

/** The path of media download links, as on Meta's lookaside host. */
export const MEDIA_DOWNLOAD_PATH = "/whatsapp_business/attachments/";

const mediaQuery = z.object({ phone_number_id: z.string().min(1).optional() });

export function createMetaSandbox(options: MetaSandboxOptions): MetaSandbox {
  const logger = options.logger ?? createJsonLogger("provider-sandbox");
  const tokens = new AccessTokens(options.accessTokens, options.phoneNumberIds);
  if (options.statusCallbacks === true && options.callbackUrl === undefined) {
    throw new Error("statusCallbacks needs a callbackUrl");
  }

  const { callbackUrl, appSecret } = options;
  const notifier = callbackUrl === undefined
    ? undefined
    : createStatusNotifier({ target: () => ({ url: callbackUrl, appSecret }), delayMs: options.statusDelayMs ?? 0, logger });
  const api = createCloudApi({
    ...options, phoneNumberIds: tokens.phoneNumberIds, tokens, webhooks: { appSecret, callbackUrl }, notifier, statusCallbacks: options.statusCallbacks ?? false,
  });
  const { mediaUseCases } = api;

  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "1mb" }));

  app.use("/_sandbox", api.control);
  app.use("/_sandbox", unknownSandboxEndpoint);

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
    api.send(req, res, { phoneNumberId, token: bearerToken(req), body });
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
    api.download(req, res, accessOf(req));
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

  app.use(createErrorHandler({
    logger,
    isControl: (req) => req.path.startsWith("/_sandbox"),
    isBodyError: isBodyParseError,
    badBody: (_error, _req, res) => sendGraphFailure(res, graphError(100, { details: "The request body is not valid JSON." })),
  }));

  return {
    app,
    ...api.parts,
    phoneNumberIds: tokens.phoneNumberIds,
    settled: () => notifier?.settled() ?? Promise.resolve(),
    setResponseDelay: api.setResponseDelay,
  };
}

/** Graph takes the token from the Authorization header or an access_token query parameter. */
function bearerToken(req: Request): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get("authorization") ?? "");
  if (match?.[1] !== undefined) return match[1];
  return typeof req.query.access_token === "string" ? req.query.access_token : undefined;
}
