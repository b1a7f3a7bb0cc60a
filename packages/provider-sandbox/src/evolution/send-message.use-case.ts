// The rules of POST /message/sendText and /message/sendMedia, in the order Evolution applies
// them: the body schema, the content itself (text not blank; the media decoded, or fetched, and
// named), the recipient check against WhatsApp (skipped for numbers already in the instance's
// onWhatsApp cache), the typing delay, the send over the Baileys socket (which fails when the
// connection is not open), scripted faults, then acceptance: 201 with the message as PENDING,
// a send.message webhook, and SERVER_ACK → DELIVERY_ACK (→ READ) as messages.update webhooks.
import { setTimeout as sleep } from "node:timers/promises";
import type { PendingWork } from "../shared/pending-work.js";
import { SandboxError } from "../shared/sandbox-error.js";
import { badRequest, errorForStatus, EvolutionError, internalError, unhandledError } from "./evolution-error.js";
import type { EvolutionFaults } from "./fault-injector.js";
import type { EvolutionInstance, InstanceRegistry } from "./instance-registry.js";
import { createJid, isGroupJid, isLidJid, newOutgoingMessageId } from "./jid.js";
import {
  outgoingMessage,
  sendContextInfo,
  type MediaFile,
  type MediaKind,
  type MessageRaw,
  type MessageStatus,
  type ReplyContext,
} from "./message-payloads.js";
import type { EvolutionMessageStore, EvolutionSendRecord } from "./message-store.js";
import { lookupMimeType } from "./mime-types.js";
import { parseSendMedia, parseSendText, type SendMediaRequest, type SendTextRequest } from "./request-schemas.js";
import type { EventPublisher } from "./webhook-events.js";
import type { WhatsAppDirectory } from "./whatsapp-directory.js";
import { newRecordId } from "./wire-json.js";

/** Statuses a sent message goes through after PENDING (messages.update). */
export type DeliveryStatus = Extract<MessageStatus, "SERVER_ACK" | "DELIVERY_ACK" | "READ">;

export interface SendMessageDeps {
  registry: InstanceRegistry;
  store: EvolutionMessageStore;
  faults: EvolutionFaults;
  events: EventPublisher;
  directory: WhatsAppDirectory;
  work: PendingWork;
  now: () => number;
  /** Statuses reported after each accepted send, in order. */
  statuses: readonly DeliveryStatus[];
  /** Wait before each of them. */
  statusDelayMs: number;
  /** Download media URLs like Evolution does (a failing URL then fails the send). */
  fetchMediaUrls: boolean;
}

/** What the HTTP layer does: answer (then run `afterAnswer`), or drop the connection unanswered. */
export type SendReply =
  | { httpStatus: number; body: MessageRaw; afterAnswer: () => void }
  | { dropConnection: true; afterAnswer: () => void };

type Endpoint = EvolutionSendRecord["endpoint"];

const NODE_BUFFER_TYPE_ERROR =
  "TypeError [ERR_INVALID_ARG_TYPE]: The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received undefined";

export type SendMessage = ReturnType<typeof createSendMessage>;

export function createSendMessage(deps: SendMessageDeps) {
  const receivedAt = () => new Date(deps.now()).toISOString();

  /** Runs one send, recording a rejection for any Evolution error it answers with. */
  async function recorded(instance: EvolutionInstance, endpoint: Endpoint, body: unknown, run: () => Promise<SendReply>): Promise<SendReply> {
    const at = receivedAt();
    try {
      return await run();
    } catch (error) {
      if (error instanceof EvolutionError) {
        deps.store.add({
          direction: "outbound", outcome: "rejected", instance: instance.name, endpoint, receivedAt: at,
          number: numberOf(body), httpStatus: error.httpStatus, request: body, error: error.body,
        });
      }
      throw error;
    }
  }

  /**
   * whatsappNumber + the socket: the JID to send to, or Evolution's error. With the connection
   * down, the onWhatsApp query fails outside Evolution's try block (a raw 500) unless the number
   * is cached, in which case the send itself fails (400 "Error: Connection Closed").
   */
  function resolveRecipient(instance: EvolutionInstance, number: string): string {
    const jid = createJid(number).toLowerCase();
    if (isGroupJid(jid)) {
      // findGroup throws a NotFoundException object, which the send's catch turns into a string.
      throw badRequest("[object Object]");
    }
    const cached = isLidJid(jid) || instance.knownJids.has(jid);
    if (instance.state !== "open") {
      if (!instance.socketStarted) throw unhandledError("Cannot read properties of undefined (reading 'onWhatsApp')");
      if (!cached) throw unhandledError("Connection Closed");
      throw badRequest("Error: Connection Closed");
    }
    if (!cached && !deps.directory.isOnWhatsApp(jid)) throw badRequest({ jid, exists: false, number });
    return jid;
  }

  /** Options.quoted: the quoted message comes from the request or from the stored messages. */
  function replyContext(instance: EvolutionInstance, quoted: SendTextRequest["quoted"]): ReplyContext | undefined {
    const key = quoted?.key;
    if (key === undefined) return undefined;
    const stored = deps.store.findMessage(instance.name, key.id);
    const quotedMessage = quoted?.message ?? stored?.message.message;
    if (quotedMessage === undefined) return undefined;
    const fromMe = key.fromMe ?? stored?.message.key.fromMe ?? false;
    const participant = fromMe ? (instance.wuid ?? "") : (key.remoteJid ?? stored?.message.key.remoteJid ?? "");
    return { stanzaId: key.id, participant, quotedMessage };
  }

  async function deliver(
    instance: EvolutionInstance,
    endpoint: Endpoint,
    request: SendTextRequest | SendMediaRequest,
    body: unknown,
    content: { text: string } | { media: MediaFile },
  ): Promise<SendReply> {
    const jid = resolveRecipient(instance, request.number);
    if (request.delay !== undefined && request.delay > 0) await sleep(request.delay);
    if (instance.state !== "open") throw badRequest("Error: Connection Closed");

    const fault = deps.faults.take(instance.name, request.number);
    if (fault?.kind === "http_error") throw errorForStatus(fault.status, fault.message);

    const nowMs = deps.now();
    const message = outgoingMessage({
      instanceId: instance.id,
      remoteJid: jid,
      id: newOutgoingMessageId(),
      nowMs,
      content,
      contextInfo: sendContextInfo(nowMs, replyContext(instance, request.quoted)),
    });
    const record: EvolutionSendRecord = {
      direction: "outbound", outcome: "accepted", instance: instance.name, endpoint, receivedAt: receivedAt(),
      number: request.number, remoteJid: jid, keyId: message.key.id, messageType: message.messageType, status: message.status,
      request: body, message, messageId: newRecordId(), ...("media" in content ? { media: content.media } : {}),
    };
    deps.store.add(record);
    instance.knownJids.add(jid);
    deps.events.publish(instance, "send.message", withBase64(instance, message, "media" in content ? content.media : undefined));

    const afterAnswer = () => reportStatuses(instance, record);
    // The message went out: a dropped connection only hides that from the caller.
    if (fault?.kind === "drop_connection") return { dropConnection: true, afterAnswer };
    return { httpStatus: 201, body: message, afterAnswer };
  }

  function reportStatuses(instance: EvolutionInstance, record: EvolutionSendRecord): void {
    if (deps.statuses.length === 0) return;
    void deps.work.track((async () => {
      for (const status of deps.statuses) {
        await sleep(deps.statusDelayMs);
        if (deps.registry.get(instance.name) !== instance || instance.state !== "open") return;
        updateStatus(instance, record, status);
      }
    })());
  }

  function updateStatus(instance: EvolutionInstance, record: EvolutionSendRecord, status: MessageStatus): void {
    record.status = status;
    deps.events.publish(instance, "messages.update", {
      keyId: record.keyId,
      remoteJid: record.remoteJid,
      fromMe: true,
      status,
      instanceId: instance.id,
      messageId: record.messageId,
    });
  }

  /** prepareMediaMessage: runs before the recipient check, so its failures come first. */
  async function prepareMedia(request: SendMediaRequest): Promise<MediaFile> {
    if (request.media === undefined) throw internalError(NODE_BUFFER_TYPE_ERROR);
    const isUrl = looksLikeUrl(request.media);
    const content = isUrl ? (deps.fetchMediaUrls ? await download(request.media) : undefined) : Buffer.from(request.media, "base64");
    const kind: MediaKind = request.mediatype;

    let fileName = request.fileName;
    if (kind === "image") fileName ??= "image.jpg";
    if (kind === "video") fileName ??= "video.mp4";
    if (kind === "document" && fileName === undefined) {
      // Evolution names a document after its URL path; a base64 document without fileName fails here.
      const match = /.*\/(.+?)\./.exec(request.media);
      if (match === null) throw internalError("TypeError: Cannot read properties of null (reading '1')");
      fileName = match[1];
    }

    // Images are converted to JPEG. Otherwise the given type wins, then the file name's (an
    // unknown extension gives the string "false", as mime.lookup's false does in Evolution).
    let mimetype = kind === "image"
      ? "image/jpeg"
      : request.mimetype || (fileName === undefined ? fallbackMimetype(request.media, isUrl) : String(lookupMimeType(fileName)));
    if (mimetype === "application/mp4") mimetype = "video/mp4";
    return { kind, mimetype, ...(fileName === undefined ? {} : { fileName }), ...(request.caption === undefined ? {} : { caption: request.caption }), ...(content === undefined ? {} : { content }) };
  }

  return {
    async sendText(instance: EvolutionInstance, body: unknown): Promise<SendReply> {
      return recorded(instance, "sendText", body, async () => {
        const request = parseSendText(body);
        if (request.text.trim().length === 0) throw badRequest("Text is required");
        return deliver(instance, "sendText", request, body, { text: request.text });
      });
    },

    async sendMedia(instance: EvolutionInstance, body: unknown): Promise<SendReply> {
      return recorded(instance, "sendMedia", body, async () => {
        const request = parseSendMedia(body);
        const media = await prepareMedia(request);
        return deliver(instance, "sendMedia", request, body, { media });
      });
    },

    /** Reports a new status for a sent message (e.g. the customer read it). */
    setStatus(instanceName: string, keyId: string, status: MessageStatus): EvolutionSendRecord {
      const instance = deps.registry.get(instanceName);
      if (instance === undefined) throw new SandboxError("UNKNOWN_INSTANCE", `instance ${instanceName} does not exist`, 404);
      const record = deps.store.sent({ instance: instanceName }).find((r) => r.keyId === keyId);
      if (record === undefined) throw new SandboxError("UNKNOWN_MESSAGE", `no message ${keyId} was sent by ${instanceName}`, 404);
      updateStatus(instance, record, status);
      return record;
    },

    /** POST /chat/whatsappNumbers: the same check a send makes, for each number. */
    whatsappNumbers(instance: EvolutionInstance, numbers: readonly string[]) {
      return numbers.map((number) => {
        const jid = createJid(number).toLowerCase();
        const cached = isLidJid(jid) || instance.knownJids.has(jid);
        if (instance.state !== "open" && !cached) {
          if (!instance.socketStarted) throw unhandledError("Cannot read properties of undefined (reading 'onWhatsApp')");
          throw unhandledError("Connection Closed");
        }
        const exists = cached || deps.directory.isOnWhatsApp(jid);
        if (exists) instance.knownJids.add(jid);
        return { jid, exists, number };
      });
    },
  };

  /** Evolution fetches the URL itself (axios); an error status or network failure fails the send. */
  async function download(url: string): Promise<Buffer> {
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      throw internalError(`AxiosError: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!response.ok) throw internalError(`AxiosError: Request failed with status code ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  }
}

/** webhookBase64: media messages carry their bytes in message.base64. */
export function withBase64(instance: EvolutionInstance, message: MessageRaw, media: MediaFile | undefined): MessageRaw {
  if (instance.webhook?.webhookBase64 !== true || media?.content === undefined) return message;
  return { ...message, message: { ...message.message, base64: media.content.toString("base64") } };
}

/** No type given or derivable from a file name: the URL's extension, else a generic type. */
function fallbackMimetype(media: string, isUrl: boolean): string {
  if (!isUrl) return "application/octet-stream";
  const path = media.split(/[?#]/)[0] ?? media;
  return lookupMimeType(path.split("/").pop() ?? "") || "application/octet-stream";
}

/**
 * class-validator's isURL with its defaults, which decides "URL or base64" in Evolution: http,
 * https or ftp (the protocol may be left out), and a host that is an IP address or ends in a
 * top-level domain, so "http://localhost:3000/a.png" is NOT a URL and is decoded as base64.
 */
export function looksLikeUrl(value: string): boolean {
  if (value.length === 0 || /\s/.test(value)) return false;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z\d+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    return false;
  }
  if (!["http:", "https:", "ftp:"].includes(url.protocol)) return false;
  const host = url.hostname;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith("[")) return true;
  const labels = host.split(".");
  const tld = labels.at(-1) ?? "";
  return labels.length > 1 && labels.every((label) => label.length > 0) && /^([a-z\u00a1-\uffff]{2,}|xn--[a-z\d-]{2,})$/i.test(tld);
}

function numberOf(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const value: unknown = Reflect.get(body, "number");
  return typeof value === "string" ? value : undefined;
}
