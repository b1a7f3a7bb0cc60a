// Message records shaped like Evolution's `prepareMessage` output, the object a send answers with
// and webhooks carry in `data`: {key, pushName, status, message, contextInfo?, messageType,
// messageTimestamp, instanceId, source}. `message` holds the Baileys content after Evolution's
// JSON round trip (Long and byte fields in their JSON forms, extendedTextMessage folded into
// `conversation`); received messages also carry the `messageContextInfo` phones attach.
import { randomBytes } from "node:crypto";
import { deviceOf } from "./jid.js";
import { bytesJson, longJson, sha256, unixSeconds } from "./wire-json.js";

export const MESSAGE_STATUSES = ["ERROR", "PENDING", "SERVER_ACK", "DELIVERY_ACK", "READ", "PLAYED"] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export interface MessageKey {
  remoteJid: string;
  fromMe: boolean;
  id: string;
  /** The other address of the contact (its LID when remoteJid is the phone number). */
  remoteJidAlt?: string;
  addressingMode?: "pn" | "lid";
}

export interface MessageRaw {
  key: MessageKey;
  pushName: string;
  status: MessageStatus;
  message: Record<string, unknown>;
  contextInfo?: Record<string, unknown>;
  messageType: string;
  messageTimestamp: number;
  instanceId: string;
  source: string;
}

export type MediaKind = "image" | "video" | "audio" | "document";

export interface MediaFile {
  kind: MediaKind;
  mimetype: string;
  fileName?: string;
  caption?: string;
  /** The bytes, when known (Evolution downloads URLs; the sandbox only when told to). */
  content?: Buffer;
}

export type InboundContent =
  | { text: string; format?: "conversation" | "extendedText" }
  | { media: MediaFile }
  | { buttonReply: { id: string; title: string } }
  | { listReply: { id: string; title: string; description?: string } }
  | { interactiveReply: { id: string; title: string } };

/** What a reply to an earlier message carries in its contextInfo. */
export interface ReplyContext {
  stanzaId: string;
  participant: string;
  quotedMessage?: Record<string, unknown>;
}

export const mediaMessageType = (kind: MediaKind): string => `${kind}Message`;

/** contextInfo Evolution adds to every send to a contact (not a group). */
export function sendContextInfo(nowMs: number, reply?: ReplyContext): Record<string, unknown> {
  return {
    ...(reply === undefined ? {} : { stanzaId: reply.stanzaId, participant: reply.participant, quotedMessage: reply.quotedMessage }),
    mentionedJid: [],
    groupMentions: [],
    ephemeralSettingTimestamp: longJson(unixSeconds(nowMs) - 172_800, false),
    disappearingMode: { initiator: 0 },
  };
}

export interface OutgoingMessageInput {
  instanceId: string;
  remoteJid: string;
  id: string;
  nowMs: number;
  content: { text: string } | { media: MediaFile };
  contextInfo: Record<string, unknown>;
}

/** A send as Evolution answers it: status PENDING, pushName "Você", text folded into `conversation`. */
export function outgoingMessage(input: OutgoingMessageInput): MessageRaw {
  const [messageType, content] = "text" in input.content
    ? ["conversation", input.content.text]
    : [mediaMessageType(input.content.media.kind), mediaContent(input.content.media, input.nowMs)];
  return {
    key: { remoteJid: input.remoteJid, fromMe: true, id: input.id },
    pushName: "Você",
    status: "PENDING",
    message: { [messageType]: content },
    contextInfo: input.contextInfo,
    messageType,
    messageTimestamp: unixSeconds(input.nowMs),
    instanceId: input.instanceId,
    source: deviceOf(input.id),
  };
}

export interface IncomingMessageInput {
  instanceId: string;
  key: MessageKey;
  pushName: string;
  status: MessageStatus;
  nowMs: number;
  content: InboundContent;
  reply?: ReplyContext;
  /** Evolution 2.3.7 folds extendedTextMessage into `conversation`; older releases pass it through. */
  foldExtendedText: boolean;
}

/** A message typed on a phone (the customer's, or the linked phone's own), as messages.upsert carries it. */
export function incomingMessage(input: IncomingMessageInput): MessageRaw {
  const contextInfo = input.reply === undefined
    ? undefined
    : { stanzaId: input.reply.stanzaId, participant: input.reply.participant, ...(input.reply.quotedMessage === undefined ? {} : { quotedMessage: input.reply.quotedMessage }) };
  const [messageType, content] = inboundContent(input.content, input.nowMs, contextInfo);
  const message: Record<string, unknown> = {
    [messageType]: content,
    messageContextInfo: { deviceListMetadataVersion: 2, messageSecret: bytesJson(randomBytes(32)) },
  };
  const raw: MessageRaw = {
    key: input.key,
    pushName: input.pushName,
    status: input.status,
    message,
    ...(contextInfo === undefined ? {} : { contextInfo }),
    messageType,
    messageTimestamp: unixSeconds(input.nowMs),
    instanceId: input.instanceId,
    source: deviceOf(input.key.id),
  };
  if (messageType === "extendedTextMessage" && input.foldExtendedText && "text" in input.content) {
    // prepareMessage: the text moves to `conversation` (after messageContextInfo) and the type follows.
    delete message.extendedTextMessage;
    message.conversation = input.content.text;
    raw.messageType = "conversation";
  }
  return raw;
}

function inboundContent(content: InboundContent, nowMs: number, contextInfo: Record<string, unknown> | undefined): [string, unknown] {
  const withContext = (value: Record<string, unknown>) => (contextInfo === undefined ? value : { ...value, contextInfo });
  if ("text" in content) {
    const extended = content.format === "extendedText" || contextInfo !== undefined;
    return extended ? ["extendedTextMessage", withContext({ text: content.text })] : ["conversation", content.text];
  }
  if ("media" in content) return [mediaMessageType(content.media.kind), withContext(mediaContent(content.media, nowMs))];
  if ("buttonReply" in content) {
    return ["buttonsResponseMessage", withContext({ selectedButtonId: content.buttonReply.id, selectedDisplayText: content.buttonReply.title, type: 1 })];
  }
  if ("listReply" in content) {
    const { id, title, description } = content.listReply;
    return ["listResponseMessage", withContext({ title, listType: 1, singleSelectReply: { selectedRowId: id }, ...(description === undefined ? {} : { description }) })];
  }
  return ["interactiveResponseMessage", withContext({
    body: { text: content.interactiveReply.title, format: 0 },
    nativeFlowResponseMessage: { name: "quick_reply", paramsJson: JSON.stringify({ id: content.interactiveReply.id }), version: 3 },
  })];
}

/** The <kind>Message fields Baileys fills after uploading a file to WhatsApp's media servers. */
function mediaContent(file: MediaFile, nowMs: number): Record<string, unknown> {
  const bytes = file.content ?? Buffer.alloc(0);
  const mediaKey = randomBytes(32);
  const objectId = `${randomDigits(9)}_${randomDigits(16)}_${randomDigits(17)}_n.enc`;
  const directPath = `/v/t62.7118-24/${objectId}?ccb=11-4&oh=01_${randomBytes(24).toString("base64url")}&oe=${(unixSeconds(nowMs) + 2_592_000).toString(16).toUpperCase()}&_nc_sid=5e03e0`;
  const size = file.kind === "image" ? pngSize(bytes) : undefined;
  return {
    url: `https://mmg.whatsapp.net${directPath}&mms3=true`,
    mimetype: file.mimetype,
    ...(file.kind === "document" && file.fileName !== undefined ? { title: file.fileName } : {}),
    ...(file.caption === undefined ? {} : { caption: file.caption }),
    fileSha256: bytesJson(sha256(bytes)),
    fileLength: longJson(bytes.length, true),
    ...(size === undefined ? {} : size),
    ...(file.kind === "audio" ? { seconds: 1, ptt: false } : {}),
    ...(file.kind === "video" ? { seconds: 1, gifPlayback: false } : {}),
    mediaKey: bytesJson(mediaKey),
    ...(file.kind === "document" && file.fileName !== undefined ? { fileName: file.fileName } : {}),
    fileEncSha256: bytesJson(sha256(Buffer.concat([bytes, mediaKey]))),
    directPath,
    mediaKeyTimestamp: longJson(unixSeconds(nowMs), false),
  };
}

function randomDigits(count: number): string {
  return Array.from(randomBytes(count), (byte) => String(byte % 10)).join("").replace(/^0/, "1");
}

/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(bytes: Buffer): { height: number; width: number } | undefined {
  const signature = "89504e470d0a1a0a";
  if (bytes.length < 24 || bytes.subarray(0, 8).toString("hex") !== signature) return undefined;
  return { height: bytes.readUInt32BE(20), width: bytes.readUInt32BE(16) };
}

/** A 1×1 PNG, the picture a customer sends when a test gives no bytes. */
export const PLACEHOLDER_PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");

export function placeholderContent(kind: MediaKind): Buffer {
  switch (kind) {
    case "image":
      return PLACEHOLDER_PNG;
    case "document":
      return Buffer.from("%PDF-1.4\n% provider-sandbox placeholder\n%%EOF\n", "latin1");
    case "audio":
      return Buffer.concat([Buffer.from("OggS", "latin1"), Buffer.alloc(60)]);
    case "video":
      return Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from("ftypmp42", "latin1"), Buffer.alloc(12)]);
  }
}
