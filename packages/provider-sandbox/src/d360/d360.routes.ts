// HTTP face of the 360dialog sandbox: the Cloud API behind 360dialog's auth and paths
// (D360-API-KEY, POST /messages, POST /media, GET|DELETE /{media-id}, media downloads through
// /whatsapp_business/attachments/), its webhook configuration, and /_sandbox/d360/* control
// endpoints. The Cloud API rules, stores and customer side are the Meta fake's; only the edge differs.
import express, { type Express, type Request, type RequestHandler, type Response } from "express";
import { z } from "zod";
import { createJsonLogger, type Logger } from "../logger.js";
import { createCloudApi, isBodyParseError, sendGraphFailure, sendGraphReply, type CloudApiParts } from "../meta/cloud-api.module.js";
import { MEDIA_DOWNLOAD_PATH } from "../meta/cloud-api.routes.js";
import type { WebhookTarget } from "../meta/customer.js";
import { graphError } from "../meta/graph-error.js";
import { readMediaUpload } from "../meta/media-upload.js";
import type { MediaAccess } from "../meta/media.use-case.js";
import { createStatusNotifier } from "../meta/status-notifier.js";
import type { ApprovedTemplate } from "../meta/template-catalog.js";
import { unknownSandboxEndpoint } from "../shared/control.routes.js";
import { createErrorHandler } from "../shared/error.handler.js";
import { SandboxError } from "../shared/sandbox-error.js";
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

export interface D360Sandbox extends CloudApiParts {
  app: Express;
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

export function createD360Sandbox(options: D360SandboxOptions): D360Sandbox {
  const logger = options.logger ?? createJsonLogger("provider-sandbox");
  const keys = new D360ApiKeys(options.apiKeys);
  const lookasideBaseUrl = (options.lookasideBaseUrl ?? D360_LOOKASIDE_BASE_URL).replace(/\/+$/, "");

  const webhooks = new D360WebhookConfigs();
  // 360dialog does not sign webhooks: no app secret, only the configured headers.
  const target = (phoneNumberId: string): WebhookTarget | undefined => {
    const config = webhooks.get(phoneNumberId);
    return config === undefined ? undefined : { url: config.url, headers: config.headers };
  };
  const notifier = createStatusNotifier({ target, delayMs: options.statusDelayMs ?? 0, logger });
  // The API key is checked at the edge; the send rule's own token check always passes.
  const api = createCloudApi({
    ...options, phoneNumberIds: keys.phoneNumberIds, tokens: { check: () => "ok" }, webhooks: { target }, notifier, statusCallbacks: options.statusCallbacks ?? true,
  });
  const { media } = api.parts;
  const { mediaUseCases } = api;

  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "1mb" }));

  const control = api.control;
  control.get("/webhooks", (_req, res) => {
    res.json(Object.fromEntries(keys.phoneNumberIds.map((id) => [id, webhooks.get(id) ?? null])));
  });
  control.get("/media/:mediaId/download-url", (req, res) => {
    if (media.get(req.params.mediaId) === undefined) throw new SandboxError("UNKNOWN_MEDIA", `no media ${req.params.mediaId}`, 404);
    res.json({ download_url: `${publicBase(req)}${MEDIA_DOWNLOAD_PATH}?${media.downloadQuery(req.params.mediaId)}` });
  });
  app.use("/_sandbox/d360", control);
  app.use("/_sandbox", unknownSandboxEndpoint);

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
    api.send(req, res, { phoneNumberId: numberOf(res), token: undefined, body });
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
    api.download(req, res, accessOf(res));
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

  app.use(createErrorHandler({
    logger,
    isControl: (req) => req.path.startsWith("/_sandbox"),
    isBodyError: isBodyParseError,
    badBody: (_error, req, res) => {
      if (req.path === "/messages") sendGraphFailure(res, graphError(100, { details: "The request body is not valid JSON." }));
      else sendD360Failure(res, d360Error(400, D360_MESSAGES.invalidRequest, ["request body is not valid JSON"]));
    },
  }));

  function publicBase(req: Request): string {
    return (options.publicBaseUrl ?? `${req.protocol}://${req.get("host") ?? "localhost"}`).replace(/\/+$/, "");
  }

  return {
    app,
    ...api.parts,
    webhooks,
    phoneNumberIds: keys.phoneNumberIds,
    settled: () => notifier.settled(),
    setResponseDelay: api.setResponseDelay,
  };
}

function sendD360Failure(res: Response, failure: D360Failure): void {
  res.status(failure.httpStatus).json(failure.body);
}
