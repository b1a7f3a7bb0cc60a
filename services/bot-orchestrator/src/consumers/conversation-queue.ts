// Runs tasks strictly one after another per key (a conversation: bot +
// contact) while different keys run in parallel.
export class ConversationQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Number of conversations with work queued or running. */
  get active(): number {
    return this.tails.size;
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
