// HTTP face of the Meta sandbox: Graph's send endpoint plus /_sandbox/* control endpoints
// (recorded messages, faults, rate limit, "customer sends a message"). Wiring and wire mapping
// only; the rules live in the use case and the helpers it is given.
import { randomUUID } from "node:crypto";
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from "express";
import { z } from "zod";
import { createJsonLogger, type Logger } from "../logger.js";
import { AccessTokens, type AccessTokenOption } from "./access-tokens.js";
import { createCustomer, DEFAULT_WABA_ID, type Customer, type InboundContent, type WebhookMetadata } from "./customer.js";
import { FaultInjector } from "./fault-injector.js";
import { graphError, unknownPathError, type GraphFailure } from "./graph-error.js";
import { MessageStore, type Outcome } from "./message-store.js";
import { RateLimiter } from "./rate-limiter.js";
import { SandboxError } from "./sandbox-error.js";
import { createSendMessage } from "./send-message.use-case.js";
import { createStatusNotifier, type StatusNotifier } from "./status-notifier.js";

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
  now?: () => number;
  logger?: Logger;
}

export interface MetaSandbox {
  app: Express;
  store: MessageStore;
  faults: FaultInjector;
  limiter: RateLimiter;
  customer: Customer;
  phoneNumberIds: readonly string[];
  /** Resolves when every status webhook started so far has finished (tests, shutdown). */
  settled(): Promise<void>;
  /** Delays every send's HTTP answer (the send is recorded at once), like a slow Graph API. */
  setResponseDelay(ms: number): void;
}

const VERSION = /^v\d+\.\d+$/;

const latencyBody = z.object({ ms: z.number().int().min(0).max(60_000) });

const faultTarget = {
  phone_number_id: z.string().min(1).optional(),
  to: z.string().regex(/\d/, { message: "must be a phone number" }).optional(),
  count: z.number().int().positive().default(1),
};

// `kind` defaults to a Graph error, so `{code: 131000}` keeps meaning what it always did.
const faultBody = z.preprocess(
  (body) => (typeof body === "object" && body !== null && !("kind" in body) ? { ...body, kind: "graph_error" } : body),
  z.discriminatedUnion("kind", [
    z.object({
      ...faultTarget,
      kind: z.literal("graph_error"),
      code: z.number().int().nonnegative(),
      httpStatus: z.number().int().min(200).max(599).optional(),
      via: z.enum(["response", "webhook"]).default("response"),
      details: z.string().min(1).optional(),
    }),
    z.object({ ...faultTarget, kind: z.enum(["drop_connection", "missing_message_id"]) }),
  ]),
);

const rateLimitBody = z.object({ per_second: z.number().int().positive() });

const customerBody = z.object({
  callback_url: z.url({ protocol: /^https?$/ }).optional(),
  phone_number_id: z.string().min(1),
  from: z.string().regex(/\d/, { message: "must be a phone number" }),
  name: z.string().min(1).optional(),
  text: z.string().min(1).max(4096).optional(),
  button_reply: z.object({ id: z.string().min(1), title: z.string().min(1) }).optional(),
  list_reply: z.object({ id: z.string().min(1), title: z.string().min(1), description: z.string().optional() }).optional(),
  count: z.number().int().min(1).max(100).default(1),
}).transform((body, ctx) => {
  const contents: InboundContent[] = [
    ...(body.text === undefined ? [] : [{ text: body.text }]),
    ...(body.button_reply === undefined ? [] : [{ buttonReply: body.button_reply }]),
    ...(body.list_reply === undefined ? [] : [{ listReply: body.list_reply }]),
  ];
  const [content] = contents;
  if (content === undefined || contents.length > 1) {
    ctx.addIssue({ code: "custom", message: "exactly one of text, button_reply, list_reply is required" });
    return z.NEVER;
  }
  return { ...body, content };
});

const messagesQuery = z.object({
  to: z.string().min(1).optional(),
  phone_number_id: z.string().min(1).optional(),
  since: z.string().min(1).optional(),
  outcome: z.enum(["accepted", "rejected", "read"] satisfies Outcome[]).optional(),
});

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
  const notifier: StatusNotifier | undefined = options.callbackUrl === undefined
    ? undefined
    : createStatusNotifier({ callbackUrl: options.callbackUrl, appSecret: options.appSecret, delayMs: options.statusDelayMs ?? 0, logger });
  const customer = createCustomer({ appSecret: options.appSecret, callbackUrl: options.callbackUrl, wabaId, displayPhoneNumberOf });
  const sendMessage = createSendMessage({
    tokens, limiter, faults, store, now, metadataOf, notifier, statusCallbacks: options.statusCallbacks ?? false,
  });

  let responseDelayMs = options.responseDelayMs ?? 0;

  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "1mb" }));

  app.get("/_sandbox/health", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.get("/_sandbox/messages", (req, res) => {
    const query = parseOrThrow(messagesQuery, req.query);
    const since = query.since === undefined ? undefined : parseInstant(query.since);
    res.json(store.list({ to: query.to, phoneNumberId: query.phone_number_id, since, outcome: query.outcome }));
  });

  app.delete("/_sandbox/messages", (_req, res) => {
    store.clear();
    res.status(204).end();
  });

  app.get("/_sandbox/faults", (_req, res) => {
    res.json(faults.list());
  });

  app.post("/_sandbox/faults", (req, res) => {
    const body = parseOrThrow(faultBody, req.body);
    if (body.kind === "graph_error" && body.via === "webhook" && notifier === undefined) {
      throw new SandboxError("NO_CALLBACK_URL", "faults via webhook need a configured callback URL");
    }
    const { phone_number_id: phoneNumberId, ...fault } = body;
    res.status(201).json(faults.add({ ...fault, phoneNumberId }));
  });

  app.delete("/_sandbox/faults", (_req, res) => {
    faults.clear();
    res.status(204).end();
  });

  app.put("/_sandbox/latency", (req, res) => {
    responseDelayMs = parseOrThrow(latencyBody, req.body).ms;
    res.json({ ms: responseDelayMs });
  });

  app.put("/_sandbox/rate-limit", (req, res) => {
    limiter.setRate(parseOrThrow(rateLimitBody, req.body).per_second);
    res.json({ per_second: limiter.ratePerSecond });
  });

  app.post("/_sandbox/customer/messages", async (req, res) => {
    const body = parseOrThrow(customerBody, req.body);
    const result = await customer.send({
      phoneNumberId: body.phone_number_id,
      from: body.from,
      name: body.name,
      content: body.content,
      count: body.count,
      callbackUrl: body.callback_url,
    });
    res.json(result);
  });

  app.use("/_sandbox", (_req, res) => {
    res.status(404).json({ error: { code: "NOT_FOUND", message: "unknown sandbox endpoint" } });
  });

  const messagesRoute: RequestHandler<{ version: string; phoneNumberId: string }> = (req, res, next) => {
    const { version, phoneNumberId } = req.params;
    if (!VERSION.test(version) || (options.apiVersion !== undefined && version !== options.apiVersion)) {
      next();
      return;
    }
    const body: unknown = req.body;
    const reply = sendMessage({ phoneNumberId, token: bearerToken(req), body });
    const answer = () => {
      // The request was read and the send recorded: the client sees the connection close with no answer.
      if ("dropConnection" in reply) req.socket.destroy();
      else res.status(reply.httpStatus).json(reply.body);
    };
    if (!("dropConnection" in reply) && reply.httpStatus === 401) res.set("www-authenticate", 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token."');
    if (responseDelayMs > 0) setTimeout(answer, responseDelayMs);
    else answer();
  };
  app.post("/:version/:phoneNumberId/messages", messagesRoute);

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
    phoneNumberIds: tokens.phoneNumberIds,
    settled: () => notifier?.settled() ?? Promise.resolve(),
    setResponseDelay: (ms: number) => {
      responseDelayMs = ms;
    },
  };
}

/** Graph takes the token from the Authorization header or an access_token query parameter. */
function bearerToken(req: Request): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get("authorization") ?? "");
  if (match?.[1] !== undefined) return match[1];
  return typeof req.query.access_token === "string" ? req.query.access_token : undefined;
}

function sendGraphFailure(res: Response, failure: GraphFailure): void {
  res.status(failure.httpStatus).json(failure.body);
}

function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((i) => `${i.path.map(String).join(".") || "body"}: ${i.message}`).join("; ");
  throw new SandboxError("INVALID_REQUEST", details);
}

/** ISO-8601 or epoch milliseconds. */
function parseInstant(value: string): Date {
  const instant = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  if (Number.isNaN(instant.getTime())) throw new SandboxError("INVALID_REQUEST", `since: not an ISO-8601 time or epoch milliseconds: ${value}`);
  return instant;
}

function isBodyParseError(error: unknown): boolean {
  return typeof error === "object" && error !== null && "type" in error && error.type === "entity.parse.failed";
}
