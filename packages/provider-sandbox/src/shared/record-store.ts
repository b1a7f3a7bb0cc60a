// The log every fake keeps of what it was asked to do (sends accepted or rejected, messages
// received, read receipts): in memory, in arrival order, bounded so a long-running demo does not
// grow without limit (the oldest go first). Tests await sends through events rather than polling.
// Each fake's store extends it with its record types and the query fields of its own.
import { EventEmitter } from "node:events";

/** What every fake's records carry: how the request ended, and when it arrived (ISO-8601). */
export interface StoredRecord {
  outcome: string;
  receivedAt: string;
}

/** The query fields every store understands; each fake adds its own (recipient, account, …). */
export interface RecordQueryBase<TOutcome extends string> {
  outcome?: TOutcome;
  /** Records received at or after this instant. */
  since?: Date;
}

/** The records of one outcome, e.g. the accepted sends. */
export type RecordWithOutcome<TRecord, TOutcome extends string> = Extract<TRecord, { outcome: TOutcome }>;

export abstract class RecordStore<TRecord extends StoredRecord, TQuery extends RecordQueryBase<TRecord["outcome"]>> {
  readonly #records: TRecord[] = [];
  readonly #events = new EventEmitter().setMaxListeners(0);

  constructor(private readonly capacity = 10_000) {}

  /** The test of the fake's own query fields (`outcome` and `since` are tested here), built once per query. */
  protected abstract matcher(query: Omit<TQuery, "outcome">): (record: TRecord) => boolean;

  /** Called for each record dropped to stay within capacity. */
  protected dropped(_record: TRecord): void {}

  add(record: TRecord): void {
    this.#records.push(record);
    while (this.#records.length > this.capacity) {
      const dropped = this.#records.shift();
      if (dropped !== undefined) this.dropped(dropped);
    }
    this.#events.emit("record", record);
  }

  list(query?: TQuery): TRecord[] {
    return this.#select(query?.outcome, query);
  }

  /** Accepted sends. */
  sent(query?: Omit<TQuery, "outcome">): RecordWithOutcome<TRecord, "accepted">[] {
    return this.withOutcome("accepted", query);
  }

  /** Requests the fake refused. */
  rejected(query?: Omit<TQuery, "outcome">): RecordWithOutcome<TRecord, "rejected">[] {
    return this.withOutcome("rejected", query);
  }

  /** Calls `listener` for every record added from now on; returns the unsubscribe function. */
  onRecord(listener: (record: TRecord) => void): () => void {
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
  waitFor(
    predicate: (send: RecordWithOutcome<TRecord, "accepted">) => boolean,
    timeoutMs = 5_000,
  ): Promise<RecordWithOutcome<TRecord, "accepted">> {
    const existing = this.sent().find(predicate);
    if (existing !== undefined) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const onRecord = (record: TRecord) => {
        if (!hasOutcome(record, "accepted") || !predicate(record)) return;
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

  protected withOutcome<TOutcome extends string>(outcome: TOutcome, query?: Omit<TQuery, "outcome">): RecordWithOutcome<TRecord, TOutcome>[] {
    return this.#select(outcome, query).filter((r) => hasOutcome(r, outcome));
  }

  /** The first record, oldest first, that satisfies `predicate`. */
  protected find<TFound extends TRecord>(predicate: (record: TRecord) => record is TFound): TFound | undefined {
    return this.#records.find(predicate);
  }

  #select(outcome: string | undefined, query: Omit<TQuery, "outcome"> | undefined): TRecord[] {
    const since = query?.since?.getTime();
    const matches = query === undefined ? undefined : this.matcher(query);
    return this.#records.filter((r) =>
      (outcome === undefined || r.outcome === outcome) &&
      (since === undefined || Date.parse(r.receivedAt) >= since) &&
      (matches === undefined || matches(r)));
  }
}

function hasOutcome<TRecord extends StoredRecord, TOutcome extends string>(record: TRecord, outcome: TOutcome): record is RecordWithOutcome<TRecord, TOutcome> {
  return record.outcome === outcome;
}
