import { describe, it, expect, jest } from "@jest/globals";
import { Writable } from "node:stream";
import { createLogger } from "./logger.js";
import { onShutdown, runShutdown, type ShutdownStep } from "./shutdown.js";

function quietLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service: "test-service", stream }), lines };
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("runShutdown", () => {
  it("runs the steps one after the other, in order, and reports a clean stop", async () => {
    const { logger } = quietLogger();
    const events: string[] = [];
    const step = (name: string, ms: number): ShutdownStep => ({
      name,
      run: async () => {
        events.push(`${name}:start`);
        await delay(ms);
        events.push(`${name}:end`);
      },
    });

    const clean = await runShutdown({ logger, steps: [step("http", 20), step("consumers", 5), step("postgres", 0)] });

    expect(clean).toBe(true);
    expect(events).toEqual(["http:start", "http:end", "consumers:start", "consumers:end", "postgres:start", "postgres:end"]);
  });

  it("keeps going after a failing step, logs it by name and reports an unclean stop", async () => {
    const { logger, lines } = quietLogger();
    const ran: string[] = [];

    const clean = await runShutdown({
      logger,
      steps: [
        { name: "http", run: async () => void ran.push("http") },
        { name: "redis", run: () => Promise.reject(new Error("connection already closed")) },
        { name: "postgres", run: async () => void ran.push("postgres") },
      ],
    });

    expect(clean).toBe(false);
    expect(ran).toEqual(["http", "postgres"]);
    expect(lines).toEqual([expect.objectContaining({ level: "error", message: "shutdown step failed", step: "redis" })]);
    expect(JSON.stringify(lines[0])).toContain("connection already closed");
  });

  it("cuts a hanging step at the deadline instead of waiting forever", async () => {
    const { logger, lines } = quietLogger();
    const started = Date.now();

    const clean = await runShutdown({ logger, timeoutMs: 100, steps: [{ name: "stuck consumer", run: () => new Promise(() => {}) }] });

    expect(clean).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(lines[0]).toMatchObject({ step: "stuck consumer" });
    expect(JSON.stringify(lines[0])).toContain("timed out");
  });

  it("still runs the remaining steps after a step hung until the deadline", async () => {
    const { logger } = quietLogger();
    const closed = jest.fn<() => void>();

    const clean = await runShutdown({
      logger,
      timeoutMs: 50,
      steps: [
        { name: "stuck", run: () => new Promise(() => {}) },
        // Still started, with whatever is left of the budget: pools must be closed even after a stuck step.
        { name: "pool", run: async () => closed() },
      ],
    });

    expect(clean).toBe(false);
    expect(closed).toHaveBeenCalledTimes(1);
  });
});

describe("onShutdown", () => {
  it("runs the steps once on the signal, even when it arrives twice, then exits 0", async () => {
    const { logger } = quietLogger();
    const run = jest.fn(() => delay(10));
    let exited: (code: number) => void = () => {};
    const exitCode = new Promise<number>((resolve) => (exited = resolve));

    onShutdown({ logger, steps: [{ name: "http", run }], signals: ["SIGUSR2"], exit: (code) => exited(code) });
    process.emit("SIGUSR2", "SIGUSR2");
    process.emit("SIGUSR2", "SIGUSR2");

    expect(await exitCode).toBe(0);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it("exits 1 when a step failed", async () => {
    const { logger } = quietLogger();
    let exited: (code: number) => void = () => {};
    const exitCode = new Promise<number>((resolve) => (exited = resolve));

    onShutdown({ logger, steps: [{ name: "redis", run: () => Promise.reject(new Error("boom")) }], signals: ["SIGUSR2"], exit: (code) => exited(code) });
    process.emit("SIGUSR2", "SIGUSR2");

    expect(await exitCode).toBe(1);
  });
});
