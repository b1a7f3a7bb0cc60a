// HTTP face of the Twilio sandbox: the 2010-04-01 Messages endpoints the twilio SDK calls
// (create, fetch, inbound media) plus /_sandbox/twilio/* control endpoints (recorded messages,
// faults, latency, rate limit, "a customer writes"). Wiring and wire mapping only; the rules live
// in the use case and the helpers it is given. Paths it does not own fall through (next), so it
// can be mounted beside the Meta sandbox on one server (mount it first: Meta answers every other
// /_sandbox path with 404).
import express, { type Express, type Request, type RequestHandler, type Response } from "express";
import { z } from "zod";
import { createJsonLogger, type Logger } from "../logger.js";
import { RateLimiter } from "../meta/rate-limiter.js";
import { ServiceWindows } from "../meta/service-window.js";
import { addSandboxControls, faultCount, parseOrThrow, parseSince, phoneNumber, unknownSandboxEndpoint, withDefaultKind } from "../shared/control.routes.js";
import { createErrorHandler } from "../shared/error.handler.js";
import { ResponseDelay } from "../shared/response-delay.js";
import { SandboxError } from "../shared/sandbox-error.js";
import { TwilioAccounts, type TwilioNumbersOption } from "./accounts.js";
import { createTwilioCustomer, MAX_INBOUND_MEDIA, type TwilioCustomer } from "./customer.js";
import { TwilioFaultInjector } from "./fault-injector.js";
import { TwilioMediaStore } from "./media-store.js";
import { toTwilioMessageResource } from "./message-resource.js";
import { TwilioMessageStore, type TwilioOutcome } from "./message-store.js";
import { createTwilioSendMessage } from "./send-message.use-case.js";
import { API_VERSION, newSid } from "./sids.js";
import { createStatusCallbacks } from "./status-callbacks.js";
import { notFoundError, twilioError, type TwilioFailure } from "./twilio-error.js";

export interface TwilioSandboxOptions {
  /** accountSid (AC + 32 hex) → auth token; the token checks Basic auth and signs webhooks. */
  accounts: Readonly<Record<string, string>>;
  /** Hosted WhatsApp sender numbers (E.164): a list for a single account, or accountSid → numbers. */
  numbers: TwilioNumbersOption;
  /** Messaging Service SID (MG + 32 hex) → its sender numbers. */
  messagingServices?: Readonly<Record<string, readonly string[]>>;
  /** The app's inbound webhook URL: default target of customer messages. */
  callbackUrl?: string;
  /** StatusCallback of sends that give none. */
  defaultStatusCallback?: string;
  /** Report queued → sent → delivered after each accepted send (default true, like Twilio); failures are always reported. */
  statusCallbacks?: boolean;
  /** Fail free-form sends outside the contact's 24 h window with 63016 (default true). */
  enforceSessionWindow?: boolean;
  /** Sends per second per sender number before 20429; default 80. */
  ratePerSecond?: number;
  /** Delay of every send's HTTP answer in milliseconds (default 0). */
  responseDelayMs?: number;
  /** Wait before the first status callback of a send. */
  statusDelayMs?: number;
  /** URL at which the fake itself is reachable (e.g. http://127.0.0.1:4010); needed for inbound media links. */
  publicBaseUrl?: string;
  /** Media URLs need the account's Basic credentials (default true, "HTTP Basic Auth for media"). */
  mediaAuth?: boolean;
  /** Records kept in memory; the oldest go first. Default 10,000. */
  storeCapacity?: number;
  now?: () => number;
  logger?: Logger;
}

export interface TwilioSandbox {
  app: Express;
  store: TwilioMessageStore;
  faults: TwilioFaultInjector;
  limiter: RateLimiter;
  customer: TwilioCustomer;
  windows: ServiceWindows;
  numbers: readonly string[];
  /** Resolves when every status callback started so far has finished (tests, shutdown). */
  settled(): Promise<void>;
  /** Delays every send's HTTP answer (the send is recorded at once), like a slow API. */
  setResponseDelay(ms: number): void;
}

const API = `/${API_VERSION}`;
const CONTROL = "/_sandbox/twilio";

const faultTarget = { from: phoneNumber.optional(), to: phoneNumber.optional(), count: faultCount };
// `kind` defaults to an error answer, so `{code: 20500}` means "answer the next send with 20500".
const faultBody = withDefaultKind("error", z.discriminatedUnion("kind", [
  z.object({ ...faultTarget, kind: z.literal("error"), code: z.number().int().positive(), httpStatus: z.number().int().min(400).max(599).optional(), message: z.string().min(1).optional() }),
  z.object({ ...faultTarget, kind: z.literal("drop_connection") }),
  z.object({ ...faultTarget, kind: z.literal("status_callback"), code: z.number().int().positive(), status: z.enum(["failed", "undelivered"]).default("undelivered") }),
]));

const customerBody = z.object({
  callback_url: z.url({ protocol: /^https?$/ }).optional(),
  from: phoneNumber,
  to: phoneNumber,
  profile_name: z.string().min(1).optional(),
  body: z.string().max(1600).optional(),
  media: z.array(z.object({
    content_type: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, { message: "must be a MIME type" }),
    base64: z.base64().optional(),
  })).max(MAX_INBOUND_MEDIA).optional(),
  button: z.object({ text: z.string().min(1), payload: z.string().min(1) }).optional(),
  replied_message_sid: z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, { message: "must be a message SID" }).optional(),
});

const messagesQuery = z.object({
  to: z.string().min(1).optional(),
  from: z.string().min(1).optional(),
  account_sid: z.string().min(1).optional(),
  since: z.string().min(1).optional(),
  outcome: z.enum(["accepted", "rejected"] satisfies TwilioOutcome[]).optional(),
});

export function createTwilioSandbox(options: TwilioSandboxOptions): TwilioSandbox {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createJsonLogger("provider-sandbox");
  const accounts = new TwilioAccounts(options);
  const publicBaseUrl = options.publicBaseUrl?.replace(/\/+$/, "");
  const mediaAuth = options.mediaAuth ?? true;

  const store = new TwilioMessageStore(options.storeCapacity);
  const faults = new TwilioFaultInjector();
  const limiter = new RateLimiter(options.ratePerSecond ?? 80, now);
  const windows = new ServiceWindows(now);
  const media = new TwilioMediaStore(now);
  const statusCallbacks = createStatusCallbacks({ store, accounts, now, delayMs: options.statusDelayMs ?? 0, logger });
  const customer = createTwilioCustomer({ accounts, media, windows, callbackUrl: options.callbackUrl, publicBaseUrl });
  const sendMessage = createTwilioSendMessage({
    accounts, limiter, faults, store, windows, statusCallbacks, now,
    reportDelivery: options.statusCallbacks ?? true,
    enforceSessionWindow: options.enforceSessionWindow ?? true,
    defaultStatusCallback: options.defaultStatusCallback,
  });

  const delay = new ResponseDelay(options.responseDelayMs);
  const setResponseDelay = (ms: number) => delay.set(ms);

  const app = express();
  app.disable("x-powered-by");

  // Control endpoints: JSON in, JSON out, errors as {error:{code,message}}.
  const control = express.Router();
  control.use(express.json({ limit: "20mb" }));
  addSandboxControls(control, {
    health: () => ({ numbers: accounts.numbers }),
    store,
    messagesQuery: (raw) => {
      const query = parseOrThrow(messagesQuery, raw);
      return { to: query.to, from: query.from, accountSid: query.account_sid, since: parseSince(query.since), outcome: query.outcome };
    },
    faults,
    faultSpec: (raw) => parseOrThrow(faultBody, raw),
    setResponseDelay,
    limiter,
  });

  control.post("/customer/messages", async (req, res) => {
    const body = parseOrThrow(customerBody, req.body);
    const result = await customer.send({
      from: body.from,
      to: body.to,
      profileName: body.profile_name,
      body: body.body,
      media: body.media?.map((m) => ({ contentType: m.content_type, ...(m.base64 === undefined ? {} : { bytes: Buffer.from(m.base64, "base64") }) })),
      button: body.button,
      repliedMessageSid: body.replied_message_sid,
      callbackUrl: body.callback_url,
    });
    res.json(result);
  });

  // The short-lived link an authorised MediaUrl redirects to (Twilio's pre-signed CDN URL).
  control.get("/media/:token", (req, res) => {
    const found = media.byLink(req.params.token);
    if (found === undefined) throw new SandboxError("NOT_FOUND", "unknown or expired media link", 404);
    res.status(200).type(found.contentType).set("content-length", String(found.bytes.length)).end(found.bytes);
  });

  control.use(unknownSandboxEndpoint);

  app.use(CONTROL, control);

  // The Twilio REST API: form bodies in, Twilio JSON out.
  const api = express.Router();
  api.use(express.urlencoded({ extended: false, limit: "1mb", parameterLimit: 1_000 }));
  api.use((_req, res, next) => {
    res.set("twilio-request-id", newSid("RQ"));
    next();
  });

  const authenticate = (req: Request<{ accountSid: string }>): TwilioFailure | undefined => {
    const auth = accounts.authenticate(req.get("authorization"), req.params.accountSid, req.originalUrl.split("?")[0] ?? req.path);
    return auth.ok ? undefined : auth.failure;
  };

  const createMessage: RequestHandler<{ accountSid: string }> = (req, res) => {
    const reply = sendMessage({
      accountSid: req.params.accountSid,
      authorization: req.get("authorization"),
      body: req.body,
      path: req.originalUrl.split("?")[0] ?? req.path,
    });
    delay.answer(req, reply, (answer) => sendTwilioJson(res, answer.httpStatus, answer.body));
  };
  api.post("/Accounts/:accountSid/Messages.json", createMessage);

  api.get("/Accounts/:accountSid/Messages/:messageSid.json", (req, res) => {
    const failure = authenticate(req);
    if (failure !== undefined) return sendTwilioFailure(res, failure);
    const send = store.get(req.params.messageSid);
    if (send === undefined || send.accountSid !== req.params.accountSid) return sendTwilioFailure(res, notFoundError(req.originalUrl));
    res.json(toTwilioMessageResource(send));
  });

  api.get("/Accounts/:accountSid/Messages/:messageSid/Media/:mediaSid", (req, res) => {
    if (mediaAuth) {
      const failure = authenticate(req);
      if (failure !== undefined) return sendTwilioFailure(res, failure);
    }
    const found = media.get(req.params.accountSid, req.params.messageSid, req.params.mediaSid);
    if (found === undefined) return sendTwilioFailure(res, notFoundError(req.originalUrl));
    res.redirect(307, `${publicBaseUrl ?? ""}${CONTROL}/media/${media.issueLink(found)}`);
  });

  api.use((req, res) => {
    sendTwilioFailure(res, notFoundError(req.originalUrl.split("?")[0] ?? req.path));
  });

  app.use(API, api);

  app.use(createErrorHandler({
    logger,
    isControl: (req) => !req.originalUrl.startsWith(`${API}/`),
    isBodyError: isBodyParseError,
    badBody: (error, _req, res) => sendTwilioFailure(res, twilioError(20001, { httpStatus: error.status, message: "Unable to parse the request body" })),
    internal: (errorId, res) => sendTwilioFailure(res, twilioError(20500, { message: `Internal Server Error (${errorId})` })),
  }));

  return {
    app,
    store,
    faults,
    limiter,
    customer,
    windows,
    numbers: accounts.numbers,
    settled: () => statusCallbacks.settled(),
    setResponseDelay,
  };
}

function sendTwilioFailure(res: Response, failure: TwilioFailure): void {
  sendTwilioJson(res, failure.httpStatus, failure.body);
}

function sendTwilioJson(res: Response, httpStatus: number, body: unknown): void {
  if (httpStatus === 401) res.set("www-authenticate", 'Basic realm="Twilio API"');
  res.status(httpStatus).json(body);
}

/** body-parser's errors (unparsable, too large, bad charset, too many parameters) carry a 4xx status and a type. */
function isBodyParseError(error: unknown): error is { type: string; status: number } {
  return typeof error === "object" && error !== null && "type" in error && typeof error.type === "string" &&
    "status" in error && typeof error.status === "number" && error.status >= 400 && error.status < 500;
}
