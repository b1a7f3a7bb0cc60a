// The rules of POST /{version}/{phone_number_id}/messages, in the order Graph applies them:
// token, number, body, media ids, template, throughput, scripted faults, then acceptance; a free-form
// message outside the 24-hour window is accepted and then fails by webhook (131047). Every outcome
// is recorded.
import type { AccessTokens } from "./access-tokens.js";
import { statusError, type StatusUpdate, type WebhookMetadata } from "./customer.js";
import type { FaultInjector } from "./fault-injector.js";
import { graphError, invalidMediaIdError, unknownObjectError, type GraphFailure } from "./graph-error.js";
import type { MediaStore } from "./media-store.js";
import type { AcceptedSend, MessageStore } from "./message-store.js";
import type { RateLimiter } from "./rate-limiter.js";
import { parseMessagesRequest } from "./send-request.schema.js";
import type { ServiceWindows } from "./service-window.js";
import type { StatusNotifier } from "./status-notifier.js";
import type { TemplateCatalog } from "./template-catalog.js";
import { digitsOf, newWamid } from "./wamid.js";

export interface SendMessageDeps {
  /** Who may send from which number; a BSP fake that authenticates at its edge answers "ok". */
  tokens: Pick<AccessTokens, "check">;
  limiter: RateLimiter;
  faults: FaultInjector;
  store: MessageStore;
  now: () => number;
  metadataOf(phoneNumberId: string): WebhookMetadata;
  /** Absent when no callback URL is configured: no status webhooks then. */
  notifier?: StatusNotifier;
  /** Post sent + delivered statuses after each accepted send. */
  statusCallbacks: boolean;
  /** A send by media id must name media of this number; ids are not checked when absent. */
  media?: MediaStore;
  /** Approved templates; template sends are not checked when absent. */
  templates?: TemplateCatalog;
  /** Enforces the 24-hour customer service window when given. */
  windows?: ServiceWindows;
}

const WINDOW_CLOSED_DETAILS = "Message failed to send because more than 24 hours have passed since the customer last replied to this number.";

export interface MessagesInput {
  phoneNumberId: string;
  token: string | undefined;
  body: unknown;
}

/** What the HTTP layer does with a send: answer it, or (a scripted fault) drop the connection unanswered. */
export type GraphReply = { httpStatus: number; body: unknown } | { dropConnection: true };

export type SendMessage = (input: MessagesInput) => GraphReply;

export function createSendMessage(deps: SendMessageDeps): SendMessage {
  return ({ phoneNumberId, token, body }) => {
    const receivedAt = new Date(deps.now()).toISOString();
    const reject = (failure: GraphFailure): { httpStatus: number; body: unknown } => {
      deps.store.add({
        outcome: "rejected",
        phoneNumberId,
        ...pickStrings(body, ["to", "type"]),
        body,
        receivedAt,
        httpStatus: failure.httpStatus,
        code: failure.body.error.code,
        details: failure.body.error.error_data?.details,
      });
      return { httpStatus: failure.httpStatus, body: failure.body };
    };

    const access = deps.tokens.check(token, phoneNumberId);
    if (access === "invalid-token") return reject(graphError(190));
    if (access === "unknown-number") return reject(unknownObjectError(phoneNumberId));

    const parsed = parseMessagesRequest(body);
    if (!parsed.ok) return reject(parsed.failure);
    const request = parsed.request;
    if (request.kind === "read") {
      deps.store.add({ outcome: "read", phoneNumberId, messageId: request.messageId, body, receivedAt });
      return { httpStatus: 200, body: { success: true } };
    }

    const unknownMedia = deps.media === undefined ? undefined : request.mediaIds.find((ref) => deps.media?.get(ref.id)?.phoneNumberId !== phoneNumberId);
    if (unknownMedia !== undefined) return reject(invalidMediaIdError(unknownMedia.param));
    const templateFailure = request.template === undefined ? undefined : deps.templates?.check(request.template);
    if (templateFailure !== undefined) return reject(templateFailure);

    if (!deps.limiter.tryAcquire(phoneNumberId)) {
      return reject(graphError(130429, {
        details: "Message failed to send because there were too many messages sent from this phone number in a short period of time.",
      }));
    }
    const fault = deps.faults.take(phoneNumberId, request.to);
    if (fault?.kind === "graph_error" && fault.via === "response") {
      return reject(graphError(fault.code, { httpStatus: fault.httpStatus, details: fault.details }));
    }

    const waId = digitsOf(request.to);
    // Graph accepts a free-form message outside the window and reports the failure afterwards.
    const asyncFailure = fault?.kind === "graph_error"
      ? statusError(fault.code, fault.details)
      : deps.windows !== undefined && request.type !== "template" && !deps.windows.isOpen(phoneNumberId, waId)
        ? statusError(131047, WINDOW_CLOSED_DETAILS)
        : undefined;
    const send: AcceptedSend = {
      outcome: "accepted",
      phoneNumberId,
      to: request.to,
      waId,
      type: request.type,
      wamid: newWamid(request.to),
      body,
      receivedAt,
      ...(asyncFailure === undefined ? {} : { failedCode: asyncFailure.code }),
    };
    deps.store.add(send);

    // A dropped connection or a missing id hides the outcome from the sender only: WhatsApp delivers
    // the message and reports its statuses as usual.
    const statuses: StatusUpdate[] = asyncFailure !== undefined
      ? [{ id: send.wamid, status: "failed", recipientId: send.waId, errors: [asyncFailure] }]
      : deps.statusCallbacks
        ? [{ id: send.wamid, status: "sent", recipientId: send.waId }, { id: send.wamid, status: "delivered", recipientId: send.waId }]
        : [];
    if (statuses.length > 0) deps.notifier?.notify(deps.metadataOf(phoneNumberId), statuses);

    if (fault?.kind === "drop_connection") return { dropConnection: true };
    return {
      httpStatus: 200,
      body: {
        messaging_product: "whatsapp",
        contacts: [{ input: request.to, wa_id: send.waId }],
        messages: [fault?.kind === "missing_message_id" ? { message_status: "accepted" } : { id: send.wamid, message_status: "accepted" }],
      },
    };
  };
}

/** Best-effort `to`/`type` of a rejected body, so rejections can be filtered like sends. */
function pickStrings(body: unknown, keys: readonly ("to" | "type")[]): { to?: string; type?: string } {
  if (typeof body !== "object" || body === null) return {};
  const record = body as Record<string, unknown>;
  return Object.fromEntries(keys.flatMap((k) => (typeof record[k] === "string" ? [[k, record[k]]] : [])));
}
