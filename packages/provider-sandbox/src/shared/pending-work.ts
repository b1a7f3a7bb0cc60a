// Background work started by the sandbox (webhook deliveries and their retries, scheduled status
// updates), so tests and shutdown can wait until everything in flight has finished.
export class PendingWork {
  readonly #pending = new Set<Promise<unknown>>();

  track<T>(work: Promise<T>): Promise<T> {
    const tracked = work.finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
    return tracked;
  }

  /** Resolves once nothing is pending, including work started while waiting. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }
}
