// The scheduler alone, with entries whose runs the test controls.
import { describe, expect, it } from "@jest/globals";
import { ConversationScheduler, type Disposition, type ScheduledEntry, type SchedulerOptions } from "../src/consumers/conversation-scheduler.js";

interface Harness {
  scheduler: ConversationScheduler;
  acked: string[];
  dead: { id: string; reason: string }[];
  started: string[];
  add(id: string, conversation: string, run?: () => Promise<Disposition>, botId?: string, partition?: number): void;
}

const ack: Disposition = { kind: "ack", outcome: "replied" };
const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await tick();
  }
}

function deferred(): { promise: Promise<Disposition>; resolve: (d: Disposition) => void } {
  let resolve: (d: Disposition) => void = () => undefined;
  const promise = new Promise<Disposition>((r) => (resolve = r));
  return { promise, resolve };
}

function harness(options: Partial<SchedulerOptions> = {}): Harness {
  const acked: string[] = [];
  const dead: { id: string; reason: string }[] = [];
  const started: string[] = [];
  const scheduler = new ConversationScheduler({
    ack: (_partition, id) => acked.push(id),
    deadLetter: async (entry, reason) => {
      dead.push({ id: entry.id, reason });
    },
    owns: () => true,
    maxInFlight: 100,
    maxInFlightPerBot: 100,
    maxAttempts: 3,
    retryDelayMs: () => 10,
    throttledDelayMs: 10,
    ...options,
  });
  return {
    scheduler,
    acked,
    dead,
    started,
    add(id, conversation, run = async () => ack, botId = "bot-a", partition = 0) {
      const entry: ScheduledEntry = {
        partition,
        id,
        conversation,
        botId,
        attempts: 0,
        run: () => {
          started.push(id);
          return run();
        },
      };
      scheduler.enqueue(entry);
    },
  };
}

describe("conversation scheduler", () => {
  it("runs one conversation strictly in order while another goes ahead in parallel", async () => {
    const h = harness();
    const first = deferred();
    h.add("a1", "ana", () => first.promise);
    h.add("a2", "ana");
    h.add("b1", "beto");
    await until(() => h.acked.includes("b1"));
    expect(h.started).toEqual(["a1", "b1"]);
    first.resolve(ack);
    await until(() => h.acked.length === 3);
    expect(h.acked.filter((id) => id.startsWith("a"))).toEqual(["a1", "a2"]);
  });

  it("retries a failing entry in place: the conversation's next entry waits, others do not", async () => {
    const h = harness({ maxAttempts: 10 });
    let failures = 2;
    h.add("a1", "ana", async () => (failures-- > 0 ? { kind: "retry", counted: true, reason: "reply_not_accepted" } : ack));
    h.add("a2", "ana");
    h.add("b1", "beto");
    await until(() => h.acked.length === 3);
    expect(h.started.filter((id) => id === "a1")).toHaveLength(3);
    expect(h.started.indexOf("a2")).toBeGreaterThan(h.started.lastIndexOf("a1"));
    expect(h.acked.indexOf("b1")).toBeLessThan(h.acked.indexOf("a1"));
  });

  it("dead-letters an entry after its last counted attempt and moves on to the conversation's next", async () => {
    const h = harness({ maxAttempts: 3 });
    h.add("a1", "ana", async () => ({ kind: "retry", counted: true, reason: "reply_not_accepted" }));
    h.add("a2", "ana");
    await until(() => h.acked.includes("a2"));
    expect(h.dead).toEqual([{ id: "a1", reason: "retries_exhausted:reply_not_accepted" }]);
    expect(h.started.filter((id) => id === "a1")).toHaveLength(3);
  });

  it("does not count throttled retries as failed attempts", async () => {
    const h = harness({ maxAttempts: 2 });
    let throttled = 5;
    h.add("a1", "ana", async () => (throttled-- > 0 ? { kind: "retry", counted: false, throttled: true, reason: "throttled" } : ack));
    await until(() => h.acked.includes("a1"));
    expect(h.dead).toHaveLength(0);
  });

  it("caps entries in flight per bot, so a slow bot leaves room for another bot's conversations", async () => {
    const h = harness({ maxInFlight: 4, maxInFlightPerBot: 2 });
    const slow = deferred();
    for (let i = 0; i < 10; i++) h.add(`slow${i}`, `slow-contact-${i}`, () => slow.promise, "slow-bot");
    for (let i = 0; i < 5; i++) h.add(`fast${i}`, `fast-contact-${i}`, async () => ack, "fast-bot");
    await until(() => h.acked.filter((id) => id.startsWith("fast")).length === 5);
    expect(h.started.filter((id) => id.startsWith("slow"))).toHaveLength(2);
    slow.resolve(ack);
    await until(() => h.acked.length === 15);
  });

  it("caps entries in flight per replica", async () => {
    const h = harness({ maxInFlight: 3 });
    const gate = deferred();
    for (let i = 0; i < 6; i++) h.add(`e${i}`, `contact-${i}`, () => gate.promise, `bot-${i}`);
    await tick(20);
    expect(h.scheduler.active).toBe(3);
    gate.resolve(ack);
    await until(() => h.acked.length === 6);
  });

  it("halves a throttled bot's concurrency and raises it again as its sends succeed", async () => {
    const h = harness({ maxInFlightPerBot: 8 });
    let throttles = 3;
    h.add("e0", "ana", async () => (throttles-- > 0 ? { kind: "retry", counted: false, throttled: true, reason: "throttled" } : ack));
    await until(() => h.acked.includes("e0"));
    // 8 → 4 → 2 → 1 after three throttles, then + 1 for the success.
    expect(h.scheduler.concurrencyOf("bot-a")).toBe(2);
    for (let i = 1; i <= 4; i++) h.add(`e${i}`, "ana");
    await until(() => h.acked.length === 5);
    expect(h.scheduler.concurrencyOf("bot-a")).toBe(6);
  });

  it("lets go of a partition: queued entries are dropped unacked, running ones finish and are acked", async () => {
    const h = harness();
    const running = deferred();
    h.add("p0-a1", "ana", () => running.promise, "bot-a", 0);
    h.add("p0-a2", "ana", async () => ack, "bot-a", 0);
    h.add("p1-b1", "beto", () => new Promise(() => undefined), "bot-a", 1);
    const released = h.scheduler.releasePartition(0);
    let done = false;
    void released.then(() => (done = true));
    await tick(20);
    expect(done).toBe(false);
    running.resolve(ack);
    await released;
    expect(h.acked).toEqual(["p0-a1"]);
    expect(h.started).not.toContain("p0-a2");
    expect(h.scheduler.buffered).toBe(1);
  });

  it("starts nothing of a partition it is not sure to own, and resumes when it is", async () => {
    let owned = false;
    const h = harness({ owns: () => owned });
    h.add("a1", "ana");
    await tick(20);
    expect(h.started).toHaveLength(0);
    owned = true;
    h.scheduler.resume();
    await until(() => h.acked.includes("a1"));
  });

  it("waits for room when the read-ahead buffer is full", async () => {
    const h = harness();
    const gate = deferred();
    for (let i = 0; i < 3; i++) h.add(`e${i}`, "ana", () => gate.promise);
    let room = false;
    void h.scheduler.waitForRoom(3).then(() => (room = true));
    await tick(20);
    expect(room).toBe(false);
    gate.resolve(ack);
    await until(() => room);
  });
});
