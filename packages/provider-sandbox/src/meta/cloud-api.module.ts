// The Cloud API as both Cloud-API fakes serve it (Meta's, and 360dialog's behind its own edge):
// the stores, the send and media rules, the answer delay and the control endpoints, plus the
// helpers that answer in Graph's wire shape. Each edge brings its own auth, paths and webhook target.
import type { Request, Response, Router } from "express";
import { z } from "zod";
import { ResponseDelay } from "../shared/response-delay.js";
import type { MetaSandboxOptions } from "./cloud-api.routes.js";
import { createCustomer, DEFAULT_WABA_ID, type Customer, type CustomerDeps, type WebhookMetadata } from "./customer.js";
import { FaultInjector } from "./fault-injector.js";
import type { GraphFailure } from "./graph-error.js";
import { MediaStore } from "./media-store.js";
import { createMediaUseCases, type DownloadReply, type HttpReply, type MediaAccess, type MediaUseCases } from "./media.use-case.js";
import { MessageStore } from "./message-store.js";
import { RateLimiter } from "./rate-limiter.js";
import { createControlRouter } from "./sandbox-control.routes.js";
import { createSendMessage, type MessagesInput, type SendMessageDeps } from "./send-message.use-case.js";
import { ServiceWindows } from "./service-window.js";
import type { StatusNotifier } from "./status-notifier.js";
import { TemplateCatalog } from "./template-catalog.js";

/** What both Cloud-API sandboxes expose to tests of the fake's state. */
export interface CloudApiParts {
  store: MessageStore;
  faults: FaultInjector;
  limiter: RateLimiter;
  customer: Customer;
  /** Uploaded media and media customers sent. */
  media: MediaStore;
  templates: TemplateCatalog;
  /** The 24-hour windows customers opened (enforced only with `enforceServiceWindow`). */
  windows: ServiceWindows;
}

/** The settings both sandboxes take alike (documented on MetaSandboxOptions). */
type SharedSettings = "ratePerSecond" | "templates" | "enforceServiceWindow" | "responseDelayMs" | "displayPhoneNumbers" | "wabaId" | "storeCapacity" | "now";

export interface CloudApiOptions extends Pick<MetaSandboxOptions, SharedSettings> {
  /** The numbers the fake hosts. */
  phoneNumberIds: readonly string[];
  /** The send rule's token check; an edge that authenticates by API key answers "ok". */
  tokens: SendMessageDeps["tokens"];
  /** Where customer messages go: Meta's signed callback URL, or a BSP's per-number target. */
  webhooks: Pick<CustomerDeps, "appSecret" | "callbackUrl" | "target">;
  /** Posts status webhooks; absent when they have nowhere to go (then faults "via webhook" are refused). */
  notifier: StatusNotifier | undefined;
  /** Post sent then delivered statuses after each accepted send. */
  statusCallbacks: boolean;
}

export interface CloudApi {
  parts: CloudApiParts;
  mediaUseCases: MediaUseCases;
  /** The control endpoints both fakes serve; an edge may add its own before mounting it. */
  control: Router;
  /** Carries out a send and answers it after the configured delay (or drops the connection, as scripted). */
  send(req: Request, res: Response, input: MessagesInput): void;
  /** Answers a media download (GET or POST on the lookaside path) for a caller with `access`. */
  download(req: Request, res: Response, access: MediaAccess): void;
  setResponseDelay(ms: number): void;
}

const downloadQuery = z.object({ mid: z.string().optional(), ext: z.string().optional(), hash: z.string().optional() });

export function createCloudApi(options: CloudApiOptions): CloudApi {
  const now = options.now ?? Date.now;
  const wabaId = options.wabaId ?? DEFAULT_WABA_ID;
  const displayPhoneNumberOf = (id: string): string | undefined =>
    options.phoneNumberIds.includes(id) ? (options.displayPhoneNumbers?.[id] ?? `1555${id.replace(/\D/g, "").slice(-7).padStart(7, "0")}`) : undefined;
  const metadataOf = (id: string): WebhookMetadata => ({ phoneNumberId: id, displayPhoneNumber: displayPhoneNumberOf(id) ?? id, wabaId });

  const store = new MessageStore(options.storeCapacity);
  const faults = new FaultInjector();
  const limiter = new RateLimiter(options.ratePerSecond ?? 80, now);
  const media = new MediaStore(now);
  const templates = new TemplateCatalog(options.templates);
  const windows = new ServiceWindows(now);
  const customer = createCustomer({
    ...options.webhooks, wabaId, displayPhoneNumberOf, media, now, onMessage: (id, waId) => windows.open(id, waId),
  });
  const sendMessage = createSendMessage({
    tokens: options.tokens, limiter, faults, store, now, metadataOf, notifier: options.notifier, statusCallbacks: options.statusCallbacks,
    media, templates, windows: options.enforceServiceWindow === true ? windows : undefined,
  });
  const mediaUseCases = createMediaUseCases({ media });
  const delay = new ResponseDelay(options.responseDelayMs);
  const setResponseDelay = (ms: number) => delay.set(ms);
  const canNotify = options.notifier !== undefined;

  return {
    parts: { store, faults, limiter, customer, media, templates, windows },
    mediaUseCases,
    control: createControlRouter({ store, faults, limiter, customer, media, canNotify: () => canNotify, setResponseDelay }),
    send: (req, res, input) => {
      delay.answer(req, sendMessage(input), (answer) => sendGraphReply(res, answer));
    },
    download: (req, res, access) => {
      sendDownload(res, mediaUseCases.download({ query: downloadQuery.parse(req.query), access }));
    },
    setResponseDelay,
  };
}

/** Graph's answer, with the WWW-Authenticate header it sends along a 401. */
export function sendGraphReply(res: Response, reply: HttpReply): void {
  if (reply.httpStatus === 401) res.set("www-authenticate", 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token."');
  res.status(reply.httpStatus).json(reply.body);
}

export function sendGraphFailure(res: Response, failure: GraphFailure): void {
  sendGraphReply(res, failure);
}

function sendDownload(res: Response, reply: DownloadReply): void {
  if ("bytes" in reply) {
    res.status(200).type(reply.mimeType);
    if (reply.filename !== undefined) res.attachment(reply.filename);
    res.send(reply.bytes);
  } else {
    res.status(reply.httpStatus).type("text/plain").send(reply.text);
  }
}

/** express.json's error for a body that is not JSON. */
export function isBodyParseError(error: unknown): error is { type: "entity.parse.failed" } {
  return typeof error === "object" && error !== null && "type" in error && error.type === "entity.parse.failed";
}
