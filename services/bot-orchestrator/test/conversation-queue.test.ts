import { describe, expect, it } from "@jest/globals";
import { ConversationQueue } from "../src/consumers/conversation-queue.js";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("ConversationQueue", () => {
  it("runs one key's tasks one after another and different keys concurrently", async () => {
    const queue = new ConversationQueue();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await tick(ms);
      log.push(`end ${name}`);
    };
    await Promise.all([queue.run("a", task("a1", 30)), queue.run("a", task("a2", 0)), queue.run("b", task("b1", 0))]);
    expect(log.indexOf("end a1")).toBeLessThan(log.indexOf("start a2"));
    expect(log.indexOf("end b1")).toBeLessThan(log.indexOf("end a1"));
    expect(queue.active).toBe(0);
  });

  it("keeps going after a failed task and reports the failure to its caller only", async () => {
    const queue = new ConversationQueue();
    const failed = queue.run("a", () => Promise.reject(new Error("boom")));
    const next = queue.run("a", () => Promise.resolve("ok"));
    await expect(failed).rejects.toThrow("boom");
    await expect(next).resolves.toBe("ok");
  });
});
