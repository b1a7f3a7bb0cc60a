// A time limit for one piece of work, cleared when the work ends. AbortSignal.timeout cannot be
// cleared: its timer fires later anyway, building a DOMException (stack trace included) and aborting
// a signal nobody listens to any more — on the send path that was two or three per message.

export interface Deadline {
  /** Aborts when the time is up (reason: a TimeoutError DOMException, as AbortSignal.timeout's) or when the outer signal does. */
  readonly signal: AbortSignal;
  /** The time ran out (not the outer signal). */
  readonly expired: boolean;
  /** The work ended: the timer and the link to the outer signal are dropped. */
  clear(): void;
}

export function deadline(ms: number, outer?: AbortSignal): Deadline {
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
  }, ms);
  // Like AbortSignal.timeout's: a pending limit does not keep the process alive.
  timer.unref();
  const followOuter = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener("abort", followOuter, { once: true });
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    clear() {
      clearTimeout(timer);
      outer?.removeEventListener("abort", followOuter);
    },
  };
}
