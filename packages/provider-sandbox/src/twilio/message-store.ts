// What the fake Twilio was asked to send: every accepted message (with its delivery status as it
// progresses) and every rejected request, with the form parameters exactly as parsed. Kept in the
// shared bounded record store, with accepted messages also indexed by SID.
import { digitsOf } from "../meta/wamid.js";
import { RecordStore, type RecordQueryBase } from "../shared/record-store.js";
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

export interface TwilioRecordQuery extends RecordQueryBase<TwilioOutcome> {
  /** Matched on digits, so "+1 555 0100" finds "whatsapp:+15550100". */
  to?: string;
  from?: string;
  accountSid?: string;
}

export class TwilioMessageStore extends RecordStore<TwilioRecord, TwilioRecordQuery> {
  readonly #bySid = new Map<string, TwilioAcceptedSend>();

  override add(record: TwilioRecord): void {
    if (record.outcome === "accepted") this.#bySid.set(record.sid, record);
    super.add(record);
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

  override clear(): void {
    super.clear();
    this.#bySid.clear();
  }

  protected override dropped(record: TwilioRecord): void {
    if (record.outcome === "accepted") this.#bySid.delete(record.sid);
  }

  protected override matcher(query: Omit<TwilioRecordQuery, "outcome">): (record: TwilioRecord) => boolean {
    const to = query.to === undefined ? undefined : digitsOf(query.to);
    const from = query.from === undefined ? undefined : digitsOf(query.from);
    return (r) =>
      (query.accountSid === undefined || r.accountSid === query.accountSid) &&
      (to === undefined || (r.to !== undefined && digitsOf(r.to) === to)) &&
      (from === undefined || (r.from !== undefined && digitsOf(r.from) === from));
  }
}
