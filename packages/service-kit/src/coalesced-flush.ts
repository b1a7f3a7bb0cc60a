// One write for many small ones: callers add to a batch and ask for a flush; the flush runs once
// for every ask made before it starts (at the next turn of the event loop, or `delayMs` later), so
// e.g. the acks of all the entries handled in one turn reach Redis together. A graceful stop waits
// for the flushes under way (`settled`) and then flushes what is left itself.

export interface CoalescedFlush {
  /** Asks for a flush; asks made before it starts share it. */
  schedule(): void;
  /** Resolves once every flush started so far has ended (their errors are the flush's own to handle). */
  settled(): Promise<void>;
}

export function coalescedFlush(flush: () => Promise<void>, delayMs = 0): CoalescedFlush {
  let scheduled = false;
  const underWay = new Set<Promise<void>>();
  const run = (): void => {
    scheduled = false;
    const flushing: Promise<void> = flush()
      .catch(() => undefined)
      .finally(() => underWay.delete(flushing));
    underWay.add(flushing);
  };
  return {
    schedule() {
      if (scheduled) return;
      scheduled = true;
      if (delayMs > 0) setTimeout(run, delayMs).unref();
      else setImmediate(run);
    },
    async settled() {
      await Promise.all(underWay);
    },
  };
}
