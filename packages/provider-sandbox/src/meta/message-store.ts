// What "WhatsApp" was asked to do: every accepted send, rejected request and read receipt, kept
// in the shared bounded record store and queried by number and recipient.
import { RecordStore, type RecordQueryBase } from "../shared/record-store.js";
import { digitsOf } from "./wamid.js";

interface RecordBase {
  phoneNumberId: string;
  /** The request body exactly as received (parsed JSON). */
  body: unknown;
  /** ISO-8601 time the sandbox received the request. */
  receivedAt: string;
}

export interface AcceptedSend extends RecordBase {
  outcome: "accepted";
  to: string;
  waId: string;
  type: string;
  wamid: string;
  /** Set when the send was accepted but fails by status webhook (a webhook fault, 131047 outside the window). */
  failedCode?: number;
}

export interface RejectedRequest extends RecordBase {
  outcome: "rejected";
  to?: string;
  type?: string;
  httpStatus: number;
  code: number;
  details?: string;
}

export interface ReadReceipt extends RecordBase {
  outcome: "read";
  messageId: string;
}

export type SandboxRecord = AcceptedSend | RejectedRequest | ReadReceipt;
export type Outcome = SandboxRecord["outcome"];

export interface RecordQuery extends RecordQueryBase<Outcome> {
  /** Matched on digits, so "+1 555 0100" finds "15550100". */
  to?: string;
  phoneNumberId?: string;
}

export class MessageStore extends RecordStore<SandboxRecord, RecordQuery> {
  protected override matcher(query: Omit<RecordQuery, "outcome">): (record: SandboxRecord) => boolean {
    const to = query.to === undefined ? undefined : digitsOf(query.to);
    return (r) =>
      (query.phoneNumberId === undefined || r.phoneNumberId === query.phoneNumberId) &&
      (to === undefined || ("to" in r && r.to !== undefined && digitsOf(r.to) === to));
  }
}
