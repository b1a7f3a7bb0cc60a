// What the fake Twilio was asked to send: every accepted message (with its delivery status as it
// progresses) and every rejected request, with the form parameters exactly as parsed. Bounded,
// in memory; tests await sends through events rather than polling.
import { EventEmitter } from "node:events";
import { digitsOf } from "../meta/wamid.js";
import type { FormParams, SendKind } from "./send-request.schema.js";

export type TwilioMessageStatus = "accepted" | "queued" | "sent" | "delivered" | "read" | "undelivered" | "failed";

interface RecordBase {
  /** The account in the request path. */
  accountSid: string;
  /** The form parameters as received (repeated keys as arrays). */
  params: FormParams;
  /** ISO-8601 time the sandbox received the request. */
  receivedAt: string;
}

export interface TwilioAcceptedSend extends RecordBase {
  outcome: "accepted";
  sid: string;
  /** "whatsapp:+E164" of the sender actually used (chosen from the service when only MessagingServiceSid was given). */
  from: string;
  to: string;
  messagingServiceSid: string | null;
  kind: SendKind;
  body: string;
  mediaUrls: string[];
  contentSid?: string;
  contentVariables?: Record<string, string>;
  /** Where status callbacks go, if anywhere. */
  statusCallback?: string;
  status: TwilioMessageStatus;
  errorCode: number | null;
  dateCreated: number;
  dateUpdated: number;
  dateSent: number | null;
}

export interface TwilioRejectedRequest extends RecordBase {
  outcome: "rejected";
  from?: string;
  to?: string;
  httpStatus: number;
  code: number;
  message: string;
}

export type TwilioRecord = TwilioAcceptedSend | TwilioRejectedRequest;
export type TwilioOutcome = TwilioRecord["outcome"];

export interface TwilioRecordQuery {
  /** Matched on digits, so "+1 555 0100" finds "whatsapp:+15550100". */
  to?: string;
  from?: string;
  accountSid?: string;
  /** Records received at or after this instant. */
  since?: Date;
  outcome?: TwilioOutcome;
}

export class TwilioMessageStore {
  readonly #records: TwilioRecord[] = [];
  readonly #bySid = new Map<string, TwilioAcceptedSend>();
  readonly #events = new EventEmitter().setMaxListeners(0);

  constructor(private readonly capacity = 10_000) {}

  add(record: TwilioRecord): void {
    this.#records.push(record);
    if (record.outcome === "accepted") this.#bySid.set(record.sid, record);
    while (this.#records.length > this.capacity) {
      const dropped = this.#records.shift();
      if (dropped?.outcome === "accepted") this.#bySid.delete(dropped.sid);
    }
    this.#events.emit("record", record);
  }

  get(sid: string): TwilioAcceptedSend | undefined {
    return this.#bySid.get(sid);
  }

  /** Moves a message to a new delivery status (no-op for a message no longer kept). */
  updateStatus(sid: string, status: TwilioMessageStatus, at: number, errorCode: number | null = null): void {
    const send = this.#bySid.get(sid);
    if (send === undefined) return;
    send.status = status;
    send.dateUpdated = at;
    if (status === "sent" && send.dateSent === null) send.dateSent = at;
    if (errorCode !== null) send.errorCode = errorCode;
  }

  list(query: TwilioRecordQuery = {}): TwilioRecord[] {
    const to = query.to === undefined ? undefined : digitsOf(query.to);
    const from = query.from === undefined ? undefined : digitsOf(query.from);
    const since = query.since?.getTime();
    return this.#records.filter((r) =>
      (query.outcome === undefined || r.outcome === query.outcome) &&
      (query.accountSid === undefined || r.accountSid === query.accountSid) &&
      (to === undefined || (r.to !== undefined && digitsOf(r.to) === to)) &&
      (from === undefined || (r.from !== undefined && digitsOf(r.from) === from)) &&
      (since === undefined || Date.parse(r.receivedAt) >= since));
  }

  sent(query: Omit<TwilioRecordQuery, "outcome"> = {}): TwilioAcceptedSend[] {
    return this.list({ ...query, outcome: "accepted" }).filter((r): r is TwilioAcceptedSend => r.outcome === "accepted");
  }

  rejected(query: Omit<TwilioRecordQuery, "outcome"> = {}): TwilioRejectedRequest[] {
    return this.list({ ...query, outcome: "rejected" }).filter((r): r is TwilioRejectedRequest => r.outcome === "rejected");
  }

  /** Calls `listener` for every record added from now on; returns the unsubscribe function. */
  onRecord(listener: (record: TwilioRecord) => void): () => void {
    this.#events.on("record", listener);
    return () => this.#events.off("record", listener);
  }

  clear(): void {
    this.#records.length = 0;
    this.#bySid.clear();
  }

  /** Resolves with the first accepted send matching `predicate`, already recorded or arriving later. */
  waitFor(predicate: (send: TwilioAcceptedSend) => boolean, timeoutMs = 5_000): Promise<TwilioAcceptedSend> {
    const existing = this.sent().find(predicate);
    if (existing !== undefined) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const onRecord = (record: TwilioRecord) => {
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
