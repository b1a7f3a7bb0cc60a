// The two Redis roles (deploy/redis/): each config file starts a real redis-server, which then
// reports the settings the role depends on — the streams Redis persists every write (AOF, fsync
// every second) and never evicts, the cache Redis evicts least recently used keys and keeps nothing.
import { describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, repoPath, run } from "./support.js";

type Settings = Record<string, string>;

/** Starts redis-server on the role's file (port, data directory and pid file moved into a temporary place), runs `check`, stops it. */
async function withServer(role: "streams" | "cache", check: (cli: (...args: string[]) => Promise<string>, dir: string) => Promise<void>): Promise<void> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `fleet-redis-${role}-`));
  const server = spawn("redis-server", [repoPath(`deploy/redis/${role}.conf`), "--port", String(port), "--dir", dir, "--pidfile", join(dir, "redis.pid"), "--daemonize", "no"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  server.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  server.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(server, "exit");
  const cli = async (...args: string[]): Promise<string> => (await run("redis-cli", ["-p", String(port), ...args])).stdout.trim();
  try {
    for (let attempt = 0; ; attempt++) {
      if (server.exitCode !== null) throw new Error(`redis-server exited on ${role}.conf:\n${output}`);
      const pong = await cli("ping").catch(() => "");
      if (pong === "PONG") break;
      if (attempt > 100) throw new Error(`redis-server did not answer on ${role}.conf:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await check(cli, dir);
  } finally {
    if (server.exitCode === null) {
      await cli("shutdown", "nosave").catch(() => server.kill("SIGTERM"));
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

async function settings(cli: (...args: string[]) => Promise<string>, keys: string[]): Promise<Settings> {
  const result: Settings = {};
  for (const key of keys) {
    const [name, value] = (await cli("config", "get", key)).split("\n");
    if (name !== key) throw new Error(`CONFIG GET ${key} answered ${name}`);
    result[key] = value ?? "";
  }
  return result;
}

const KEYS = ["maxmemory-policy", "appendonly", "appendfsync", "save", "maxmemory"];

describe("deploy/redis", () => {
  it("streams.conf: AOF fsync'd every second, no RDB snapshots, never evicts, bounded memory", async () => {
    await withServer("streams", async (cli, dir) => {
      const found = await settings(cli, KEYS);
      expect(found).toEqual({ "maxmemory-policy": "noeviction", appendonly: "yes", appendfsync: "everysec", save: "", maxmemory: String(1024 ** 3) });
      // A stream entry goes to the append-only file, in the role's own directory.
      expect(await cli("xadd", "fleet:test", "*", "k", "v")).toMatch(/^\d+-\d+$/);
      expect(existsSync(join(dir, "appendonly-streams"))).toBe(true);
      expect(readdirSync(join(dir, "appendonly-streams")).some((file) => file.endsWith(".aof"))).toBe(true);
    });
  });

  it("cache.conf: evicts least recently used keys, bounded memory, nothing on disk", async () => {
    await withServer("cache", async (cli, dir) => {
      const found = await settings(cli, KEYS);
      expect(found).toEqual({ "maxmemory-policy": "allkeys-lru", appendonly: "no", appendfsync: "everysec", save: "", maxmemory: String(256 * 1024 ** 2) });
      expect(await cli("set", "fleet:cache:test", "v")).toBe("OK");
      expect(readdirSync(dir).filter((file) => file !== "redis.pid")).toEqual([]);
    });
  });

  it("the two roles listen on different ports by default", () => {
    const port = (role: string) => /^port (\d+)$/m.exec(readFileSync(repoPath(`deploy/redis/${role}.conf`), "utf8"))?.[1];
    expect(port("streams")).toBe("6379");
    expect(port("cache")).toBe("6380");
  });
});
