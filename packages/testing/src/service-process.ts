// Runs a built service (dist/main.js) as a real process, as production does,
// and reads the ports it bound from its "listening" log line.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { INHERITED_PATH, PROFILE_DIR, TEST_FLEET_KEY } from "./config.js";

export interface ServiceProcess {
  child: ChildProcess;
  httpUrl: string;
  grpcAddress: string | null;
  /** Milliseconds from spawn to the "listening" line. */
  startupMs: number;
  /** Every JSON log line printed so far. */
  logs: Record<string, unknown>[];
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The environment without the variables a test emptied ("" = not set at all). */
function withoutEmpty(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
}

export async function startServiceProcess(entry: URL | string, env: Record<string, string>, timeoutMs = 10_000): Promise<ServiceProcess> {
  const started = Date.now();
  const profile = PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  // setpriv --pdeathsig: the service goes down with the harness even when the harness is killed.
  const child = spawn("setpriv", ["--pdeathsig", "TERM", process.execPath, ...profile, entry instanceof URL ? entry.pathname : entry], {
    env: withoutEmpty({ PATH: INHERITED_PATH, HTTP_PORT: "0", GRPC_PORT: "0", FLEET_KEY: TEST_FLEET_KEY, ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout ?? process.stdin });

  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${String(entry)} did not start within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    lines.on("line", (line) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(parsed);
      if (parsed.message === "listening") {
        clearTimeout(timer);
        resolve(parsed);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${String(entry)} exited with ${code} before listening: ${stderr}`));
    });
  });
  const line = await listening;
  const startupMs = Date.now() - started;
  return {
    child,
    httpUrl: `http://127.0.0.1:${String(line.httpPort)}`,
    grpcAddress: line.grpcPort === undefined ? null : `127.0.0.1:${String(line.grpcPort)}`,
    startupMs,
    logs,
    async stop(signal = "SIGTERM") {
      // Already gone (exited, or killed by a signal): there is no exit event left to wait for.
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, "exit") as Promise<[number | null]>;
      child.kill(signal);
      const [code] = await exited;
      return code;
    },
  };
}

/** Runs a service that is expected to refuse to start; resolves with its exit code and stderr. */
export async function runUntilExit(entry: URL | string, env: Record<string, string>, timeoutMs = 10_000): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [entry instanceof URL ? entry.pathname : entry], { env: withoutEmpty({ PATH: INHERITED_PATH, FLEET_KEY: TEST_FLEET_KEY, ...env }), stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [code] = (await once(child, "exit")) as [number | null];
  clearTimeout(timer);
  return { code, stderr };
}
