// What the production image ships, started from a clean directory as a non-root user: the release
// tree `pnpm deploy` assembles (deploy/vps/build-release.sh, the same tree deploy/Dockerfile copies
// to /app: each service's dist and production node_modules, every migration, scripts/migrate.mjs,
// deploy/healthcheck.mjs) is built into a temporary directory; then, as `nobody` and with the
// checkout hidden behind an empty mount (so nothing can be loaded from the workspace), the
// migration script migrates an empty database and each service starts, answers /health with 200
// and passes the image's HEALTHCHECK probe.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { TEST_DATABASE_URL, TEST_FLEET_KEY, databaseUrl, startRedisServer, type PrivateRedis } from "@fleet/testing";
import { FLEET_SERVICES, ROOT, run } from "./support.js";

/** `nobody`: no home, no shell, owns nothing of the release. */
const NOBODY = 65534;
const NODE = realpathSync(process.execPath);
const secret = () => randomBytes(32).toString("hex");

/** True when this machine lets the test hide the checkout in a private mount namespace (root, unshare allowed). */
async function canHideCheckout(): Promise<boolean> {
  try {
    await run("unshare", ["--mount", "--propagation", "private", "sh", "-c", 'mount -t tmpfs -o size=1m none "$1"', "sh", ROOT], { timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * The command line that runs `args` as nobody with no supplementary groups, the checkout replaced
 * by an empty tmpfs when `hide` (unshare's exec chain keeps one pid: the child is node itself).
 */
function asNobody(args: string[], hide: boolean): [string, string[]] {
  const setpriv = ["setpriv", "--pdeathsig", "TERM", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--", ...args];
  if (!hide) return [setpriv[0] as string, setpriv.slice(1)];
  return ["unshare", ["--mount", "--propagation", "private", "sh", "-c", 'mount -t tmpfs -o size=1m none "$1" && shift && exec "$@"', "sh", ROOT, ...setpriv]];
}

interface Started {
  child: ChildProcess;
  httpPort: number;
  output: () => string;
}

/** Starts a service of the release and waits for its "listening" line. */
async function startService(release: string, service: string, env: Record<string, string>, hide: boolean): Promise<Started> {
  const [command, args] = asNobody([NODE, `services/${service}/dist/main.js`], hide);
  const child = spawn(command, args, { cwd: release, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  const httpPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${service} did not start within 15 s:\n${output}`)), 15_000);
    lines.on("line", (line) => {
      output += `${line}\n`;
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (parsed.message === "listening") {
          clearTimeout(timer);
          resolve(Number(parsed.httpPort));
        }
      } catch {
        // Not a log line: kept in the output for the failure message.
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${service} exited with ${code} before listening:\n${output}`));
    });
  });
  return { child, httpPort, output: () => output };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

/** Every symlink under `dir` whose target lies outside it. */
function escapingLinks(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const entry = join(path, name);
      const stat = lstatSync(entry);
      if (stat.isSymbolicLink()) {
        const target = realpathSync(entry);
        if (relative(dir, target).startsWith("..")) found.push(`${relative(dir, entry)} -> ${target}`);
      } else if (stat.isDirectory()) {
        walk(entry);
      }
    }
  };
  walk(dir);
  return found;
}

const work = mkdtempSync(join(tmpdir(), "fleet-release-"));
const release = join(work, "app");
const database = `release_${randomBytes(4).toString("hex")}`;
const admin = (sql: string) => run("psql", [TEST_DATABASE_URL, "--quiet", "--set=ON_ERROR_STOP=1", "--command", sql]);
let redis: PrivateRedis;
let hide = false;
const started: Started[] = [];

beforeAll(async () => {
  const [, server, hidden] = await Promise.all([
    run(join(ROOT, "deploy/vps/build-release.sh"), [release], { cwd: ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }),
    startRedisServer(),
    canHideCheckout(),
    admin(`CREATE DATABASE ${database}`),
  ]);
  redis = server;
  hide = hidden;
  if (!hide) console.warn(`release test: unshare cannot hide ${ROOT} here (needs root and mount namespaces): the services run as nobody, but could read the checkout`);
  // As the image has it: owned by root, readable (never writable) by the runtime user.
  chmodSync(work, 0o755);
  await run("chmod", ["-R", "a+rX,go-w", release]);
}, 150_000);

afterAll(async () => {
  await Promise.all(started.map(({ child }) => stop(child)));
  await redis?.destroy();
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  rmSync(work, { recursive: true, force: true });
});

describe("the release the image ships (pnpm deploy), from a clean directory as nobody", () => {
  it("holds each service's build and production dependencies, the migrations and the probe, and nothing pointing outside it", () => {
    for (const service of FLEET_SERVICES) {
      expect({ service, main: existsSync(join(release, "services", service, "dist/main.js")) }).toEqual({ service, main: true });
      // Production dependencies only.
      for (const dev of ["jest", "typescript", "@swc/core", "@fleet/testing"]) {
        expect({ service, dev, present: existsSync(join(release, "services", service, "node_modules", dev)) }).toEqual({ service, dev, present: false });
      }
    }
    expect(existsSync(join(release, "scripts/migrate.mjs"))).toBe(true);
    expect(existsSync(join(release, "deploy/healthcheck.mjs"))).toBe(true);
    expect(readdirSync(join(release, "services/gateway/migrations")).length).toBeGreaterThan(0);
    // No source and no link back into the workspace: the release stands alone.
    expect(existsSync(join(release, "services/gateway/src"))).toBe(false);
    expect(escapingLinks(release)).toEqual([]);
  });

  it("migrates an empty database with scripts/migrate.mjs as nobody", async () => {
    const [command, args] = asNobody([NODE, "scripts/migrate.mjs"], hide);
    const { stdout } = await run(command, args, { cwd: release, env: { PATH: "/usr/bin:/bin", DATABASE_URL: databaseUrl(database) }, timeout: 60_000 });
    expect(stdout).toContain("migrate ");
    const { stdout: schemas } = await run("psql", [databaseUrl(database), "--tuples-only", "--no-align", "--command", "SELECT nspname FROM pg_namespace WHERE nspname IN ('gateway', 'adapter', 'orchestrator') ORDER BY 1"]);
    expect(schemas.trim().split("\n")).toEqual(["adapter", "gateway", "orchestrator"]);
  }, 60_000);

  it("starts every service as nobody, each answering /health with 200 and passing the image's HEALTHCHECK probe", async () => {
    const env = {
      PATH: "/usr/bin:/bin",
      NODE_ENV: "production",
      HOME: "/nonexistent",
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: "0",
      GRPC_PORT: "0",
      DATABASE_URL: databaseUrl(database),
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: "fleet:",
      FLEET_KEY: TEST_FLEET_KEY,
      JWT_SECRET: secret(),
      SECRETS_ENCRYPTION_KEY: secret(),
      META_APP_SECRET: secret(),
      META_VERIFY_TOKEN: secret(),
    };
    const services = await Promise.all(FLEET_SERVICES.map(async (service) => {
      const running = await startService(release, service, env, hide);
      started.push(running);
      return { service, ...running };
    }));
    for (const { service, child, httpPort, output } of services) {
      // The process really runs as nobody.
      const status = readFileSync(`/proc/${String(child.pid)}/status`, "utf8");
      expect({ service, uid: /^Uid:\s+(\d+)\s+(\d+)/m.exec(status)?.slice(1, 3) }).toEqual({ service, uid: [String(NOBODY), String(NOBODY)] });
      // Ready once its connections are up (readiness may say "degraded" for the first moments after listening).
      let response = await fetch(`http://127.0.0.1:${httpPort}/health`);
      for (let attempt = 0; response.status !== 200 && attempt < 50; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        response = await fetch(`http://127.0.0.1:${httpPort}/health`);
      }
      const body = (await response.json()) as Record<string, unknown>;
      expect({ service, status: response.status, body: body.status, dependencies: body.dependencies }).toEqual({ service, status: 200, body: "ok", dependencies: expect.anything() });
      const [command, args] = asNobody([NODE, "deploy/healthcheck.mjs"], hide);
      const probe = await run(command, args, { cwd: release, env: { PATH: "/usr/bin:/bin", HTTP_PORT: String(httpPort) }, timeout: 10_000 }).then(
        () => 0,
        (error: unknown) => ({ error, output: output() }),
      );
      expect({ service, probe }).toEqual({ service, probe: 0 });
    }
  }, 45_000);
});
