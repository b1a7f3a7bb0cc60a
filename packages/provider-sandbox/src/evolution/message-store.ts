// What went through the fake Evolution server: every send it accepted or rejected and every
// message a phone delivered to an instance (the customer's, or the linked phone's own), with the
// media bytes kept so /chat/getBase64FromMediaMessage can return them. In memory and bounded.
// Tests wait for sends through events rather than polling.
import { EventEmitter } from "node:events";
import type { EvolutionErrorBody } from "./evolution-error.js";
import { userOf } from "./jid.js";
import type { MediaFile, MessageRaw, MessageStatus } from "./message-payloads.js";
import { digitsOf } from "../meta/wamid.js";

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

export type EvolutionRecord = EvolutionSendRecord | EvolutionRejectedRecord | EvolutionInboundRecord;
export type EvolutionOutcome = EvolutionRecord["outcome"];

export interface EvolutionRecordQuery {
  instance?: string;
  /** Matched on digits against the chat's JID (or the requested number of a rejected send). */
  number?: string;
  outcome?: EvolutionOutcome;
  /** Records received at or after this instant. */
  since?: Date;
}

export class EvolutionMessageStore {
  readonly #records: EvolutionRecord[] = [];
  readonly #events = new EventEmitter().setMaxListeners(0);

  constructor(private readonly capacity = 10_000) {}

  add(record: EvolutionRecord): void {
    this.#records.push(record);
    if (this.#records.length > this.capacity) this.#records.splice(0, this.#records.length - this.capacity);
    this.#events.emit("record", record);
  }

  list(query: EvolutionRecordQuery = {}): EvolutionRecord[] {
    const digits = query.number === undefined ? undefined : digitsOf(query.number);
    const since = query.since?.getTime();
    return this.#records.filter((r) =>
      (query.instance === undefined || r.instance === query.instance) &&
      (query.outcome === undefined || r.outcome === query.outcome) &&
      (digits === undefined || digitsOfRecord(r) === digits) &&
      (since === undefined || Date.parse(r.receivedAt) >= since));
  }

  sent(query: Omit<EvolutionRecordQuery, "outcome"> = {}): EvolutionSendRecord[] {
    return this.list({ ...query, outcome: "accepted" }).filter((r): r is EvolutionSendRecord => r.outcome === "accepted");
  }

  rejected(query: Omit<EvolutionRecordQuery, "outcome"> = {}): EvolutionRejectedRecord[] {
    return this.list({ ...query, outcome: "rejected" }).filter((r): r is EvolutionRejectedRecord => r.outcome === "rejected");
  }

  received(query: Omit<EvolutionRecordQuery, "outcome"> = {}): EvolutionInboundRecord[] {
    return this.list({ ...query, outcome: "received" }).filter((r): r is EvolutionInboundRecord => r.outcome === "received");
  }

  /** A message of `instance` by its key id, sent or received. */
  findMessage(instance: string, keyId: string): EvolutionSendRecord | EvolutionInboundRecord | undefined {
    return this.#records.find((r): r is EvolutionSendRecord | EvolutionInboundRecord =>
      r.instance === instance && r.outcome !== "rejected" && r.keyId === keyId);
  }

  clear(): void {
    this.#records.length = 0;
  }

  /** Resolves with the first accepted send matching `predicate`, already recorded or arriving later. */
  waitFor(predicate: (send: EvolutionSendRecord) => boolean, timeoutMs = 5_000): Promise<EvolutionSendRecord> {
    const existing = this.sent().find(predicate);
    if (existing !== undefined) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const onRecord = (record: EvolutionRecord) => {
        if (record.outcome !== "accepted" || !predicate(record)) return;
        clearTimeout(timer);
        this.#events.off("record", onRecord);
        resolve(record);
      };
      const timer = setTimeout(() => {
        this.#events.off("record", onRecord);
        reject(new Error(`no matching send within ${timeoutMs} ms (${this.sent().length} accepted sends recorded)`));
      }, timeoutMs);
      this.#events.on("record", onRecord);
    });
  }
}

function digitsOfRecord(record: EvolutionRecord): string | undefined {
  if (record.outcome === "rejected") return record.number === undefined ? undefined : digitsOf(record.number);
  return digitsOf(userOf(record.remoteJid));
}
