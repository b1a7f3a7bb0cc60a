import { describe, expect, it } from "@jest/globals";
import { deadline } from "./deadline.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("deadline", () => {
  it("aborts with a TimeoutError when the time is up, and says it expired", async () => {
    const limit = deadline(10);
    await sleep(30);
    expect(limit.signal.aborted).toBe(true);
    expect(limit.expired).toBe(true);
    expect((limit.signal.reason as DOMException).name).toBe("TimeoutError");
  });

  it("never fires once cleared", async () => {
    const limit = deadline(10);
    limit.clear();
    await sleep(30);
    expect(limit.signal.aborted).toBe(false);
    expect(limit.expired).toBe(false);
  });

  it("follows the outer signal (with its reason) without calling that an expiry, and lets go of it when cleared", async () => {
    const outer = new AbortController();
    const limit = deadline(10_000, outer.signal);
    outer.abort(new Error("caller gave up"));
    expect(limit.signal.aborted).toBe(true);
    expect((limit.signal.reason as Error).message).toBe("caller gave up");
    expect(limit.expired).toBe(false);
    limit.clear();

    const already = new AbortController();
    already.abort("before");
    expect(deadline(10_000, already.signal).signal.reason).toBe("before");

    const later = new AbortController();
    const cleared = deadline(10_000, later.signal);
    cleared.clear();
    later.abort("after");
    expect(cleared.signal.aborted).toBe(false);
  });
});
