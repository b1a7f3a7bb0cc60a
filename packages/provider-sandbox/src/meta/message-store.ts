// What "WhatsApp" was asked to do: every accepted send, rejected request and read receipt, in
// memory and bounded so a long-running demo does not grow without limit. Tests await sends
// through events rather than polling.
import { EventEmitter } from "node:events";
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

export interface RecordQuery {
  /** Matched on digits, so "+1 555 0100" finds "15550100". */
  to?: string;
  phoneNumberId?: string;
  /** Records received at or after this instant. */
  since?: Date;
  outcome?: Outcome;
}

export class MessageStore {
  readonly #records: SandboxRecord[] = [];
  readonly #events = new EventEmitter().setMaxListeners(0);

  constructor(private readonly capacity = 10_000) {}

  add(record: SandboxRecord): void {
    this.#records.push(record);
    if (this.#records.length > this.capacity) this.#records.splice(0, this.#records.length - this.capacity);
    this.#events.emit("record", record);
  }

  list(query: RecordQuery = {}): SandboxRecord[] {
    const to = query.to === undefined ? undefined : digitsOf(query.to);
    const since = query.since?.getTime();
    return this.#records.filter((r) =>
      (query.outcome === undefined || r.outcome === query.outcome) &&
      (query.phoneNumberId === undefined || r.phoneNumberId === query.phoneNumberId) &&
      (to === undefined || ("to" in r && r.to !== undefined && digitsOf(r.to) === to)) &&
      (since === undefined || Date.parse(r.receivedAt) >= since));
  }

  sent(query: Omit<RecordQuery, "outcome"> = {}): AcceptedSend[] {
    return this.list({ ...query, outcome: "accepted" }).filter((r): r is AcceptedSend => r.outcome === "accepted");
  }

  rejected(query: Omit<RecordQuery, "outcome"> = {}): RejectedRequest[] {
    return this.list({ ...query, outcome: "rejected" }).filter((r): r is RejectedRequest => r.outcome === "rejected");
  }

  /** Calls `listener` for every record added from now on; returns the unsubscribe function. */
  onRecord(listener: (record: SandboxRecord) => void): () => void {
    this.#events.on("record", listener);
    return () => this.#events.off("record", listener);
  }

  clear(): void {
    this.#records.length = 0;
  }

  /**
   * Resolves with the first accepted send matching `predicate`, among those already recorded or
   * arriving later, so a caller that triggers the send before waiting cannot miss it.
   */
  waitFor(predicate: (send: AcceptedSend) => boolean, timeoutMs = 5_000): Promise<AcceptedSend> {
    const existing = this.sent().find(predicate);
    if (existing !== undefined) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const onRecord = (record: SandboxRecord) => {
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
