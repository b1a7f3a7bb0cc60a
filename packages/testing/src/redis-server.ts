// A private redis-server process, for tests that stop or restart Redis
// without disturbing the shared server other test files use.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./ports.js";

export interface PrivateRedis {
  port: number;
  /** Process id while running (for CPU/memory measurements). */
  readonly pid: number | undefined;
  url: string;
  /** Starts (or restarts) the server on the same port and data directory. */
  start(): Promise<void>;
  /** SIGKILL-free stop: SHUTDOWN NOSAVE-like termination, waits for exit. */
  stop(): Promise<void>;
  /** Stops the server and removes its data directory. */
  destroy(): Promise<void>;
}

export async function startRedisServer({ appendOnly = false }: { appendOnly?: boolean } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "fleet-redis-"));
  let child: ChildProcess | null = null;

  async function waitReady(): Promise<void> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const probe = new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on("error", () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        probe.disconnect();
      }
    }
  }

  const server: PrivateRedis = {
    port,
    get pid() {
      return child?.pid;
    },
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", appendOnly ? "yes" : "no", "--appendfsync", "everysec"];
      // setpriv --pdeathsig: the server goes down with the harness even when the harness is killed.
      child = spawn("setpriv", ["--pdeathsig", "TERM", "redis-server", ...args], { stdio: "ignore" });
      await waitReady();
    },
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once("exit", resolve));
      running.kill("SIGTERM");
      await exited;
      child = null;
    },
    async destroy() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
