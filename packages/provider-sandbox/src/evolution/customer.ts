// Plays the people on the other side of an instance: a customer writing to the linked number
// (text, media, button / list / native-flow replies) or the phone's owner typing on the phone
// itself (a fromMe message), delivered to the instance's webhook as messages.upsert the way
// Evolution builds it, followed by contacts.upsert / contacts.update. A delivered message can be
// delivered again with the same key.id, as WhatsApp and Evolution's retries do.
import { digitsOf } from "../meta/wamid.js";
import { SandboxError } from "../shared/sandbox-error.js";
import type { EvolutionInstance, InstanceRegistry } from "./instance-registry.js";
import { createJid, isGroupJid, isLidJid, newPhoneMessageId, userOf } from "./jid.js";
import {
  incomingMessage,
  placeholderContent,
  type InboundContent,
  type MediaFile,
  type MediaKind,
  type MessageKey,
  type MessageRaw,
  type ReplyContext,
} from "./message-payloads.js";
import type { EvolutionInboundRecord, EvolutionMessageStore } from "./message-store.js";
import { withBase64 } from "./send-message.use-case.js";
import type { WebhookDelivery } from "./webhook-dispatcher.js";
import type { EventPublisher } from "./webhook-events.js";

export interface EvolutionCustomerMedia {
  mimetype: string;
  caption?: string;
  fileName?: string;
  /** The file's bytes, base64. */
  base64?: string;
  /** Where the sandbox downloads the bytes from when no base64 is given (else a placeholder file is used). */
  url?: string;
}

export interface EvolutionCustomerMessage {
  instance: string;
  /** The contact: a phone number, or a JID (…@s.whatsapp.net, or …@lid for a contact known only by its LID). */
  from: string;
  pushName?: string;
  /** The contact's LID, reported as key.remoteJidAlt next to the phone number. */
  lid?: string;
  /** Typed by the instance's owner on the phone, in the chat with `from` (key.fromMe true). */
  fromMe?: boolean;
  /** Defaults to a fresh id shaped like the device's. */
  id?: string;
  device?: "android" | "ios";
  /** key.id of an earlier message this one replies to (quotes). */
  replyTo?: string;
  text?: string;
  /** Phones send plain text as `conversation`, and as `extendedTextMessage` with links or replies. */
  textFormat?: "conversation" | "extendedText";
  image?: EvolutionCustomerMedia;
  video?: EvolutionCustomerMedia;
  audio?: EvolutionCustomerMedia;
  document?: EvolutionCustomerMedia;
  buttonReply?: { id: string; title: string };
  listReply?: { id: string; title: string; description?: string };
  /** A reply to a native-flow (interactive) button, as Evolution's sendButtons produces today. */
  interactiveReply?: { id: string; title: string };
}

export interface EvolutionCustomerResult {
  keyId: string;
  remoteJid: string;
  /** The messages.upsert webhook's data. */
  message: MessageRaw;
  /** The webhook deliveries started (none when the instance's webhook does not take the event). */
  deliveries: WebhookDelivery[];
}

export interface EvolutionCustomer {
  send(input: EvolutionCustomerMessage): Promise<EvolutionCustomerResult>;
  /** Delivers a received message again (same key.id), as a retried or duplicated delivery does. */
  redeliver(input: { instance: string; keyId: string }): EvolutionCustomerResult;
}

export interface CustomerDeps {
  registry: InstanceRegistry;
  store: EvolutionMessageStore;
  events: EventPublisher;
  now: () => number;
  foldExtendedText: boolean;
}

const MEDIA_KINDS: readonly MediaKind[] = ["image", "video", "audio", "document"];

export function createEvolutionCustomer(deps: CustomerDeps): EvolutionCustomer {
  function connectedInstance(name: string): EvolutionInstance {
    const instance = deps.registry.get(name);
    if (instance === undefined) throw new SandboxError("UNKNOWN_INSTANCE", `instance ${name} does not exist`, 404);
    if (instance.state !== "open") throw new SandboxError("INSTANCE_NOT_CONNECTED", `instance ${name} is ${instance.state}: link it before messages can arrive`, 409);
    return instance;
  }

  /** messages.upsert, then the contact Evolution stores for the chat. */
  function announce(instance: EvolutionInstance, record: EvolutionInboundRecord): WebhookDelivery[] {
    const deliveries = [deps.events.publish(instance, "messages.upsert", withBase64(instance, record.message, record.media))];
    const contact = {
      remoteJid: record.remoteJid,
      pushName: record.fromMe ? "" : record.message.pushName,
      profilePicUrl: null,
      instanceId: instance.id,
    };
    const known = instance.contacts.has(record.remoteJid);
    instance.contacts.add(record.remoteJid);
    deliveries.push(deps.events.publish(instance, known ? "contacts.update" : "contacts.upsert", contact));
    return deliveries.filter((d): d is WebhookDelivery => d !== undefined);
  }

  async function mediaFile(kind: MediaKind, media: EvolutionCustomerMedia): Promise<MediaFile> {
    let content: Buffer;
    if (media.base64 !== undefined) content = Buffer.from(media.base64, "base64");
    else if (media.url !== undefined) content = await download(media.url);
    else content = placeholderContent(kind);
    return {
      kind,
      mimetype: media.mimetype,
      content,
      ...(media.caption === undefined ? {} : { caption: media.caption }),
      ...(media.fileName === undefined ? {} : { fileName: media.fileName }),
    };
  }

  async function contentOf(input: EvolutionCustomerMessage): Promise<{ content: InboundContent; media?: MediaFile }> {
    const given = [
      input.text === undefined ? undefined : "text",
      ...MEDIA_KINDS.map((kind) => (input[kind] === undefined ? undefined : kind)),
      input.buttonReply === undefined ? undefined : "buttonReply",
      input.listReply === undefined ? undefined : "listReply",
      input.interactiveReply === undefined ? undefined : "interactiveReply",
    ].filter((kind) => kind !== undefined);
    if (given.length !== 1) {
      throw new SandboxError("INVALID_REQUEST", "exactly one of text, image, video, audio, document, buttonReply, listReply, interactiveReply is required");
    }
    if (input.text !== undefined) return { content: { text: input.text, ...(input.textFormat === undefined ? {} : { format: input.textFormat }) } };
    if (input.buttonReply !== undefined) return { content: { buttonReply: input.buttonReply } };
    if (input.listReply !== undefined) return { content: { listReply: input.listReply } };
    if (input.interactiveReply !== undefined) return { content: { interactiveReply: input.interactiveReply } };
    for (const kind of MEDIA_KINDS) {
      const media = input[kind];
      if (media !== undefined) {
        const file = await mediaFile(kind, media);
        return { content: { media: file }, media: file };
      }
    }
    throw new SandboxError("INVALID_REQUEST", "no message content given");
  }

  function replyContext(instance: EvolutionInstance, replyTo: string | undefined): ReplyContext | undefined {
    if (replyTo === undefined) return undefined;
    const quoted = deps.store.findMessage(instance.name, replyTo);
    const participant = quoted === undefined || quoted.message.key.fromMe ? (instance.wuid ?? "") : quoted.remoteJid;
    if (quoted === undefined) return { stanzaId: replyTo, participant };
    const { messageContextInfo: _deviceInfo, base64: _bytes, ...quotedMessage } = quoted.message.message;
    return { stanzaId: replyTo, participant, quotedMessage };
  }

  return {
    async send(input) {
      const instance = connectedInstance(input.instance);
      const remoteJid = createJid(input.from).toLowerCase();
      if (isGroupJid(remoteJid)) throw new SandboxError("INVALID_REQUEST", "group chats are not modelled by the sandbox");
      const { content, media } = await contentOf(input);
      const fromMe = input.fromMe === true;
      const id = input.id ?? newPhoneMessageId(input.device);
      const key: MessageKey = {
        remoteJid,
        fromMe,
        id,
        ...(input.lid === undefined || isLidJid(remoteJid) ? {} : { remoteJidAlt: createJid(input.lid.includes("@") ? input.lid : `${digitsOf(input.lid)}@lid`), addressingMode: "pn" }),
      };
      const pushName = fromMe ? (instance.profileName ?? "Você") : (input.pushName ?? `Customer ${userOf(remoteJid).slice(-4)}`);
      const message = incomingMessage({
        instanceId: instance.id,
        key,
        pushName,
        status: fromMe ? "SERVER_ACK" : "DELIVERY_ACK",
        nowMs: deps.now(),
        content,
        reply: replyContext(instance, input.replyTo),
        foldExtendedText: deps.foldExtendedText,
      });
      const record: EvolutionInboundRecord = {
        direction: "inbound", outcome: "received", instance: instance.name, receivedAt: new Date(deps.now()).toISOString(),
        remoteJid, keyId: id, fromMe, messageType: message.messageType, message, ...(media === undefined ? {} : { media }),
      };
      deps.store.add(record);
      instance.knownJids.add(remoteJid);
      return { keyId: id, remoteJid, message, deliveries: announce(instance, record) };
    },

    redeliver({ instance: name, keyId }) {
      const instance = connectedInstance(name);
      const record = deps.store.received({ instance: name }).find((r) => r.keyId === keyId);
      if (record === undefined) throw new SandboxError("UNKNOWN_MESSAGE", `no message ${keyId} was received by ${name}`, 404);
      const delivery = deps.events.publish(instance, "messages.upsert", withBase64(instance, record.message, record.media));
      return { keyId, remoteJid: record.remoteJid, message: record.message, deliveries: delivery === undefined ? [] : [delivery] };
    },
  };
}

async function download(url: string): Promise<Buffer> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  } catch (cause) {
    throw new SandboxError("MEDIA_UNREACHABLE", `GET ${url} failed: ${cause instanceof Error ? cause.message : String(cause)}`, 502);
  }
}
