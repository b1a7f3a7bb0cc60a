import { describe, expect, it } from "@jest/globals";
import { coalescedFlush } from "./coalesced-flush.js";

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A flush that writes the batch as it is when it starts, taking `ms`. */
function batching(ms = 0) {
  const batch: number[] = [];
  const written: number[][] = [];
  const flush = async () => {
    const taken = batch.splice(0);
    await delay(ms);
    if (taken.length > 0) written.push(taken);
  };
  return { batch, written, flush };
}

describe("coalescedFlush", () => {
  it("flushes once, at the next turn, for every ask of a turn", async () => {
    const { batch, written, flush } = batching();
    const flusher = coalescedFlush(flush);
    for (const item of [1, 2, 3]) {
      batch.push(item);
      flusher.schedule();
    }
    expect(written).toEqual([]);
    await nextTurn();
    await flusher.settled();
    expect(written).toEqual([[1, 2, 3]]);
  });

  it("with a delay, gathers the asks of that span into one flush", async () => {
    const { batch, written, flush } = batching();
    const flusher = coalescedFlush(flush, 60);
    batch.push(1);
    flusher.schedule();
    await delay(20);
    batch.push(2);
    flusher.schedule();
    expect(written).toEqual([]);
    await delay(80);
    await flusher.settled();
    expect(written).toEqual([[1, 2]]);
  });

  it("lets settled() wait for a slow flush, and flushes again what was asked while it ran", async () => {
    const { batch, written, flush } = batching(50);
    const flusher = coalescedFlush(flush);
    batch.push(1);
    flusher.schedule();
    await nextTurn();
    batch.push(2);
    flusher.schedule();
    await nextTurn();
    await flusher.settled();
    expect(written).toEqual([[1], [2]]);
  });

  it("keeps working after a flush that failed", async () => {
    let calls = 0;
    const flusher = coalescedFlush(async () => {
      calls += 1;
      if (calls === 1) throw new Error("redis away");
    });
    flusher.schedule();
    await nextTurn();
    await expect(flusher.settled()).resolves.toBeUndefined();
    flusher.schedule();
    await nextTurn();
    await flusher.settled();
    expect(calls).toBe(2);
  });
});
