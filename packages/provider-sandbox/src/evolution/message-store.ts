// What went through the fake Evolution server: every send it accepted or rejected and every
// message a phone delivered to an instance (the customer's, or the linked phone's own), with the
// media bytes kept so /chat/getBase64FromMediaMessage can return them. Kept in the shared bounded
// record store.
import { digitsOf } from "../meta/wamid.js";
import { RecordStore, type RecordQueryBase } from "../shared/record-store.js";
import type { EvolutionErrorBody } from "./evolution-error.js";
import { userOf } from "./jid.js";
import type { MediaFile, MessageRaw, MessageStatus } from "./message-payloads.js";

/** A send the server accepted, one it rejected, or a message a phone delivered to an instance. */
export type EvolutionRecord = EvolutionSendRecord | EvolutionRejectedRecord | EvolutionInboundRecord;
export type EvolutionOutcome = EvolutionRecord["outcome"];

interface RecordBase {
  instance: string;
  /** ISO-8601 time the sandbox received the request or the message. */
  receivedAt: string;
}

export interface EvolutionSendRecord extends RecordBase {
  direction: "outbound";
  outcome: "accepted";
  endpoint: "sendText" | "sendMedia";
  /** `number` exactly as the request gave it. */
  number: string;
  remoteJid: string;
  keyId: string;
  messageType: string;
  /** Latest status (PENDING, then SERVER_ACK, DELIVERY_ACK, READ as updates are sent). */
  status: MessageStatus;
  /** The request body as received (parsed JSON). */
  request: unknown;
  /** The message as the send answered it (also the send.message webhook's data). */
  message: MessageRaw;
  /** Database id Evolution reports in messages.update as `messageId`. */
  messageId: string;
  media?: MediaFile;
}

export interface EvolutionRejectedRecord extends RecordBase {
  direction: "outbound";
  outcome: "rejected";
  endpoint: "sendText" | "sendMedia";
  number?: string;
  httpStatus: number;
  request: unknown;
  error: EvolutionErrorBody;
}

export interface EvolutionInboundRecord extends RecordBase {
  direction: "inbound";
  outcome: "received";
  remoteJid: string;
  keyId: string;
  fromMe: boolean;
  messageType: string;
  /** The messages.upsert webhook's data. */
  message: MessageRaw;
  media?: MediaFile;
}

export interface EvolutionRecordQuery extends RecordQueryBase<EvolutionOutcome> {
  instance?: string;
  /** Matched on digits against the chat's JID (or the requested number of a rejected send). */
  number?: string;
}

export class EvolutionMessageStore extends RecordStore<EvolutionRecord, EvolutionRecordQuery> {
  /** Messages phones delivered to instances. */
  received(query?: Omit<EvolutionRecordQuery, "outcome">): EvolutionInboundRecord[] {
    return this.withOutcome("received", query);
  }

  /** A message of `instance` by its key id, sent or received. */
  findMessage(instance: string, keyId: string): EvolutionSendRecord | EvolutionInboundRecord | undefined {
    return this.find((r): r is EvolutionSendRecord | EvolutionInboundRecord =>
      r.instance === instance && r.outcome !== "rejected" && r.keyId === keyId);
  }

  protected override matcher(query: Omit<EvolutionRecordQuery, "outcome">): (record: EvolutionRecord) => boolean {
    const digits = query.number === undefined ? undefined : digitsOf(query.number);
    return (r) => (query.instance === undefined || r.instance === query.instance) && (digits === undefined || digitsOfRecord(r) === digits);
  }
}

function digitsOfRecord(record: EvolutionRecord): string | undefined {
  if (record.outcome === "rejected") return record.number === undefined ? undefined : digitsOf(record.number);
  return digitsOf(userOf(record.remoteJid));
}
