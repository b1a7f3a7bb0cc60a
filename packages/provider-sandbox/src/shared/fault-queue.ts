// Scripted failures, as every fake offers them: "the next N sends (those a fault targets) fail this
// way". Faults are consumed oldest first, one send at a time, and are gone once used up. Each fake's
// injector extends it with its fault kinds and its notion of which sends a fault targets.

/** What every queued fault carries: how many more sends it fails. */
export interface QueuedFault {
  remaining: number;
}

export class FaultQueue<TFault extends QueuedFault> {
  #faults: TFault[] = [];

  list(): TFault[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  clear(): void {
    this.#faults = [];
  }

  /** Queues `fault` for its `remaining` sends (the spec's `count`); returns a copy. */
  protected enqueue(fault: TFault): TFault {
    if (!Number.isInteger(fault.remaining) || fault.remaining < 1) throw new RangeError(`count must be a positive integer, got ${fault.remaining}`);
    this.#faults.push(fault);
    return { ...fault };
  }

  /** Consumes one failure of the oldest fault that `targets` the send; returns a copy of it. */
  protected takeFirst(targets: (fault: TFault) => boolean): TFault | undefined {
    const fault = this.#faults.find(targets);
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.#faults = this.#faults.filter((f) => f !== fault);
    return { ...fault };
  }
}
