// The rules of POST /2010-04-01/Accounts/{AccountSid}/Messages.json, in the order applied here:
// credentials, parameters, the sender and Messaging Service the account owns, per-sender
// throughput, scripted faults, then acceptance. Every outcome is recorded. WhatsApp's 24 h
// window is enforced the way Twilio reports it: the send is accepted and fails later (63016).
import type { RateLimiter } from "../meta/rate-limiter.js";
import type { ServiceWindows } from "../meta/service-window.js";
import type { TwilioAccounts } from "./accounts.js";
import type { TwilioFaultInjector } from "./fault-injector.js";
import type { TwilioAcceptedSend, TwilioMessageStore } from "./message-store.js";
import { toTwilioMessageResource } from "./message-resource.js";
import { firstValue, parseSendRequest, toFormParams, type SendRequest } from "./send-request.schema.js";
import { newSid, whatsappAddress } from "./sids.js";
import type { StatusCallbacks, StatusStep } from "./status-callbacks.js";
import { twilioError, type TwilioFailure } from "./twilio-error.js";

export interface TwilioSendMessageDeps {
  accounts: TwilioAccounts;
  limiter: RateLimiter;
  faults: TwilioFaultInjector;
  store: TwilioMessageStore;
  windows: ServiceWindows;
  statusCallbacks: StatusCallbacks;
  now: () => number;
  /** Report queued → sent → delivered after each accepted send; failures are reported regardless. */
  reportDelivery: boolean;
  /** Fail free-form sends to contacts outside the 24 h window with 63016. */
  enforceSessionWindow: boolean;
  /** StatusCallback of sends that give none. */
  defaultStatusCallback?: string;
}

export interface TwilioSendInput {
  /** AccountSid from the path. */
  accountSid: string;
  authorization: string | undefined;
  /** The parsed form body. */
  body: unknown;
  /** Request path, for 20404 messages. */
  path: string;
}

/** What the HTTP layer does with a send: answer it, or (a scripted fault) drop the connection unanswered. */
export type TwilioReply = { httpStatus: number; body: unknown } | { dropConnection: true };

export type TwilioSendMessage = (input: TwilioSendInput) => TwilioReply;

export function createTwilioSendMessage(deps: TwilioSendMessageDeps): TwilioSendMessage {
  return ({ accountSid, authorization, body, path }) => {
    const receivedAtMs = deps.now();
    const receivedAt = new Date(receivedAtMs).toISOString();
    const params = toFormParams(body);
    const reject = (failure: TwilioFailure): TwilioReply => {
      const from = firstValue(params, "From");
      const to = firstValue(params, "To");
      deps.store.add({
        outcome: "rejected",
        accountSid,
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        params,
        receivedAt,
        httpStatus: failure.httpStatus,
        code: failure.body.code,
        message: failure.body.message,
      });
      return { httpStatus: failure.httpStatus, body: failure.body };
    };

    const auth = deps.accounts.authenticate(authorization, accountSid, path);
    if (!auth.ok) return reject(auth.failure);

    const parsed = parseSendRequest(params);
    if (!parsed.ok) return reject(parsed.failure);
    const request = parsed.request;

    const sender = resolveSender(deps.accounts, accountSid, request);
    if (!sender.ok) return reject(sender.failure);

    if (!deps.limiter.tryAcquire(sender.number)) return reject(twilioError(20429));
    const fault = deps.faults.take(sender.number, request.toNumber);
    if (fault?.kind === "error") return reject(twilioError(fault.code, { httpStatus: fault.httpStatus, message: fault.message }));

    const statusCallback = request.statusCallback ?? deps.defaultStatusCallback;
    const send: TwilioAcceptedSend = {
      outcome: "accepted",
      accountSid,
      params,
      receivedAt,
      sid: newSid(request.mediaUrls.length > 0 ? "MM" : "SM"),
      from: whatsappAddress(sender.number),
      to: request.to,
      messagingServiceSid: request.messagingServiceSid ?? null,
      kind: request.kind,
      body: request.body,
      mediaUrls: request.mediaUrls,
      ...(request.contentSid === undefined ? {} : { contentSid: request.contentSid }),
      ...(request.contentVariables === undefined ? {} : { contentVariables: request.contentVariables }),
      ...(statusCallback === undefined ? {} : { statusCallback }),
      // A send naming only a Messaging Service is "accepted" until a sender is picked.
      status: sender.viaService ? "accepted" : "queued",
      errorCode: null,
      dateCreated: receivedAtMs,
      dateUpdated: receivedAtMs,
      dateSent: null,
    };
    deps.store.add(send);
    const resource = toTwilioMessageResource(send, { fromHidden: sender.viaService });

    const outsideWindow = deps.enforceSessionWindow && request.kind !== "template" && !deps.windows.isOpen(sender.number, request.toNumber);
    const failure = fault?.kind === "status_callback"
      ? { code: fault.code, status: fault.status }
      : outsideWindow ? { code: 63016, status: "undelivered" as const } : undefined;
    deps.statusCallbacks.run(send, deliverySteps(failure, deps.reportDelivery));

    // A dropped connection hides the outcome from the sender only: the message goes out as usual.
    if (fault?.kind === "drop_connection") return { dropConnection: true };
    return { httpStatus: 201, body: resource };
  };
}

type SenderResolution = { ok: true; number: string; viaService: boolean } | { ok: false; failure: TwilioFailure };

/** The sender is From when given (it must be the account's); otherwise the service's first number. */
function resolveSender(accounts: TwilioAccounts, accountSid: string, request: SendRequest): SenderResolution {
  if (request.messagingServiceSid !== undefined) {
    const service = accounts.service(request.messagingServiceSid);
    if (service === undefined || service.accountSid !== accountSid) return { ok: false, failure: twilioError(21705) };
    if (request.fromNumber === undefined) {
      const [first] = service.numbers;
      if (first === undefined) return { ok: false, failure: twilioError(21705) };
      return { ok: true, number: first, viaService: true };
    }
  }
  const hosted = request.fromNumber === undefined ? undefined : accounts.hosted(request.fromNumber);
  if (hosted === undefined || hosted.accountSid !== accountSid) return { ok: false, failure: twilioError(63007) };
  return { ok: true, number: hosted.number, viaService: false };
}

/**
 * Statuses posted after acceptance. "failed" means never handed to WhatsApp; "undelivered"
 * means WhatsApp took it and reported it undeliverable, so "sent" comes first.
 */
function deliverySteps(failure: { code: number; status: "failed" | "undelivered" } | undefined, reportDelivery: boolean): StatusStep[] {
  if (failure?.status === "failed") return [{ status: "queued" }, { status: "failed", errorCode: failure.code }];
  if (failure?.status === "undelivered") return [{ status: "queued" }, { status: "sent" }, { status: "undelivered", errorCode: failure.code }];
  return reportDelivery ? [{ status: "queued" }, { status: "sent" }, { status: "delivered" }] : [];
}
