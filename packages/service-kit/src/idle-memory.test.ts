import { describe, expect, it } from "@jest/globals";
import { memoryLogger } from "@fleet/testing";
import { spawn } from "node:child_process";
import { once } from "node:events";
import v8 from "node:v8";
import { releaseMemoryWhenIdle } from "./idle-memory.js";

const MiB = 1024 * 1024;
const youngBytes = (): number => v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.physical_space_size ?? 0;
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Grows its young generation, checks every second, prints its log lines and the outcome. */
const CHILD = `
import { spawn } from "node:child_process";
import { once } from "node:events";
import v8 from "node:v8";
import { createLogger } from ${JSON.stringify(new URL("../dist/logger.js", import.meta.url).href)};
import { releaseMemoryWhenIdle } from ${JSON.stringify(new URL("../dist/idle-memory.js", import.meta.url).href)};
const young = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space").physical_space_size;
(${growYoungGeneration.toString()})();
console.log(JSON.stringify({ message: "grown", young: young() }));
const idle = releaseMemoryWhenIdle({ intervalMs: 1000, logger: createLogger({ service: "child", level: "debug" }) });
const started = Date.now();
const check = setInterval(() => {
  if (young() > 1024 * 1024 && Date.now() - started < 30000) return;
  clearInterval(check);
  idle.stop();
  console.log(JSON.stringify({ message: "done", young: young() }));
}, 250);
`;

/** Makes V8 grow its young generation: many objects that survive a few collections. */
function growYoungGeneration(): void {
  const kept: object[][] = [];
  for (let round = 0; round < 60; round++) {
    kept.push(Array.from({ length: 20_000 }, (_, index) => ({ index, round })));
    if (kept.length > 8) kept.shift();
  }
}

/** Keeps the event loop busy (work in 20 ms slices) for `ms`. */
async function busyFor(ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const slice = performance.now() + 20;
    while (performance.now() < slice);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe("releaseMemoryWhenIdle", () => {
  it("gives a grown young generation back once the process is idle", async () => {
    // In a process of its own: how fast V8 gives the space back depends on how much the process
    // allocated in the last seconds, which in a test worker depends on the files it ran before.
    const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const [code] = (await once(child, "exit")) as [number | null];
    const lines = out.split("\n").filter((line) => line.trim()).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(code).toBe(0);
    expect(lines[0]).toMatchObject({ message: "grown", young: expect.any(Number) });
    expect(lines[0]?.young).toBeGreaterThan(4 * MiB);
    const collections = lines.filter((line) => line.message === "idle: full collection");
    expect(collections.length).toBeGreaterThan(0);
    expect(collections.at(-1)).toMatchObject({ youngMiB: [expect.any(Number), 1] });
    expect(lines.at(-1)).toMatchObject({ message: "done" });
    expect(lines.at(-1)?.young).toBeLessThanOrEqual(MiB);
  }, 40_000);

  it("leaves a busy process alone", async () => {
    growYoungGeneration();
    const { logger, lines } = memoryLogger("test-service", "debug");
    const idle = releaseMemoryWhenIdle({ intervalMs: 200, logger });
    try {
      await busyFor(1500);
    } finally {
      idle.stop();
    }
    expect(youngBytes()).toBeGreaterThan(4 * MiB);
    expect(lines.filter((line) => line.message === "idle: full collection")).toEqual([]);
  });

  it("never collects with a zero interval", async () => {
    growYoungGeneration();
    const { logger, lines } = memoryLogger("test-service", "debug");
    const idle = releaseMemoryWhenIdle({ intervalMs: 0, logger });
    await delay(300);
    idle.stop();
    expect(lines).toEqual([]);
    expect(youngBytes()).toBeGreaterThan(4 * MiB);
  });
});
