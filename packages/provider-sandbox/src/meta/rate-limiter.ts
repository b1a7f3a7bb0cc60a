// Per-number throughput cap over a sliding one-second window, like the msg/s limit Meta
// enforces per business phone number (80 by default).
export class RateLimiter {
  readonly #hits = new Map<string, number[]>();
  #perSecond = 1;

  constructor(perSecond: number, private readonly now: () => number = Date.now) {
    this.setRate(perSecond);
  }

  get ratePerSecond(): number {
    return this.#perSecond;
  }

  setRate(perSecond: number): void {
    if (!Number.isInteger(perSecond) || perSecond < 1) throw new RangeError(`ratePerSecond must be a positive integer, got ${perSecond}`);
    this.#perSecond = perSecond;
  }

  /** Takes a slot for `key`; false (and no slot taken) when the last second is already full. */
  tryAcquire(key: string): boolean {
    const now = this.now();
    const hits = (this.#hits.get(key) ?? []).filter((t) => t > now - 1_000);
    const allowed = hits.length < this.#perSecond;
    if (allowed) hits.push(now);
    this.#hits.set(key, hits);
    return allowed;
  }

  reset(): void {
    this.#hits.clear();
  }
}
