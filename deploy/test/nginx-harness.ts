// A real nginx for the edge tests (TLS, canary): a world-readable prefix, nginx in the foreground
// tied to the test process, graceful reloads, and stub upstreams that say who answered.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { rawRequest, repoPath } from "./support.js";

export const RENDER = repoPath("nginx/render.sh");

/** A prefix directory for `nginx -p`: run as root, nginx's workers (nobody) must reach it. */
export function makePrefix(name: string): string {
  const prefix = mkdtempSync(join(tmpdir(), `fleet-${name}-`));
  chmodSync(prefix, 0o755);
  return prefix;
}

export interface RunningNginx {
  process: ChildProcess;
  prefix: string;
  conf: string;
  /** stderr and error.log so far, for failure messages. */
  errors(): string;
  /** The worker processes' pids now. */
  workers(): number[];
  /** `nginx -s reload` (what an operator runs), resolved once every old worker has exited. */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Starts nginx in the foreground (under setpriv's parent-death signal, so it never outlives the test process). */
export async function startNginx(prefix: string, conf: string, probePort: number): Promise<RunningNginx> {
  const args = ["-p", prefix, "-c", conf, "-g", "daemon off;"];
  const child = existsSync("/usr/bin/setpriv")
    ? spawn("/usr/bin/setpriv", ["--pdeathsig", "TERM", "nginx", ...args], { stdio: ["ignore", "ignore", "pipe"] })
    : spawn("nginx", args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const errorLog = join(prefix, "error.log");
  const errors = () => `${stderr}${existsSync(errorLog) ? readFileSync(errorLog, "utf8") : ""}`;
  const workers = () => (child.pid === undefined ? [] : childPids(child.pid));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${errors()}`);
    try {
      await rawRequest(probePort, { path: "/" });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`nginx did not start listening on ${probePort}: ${errors()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    process: child,
    prefix,
    conf,
    errors,
    workers,
    reload: async () => {
      const before = workers();
      await promisify(execFile)("nginx", ["-p", prefix, "-c", conf, "-s", "reload"]);
      const until = Date.now() + 15_000;
      while (before.some((pid) => workers().includes(pid)) || workers().length === 0) {
        if (Date.now() > until) throw new Error(`nginx kept its old workers after a reload: ${errors()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface StubSeen {
  url: string;
  headers: IncomingHttpHeaders;
}

export interface StubUpstream {
  port: number;
  seen: StubSeen[];
  close(): Promise<void>;
}

/** Answers every request with `{ version, url }` and records what it received. */
export async function startStubUpstream(version: string): Promise<StubUpstream> {
  const seen: StubSeen[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.once("end", () => {
      seen.push({ url: req.url ?? "", headers: req.headers });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ version, url: req.url ?? "" }));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
