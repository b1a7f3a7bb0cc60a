// The single-machine install (deploy/vps/install.sh, deploy/systemd/): installed into a temporary
// prefix, every unit and timer passes `systemd-analyze verify`, every service unit runs the
// installed release as `fleet` with the restart policy, the graceful stop and the hardening
// options, the env files carry every key the services read and secrets that are generated once and
// never overwritten, and --dry-run changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configSchema as analytics } from "../../services/analytics-worker/src/config.js";
import { configSchema as orchestrator } from "../../services/bot-orchestrator/src/config.js";
import { configSchema as gateway } from "../../services/gateway/src/config.js";
import { configSchema as adapter } from "../../services/whatsapp-adapter/src/config.js";
import { FLEET_SERVICES, record, repoPath, run } from "./support.js";

const INSTALL = repoPath("deploy/vps/install.sh");
const NODE = realpathSync(process.execPath);
const SCHEMAS = { gateway, "whatsapp-adapter": adapter, "bot-orchestrator": orchestrator, "analytics-worker": analytics };
const env = { PATH: process.env.PATH ?? "", HOME: tmpdir() };

type Unit = Map<string, Map<string, string[]>>;

/** A unit file as section → key → every value given (systemd allows repeating most keys). */
function parseUnit(path: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  for (const raw of readFileSync(path, "utf8").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1]) {
      section = new Map();
      unit.set(header[1], section);
      continue;
    }
    const eq = line.indexOf("=");
    if (!section || eq < 0) throw new Error(`${path}: unexpected line ${line}`);
    const key = line.slice(0, eq).trim();
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return unit;
}

const values = (unit: Unit, section: string, key: string): string[] => unit.get(section)?.get(key) ?? [];
const value = (unit: Unit, section: string, key: string): string | undefined => values(unit, section, key).at(-1);

/** KEY=value lines of an env file; `# KEY=...` lines too when `commented`. */
function envKeys(path: string, { commented }: { commented: boolean }): Map<string, string> {
  const keys = new Map<string, string>();
  const pattern = commented ? /^#?\s?([A-Z][A-Z0-9_]*)=(.*)$/ : /^([A-Z][A-Z0-9_]*)=(.*)$/;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = pattern.exec(line);
    if (match?.[1] !== undefined) keys.set(match[1], match[2] ?? "");
  }
  return keys;
}

function seconds(span: string | undefined): number {
  const match = /^(\d+)(s|min)?$/.exec(span ?? "");
  if (!match) throw new Error(`not a time span: ${span}`);
  return Number(match[1]) * (match[2] === "min" ? 60 : 1);
}

async function exitCode(promise: Promise<unknown>): Promise<{ code: number; output: string }> {
  try {
    await promise;
    return { code: 0, output: "" };
  } catch (error) {
    const failure = record(error, "failure");
    return { code: typeof failure.code === "number" ? failure.code : -1, output: `${String(failure.stdout)}${String(failure.stderr)}` };
  }
}

let prefix: string;
let units: string;
let etc: string;
let firstRun: string;

beforeAll(async () => {
  prefix = mkdtempSync(join(tmpdir(), "fleet-vps-"));
  units = join(prefix, "etc/systemd/system");
  etc = join(prefix, "etc/fleet");
  const { stdout } = await run(INSTALL, ["--prefix", prefix, "--instances", "bot-orchestrator=3", "--public-base-url", "https://shop.example.com"], { env, timeout: 120_000 });
  firstRun = stdout;
}, 150_000);

afterAll(() => {
  if (prefix) rmSync(prefix, { recursive: true, force: true });
});

describe("deploy/vps/install.sh --prefix", () => {
  it("installs the release under opt/fleet/current and enables the fleet, its instances and the backup timer", () => {
    const current = join(prefix, "opt/fleet/current");
    expect(readlinkSync(current)).toMatch(/^releases\/[0-9a-f]{12}$/);
    for (const service of FLEET_SERVICES) {
      expect(existsSync(join(current, "services", service, "dist/main.js"))).toBe(true);
      expect(existsSync(join(current, "services", service, "node_modules"))).toBe(true);
    }
    expect(existsSync(join(current, "scripts/migrate.mjs"))).toBe(true);
    // Production dependencies only: the release carries no test tooling.
    expect(existsSync(join(current, "services/gateway/node_modules/jest"))).toBe(false);

    const wants = readdirSync(join(units, "fleet.target.wants")).sort();
    expect(wants).toEqual(
      [...FLEET_SERVICES.map((service) => `fleet-${service}.service`), "fleet-bot-orchestrator@1.service", "fleet-bot-orchestrator@2.service", "fleet-migrate.service"].sort(),
    );
    expect(readdirSync(join(units, "timers.target.wants"))).toEqual(["fleet-backup.timer"]);
    expect(readdirSync(join(units, "multi-user.target.wants"))).toEqual(["fleet.target"]);
    expect(firstRun).toContain("nothing started");
  });

  it("passes systemd-analyze verify on every unit and timer (each template through an instance)", async () => {
    // Templates cannot be verified by themselves: an instance name links to each one.
    const dir = mkdtempSync(join(tmpdir(), "fleet-verify-"));
    try {
      const files: string[] = [];
      for (const name of readdirSync(units)) {
        if (!statSync(join(units, name)).isFile()) continue;
        if (name.endsWith("@.service")) {
          const instance = name.replace("@.service", "@1.service");
          symlinkSync(join(units, name), join(dir, instance));
          files.push(join(dir, instance));
        } else {
          copyFileSync(join(units, name), join(dir, name));
          files.push(join(dir, name));
        }
      }
      expect(files.map((file) => file.slice(dir.length + 1)).sort()).toEqual(
        [
          "fleet.target", "fleet-migrate.service", "fleet-backup.service", "fleet-backup.timer",
          ...FLEET_SERVICES.flatMap((service) => [`fleet-${service}.service`, `fleet-${service}@1.service`]),
        ].sort(),
      );
      // verify checks that every ExecStart binary exists (node, backup.sh under the prefix) and
      // every directive parses; any line it prints is a finding.
      const { stdout, stderr } = await run("systemd-analyze", ["verify", ...files], { env });
      expect(`${stdout}${stderr}`.trim()).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("systemd-analyze verify does report a broken unit (the check above can fail)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fleet-verify-"));
    try {
      const broken = readFileSync(join(units, "fleet-gateway.service"), "utf8")
        .replace(`ExecStart=${NODE} `, "ExecStart=/nonexistent/node ")
        .replace("ProtectSystem=strict", "ProtectSytem=strict");
      writeFileSync(join(dir, "fleet-gateway.service"), broken);
      const result = await exitCode(run("systemd-analyze", ["verify", join(dir, "fleet-gateway.service")], { env }));
      expect(result.output).toContain("/nonexistent/node");
      expect(result.output).toContain("ProtectSytem");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(FLEET_SERVICES)("fleet-%s runs the installed release as fleet, after the migrations, restarting on failure and stopping gracefully", (service) => {
    const app = join(prefix, "opt/fleet/current");
    for (const [file, instanceEnv] of [[`fleet-${service}.service`, undefined], [`fleet-${service}@.service`, join(etc, "instances", `${service}@%i.env`)]] as const) {
      const unit = parseUnit(join(units, file));
      expect(value(unit, "Service", "User")).toBe("fleet");
      expect(value(unit, "Service", "Group")).toBe("fleet");
      expect(value(unit, "Service", "WorkingDirectory")).toBe(app);
      expect(value(unit, "Service", "ExecStart")).toBe(`${NODE} services/${service}/dist/main.js`);
      expect(existsSync(join(app, "services", service, "dist/main.js"))).toBe(true);
      expect(values(unit, "Service", "EnvironmentFile")).toEqual([join(etc, "common.env"), join(etc, `${service}.env`), ...(instanceEnv ? [instanceEnv] : [])]);
      expect(values(unit, "Unit", "Requires")).toContain("fleet-migrate.service");
      expect(value(unit, "Unit", "After")?.split(/\s+/)).toContain("fleet-migrate.service");
      expect(value(unit, "Unit", "PartOf")).toBe("fleet.target");
      expect(value(unit, "Install", "WantedBy")).toBe("fleet.target");

      expect(value(unit, "Service", "Restart")).toBe("on-failure");
      expect(seconds(value(unit, "Service", "RestartSec"))).toBeGreaterThan(0);
      expect(Number(value(unit, "Unit", "StartLimitBurst"))).toBeGreaterThan(0);
      expect(seconds(value(unit, "Unit", "StartLimitIntervalSec"))).toBeGreaterThan(0);

      // The stop outlasts the service's drain (SHUTDOWN_TIMEOUT_MS, as set in common.env and by default).
      expect(value(unit, "Service", "KillSignal")).toBe("SIGTERM");
      const drainMs = Math.max(Number(envKeys(join(etc, "common.env"), { commented: false }).get("SHUTDOWN_TIMEOUT_MS")), Number(SCHEMAS[service].shape.SHUTDOWN_TIMEOUT_MS.parse(undefined)));
      expect(seconds(value(unit, "Service", "TimeoutStopSec")) * 1000).toBeGreaterThanOrEqual(drainMs + 10_000);
    }
  });

  const HARDENING: Record<string, string> = {
    NoNewPrivileges: "yes",
    ProtectSystem: "strict",
    ProtectHome: "yes",
    PrivateTmp: "yes",
    PrivateDevices: "yes",
    ProtectKernelTunables: "yes",
    ProtectKernelModules: "yes",
    ProtectKernelLogs: "yes",
    ProtectControlGroups: "yes",
    RestrictAddressFamilies: "AF_UNIX AF_INET AF_INET6",
    CapabilityBoundingSet: "",
    LockPersonality: "yes",
    SystemCallFilter: "@system-service",
    SystemCallErrorNumber: "EPERM",
  };

  it("hardens every service unit, the migration job and the backup job (MemoryDenyWriteExecute off: V8 JIT)", () => {
    const files = ["fleet-migrate.service", "fleet-backup.service", ...FLEET_SERVICES.flatMap((service) => [`fleet-${service}.service`, `fleet-${service}@.service`])];
    for (const file of files) {
      const unit = parseUnit(join(units, file));
      const found = Object.fromEntries(Object.keys(HARDENING).map((key) => [key, value(unit, "Service", key)]));
      expect({ file, ...found }).toEqual({ file, ...HARDENING });
      expect({ file, MemoryDenyWriteExecute: value(unit, "Service", "MemoryDenyWriteExecute") }).toEqual({ file, MemoryDenyWriteExecute: undefined });
      expect({ file, User: value(unit, "Service", "User") }).toEqual({ file, User: "fleet" });
    }
  });

  it("runs the backup daily from a persistent, randomised timer, writing only to the backup directory", () => {
    const timer = parseUnit(join(units, "fleet-backup.timer"));
    expect(value(timer, "Timer", "OnCalendar")).toMatch(/^\*-\*-\* \d\d:\d\d:\d\d$/);
    expect(value(timer, "Timer", "Persistent")).toBe("true");
    expect(seconds(value(timer, "Timer", "RandomizedDelaySec"))).toBeGreaterThan(0);
    expect(value(timer, "Timer", "Unit")).toBe("fleet-backup.service");

    const service = parseUnit(join(units, "fleet-backup.service"));
    expect(value(service, "Service", "Type")).toBe("oneshot");
    expect(value(service, "Service", "ExecStart")).toBe(join(prefix, "opt/fleet/current/deploy/backup/backup.sh"));
    expect(values(service, "Service", "EnvironmentFile")).toEqual([join(etc, "backup.env")]);
    const backupDir = envKeys(join(etc, "backup.env"), { commented: false }).get("BACKUP_DIR");
    expect(values(service, "Service", "ReadWritePaths")).toContain(join(prefix, String(backupDir)));
    expect(statSync(join(prefix, "var/backups/fleet")).mode & 0o777).toBe(0o700);
  });

  it("runs the migrations once as a oneshot job before the services", () => {
    const unit = parseUnit(join(units, "fleet-migrate.service"));
    expect(value(unit, "Service", "Type")).toBe("oneshot");
    expect(value(unit, "Service", "RemainAfterExit")).toBe("yes");
    expect(value(unit, "Service", "ExecStart")).toBe(`${NODE} scripts/migrate.mjs`);
    expect(values(unit, "Service", "EnvironmentFile")).toEqual([join(etc, "migrate.env")]);
    expect([...envKeys(join(etc, "migrate.env"), { commented: false }).keys()]).toEqual(["DATABASE_URL"]);
  });

  it("gives each extra instance its own ports (base + 100 × i)", () => {
    expect(readFileSync(join(etc, "instances/bot-orchestrator@1.env"), "utf8")).toMatch(/^HTTP_PORT=3102\nGRPC_PORT=50153\n$/m);
    expect(readFileSync(join(etc, "instances/bot-orchestrator@2.env"), "utf8")).toMatch(/^HTTP_PORT=3202\nGRPC_PORT=50253\n$/m);
  });

  it("writes secrets generated once, readable by root only, shared where two services need the same one", () => {
    const files = readdirSync(etc).filter((name) => name.endsWith(".env"));
    expect(files.sort()).toEqual(["analytics-worker.env", "backup.env", "bot-orchestrator.env", "common.env", "gateway.env", "migrate.env", "secrets.env", "whatsapp-adapter.env"]);
    for (const name of files) {
      expect({ name, mode: (statSync(join(etc, name)).mode & 0o777).toString(8) }).toEqual({ name, mode: "600" });
      expect(readFileSync(join(etc, name), "utf8")).not.toMatch(/@[A-Z_:]+@/);
    }
    const read = (name: string) => envKeys(join(etc, name), { commented: false });
    const jwt = read("gateway.env").get("JWT_SECRET");
    expect(jwt).toMatch(/^[0-9a-f]{64}$/);
    expect(read("whatsapp-adapter.env").get("SECRETS_ENCRYPTION_KEY")).toMatch(/^[0-9a-f]{64}$/);
    expect(read("bot-orchestrator.env").get("SECRETS_ENCRYPTION_KEY")).toBe(read("whatsapp-adapter.env").get("SECRETS_ENCRYPTION_KEY"));
    expect(read("whatsapp-adapter.env").get("SECRETS_ENCRYPTION_KEY")).not.toBe(jwt);
    const urls = ["gateway.env", "whatsapp-adapter.env", "bot-orchestrator.env", "migrate.env", "backup.env"].map((name) => read(name).get("DATABASE_URL"));
    expect(new Set(urls).size).toBe(1);
    expect(new URL(String(urls[0])).password).toMatch(/^[0-9a-f]{64}$/);
    expect(read("whatsapp-adapter.env").get("PUBLIC_BASE_URL")).toBe("https://shop.example.com");
    // Only the operator can give the Meta app secret: left empty, so the adapter refuses to start.
    expect(read("whatsapp-adapter.env").get("META_APP_SECRET")).toBe("");
  });

  it("is idempotent: a second run keeps every env file (an edited one too) and the same release", async () => {
    const gatewayEnv = join(etc, "gateway.env");
    writeFileSync(gatewayEnv, `${readFileSync(gatewayEnv, "utf8")}LOG_LEVEL=debug\n`);
    const before = new Map(readdirSync(etc).filter((name) => name.endsWith(".env")).map((name) => [name, readFileSync(join(etc, name), "utf8")]));
    const releases = readdirSync(join(prefix, "opt/fleet/releases")).sort();

    const { stdout } = await run(INSTALL, ["--prefix", prefix, "--instances", "bot-orchestrator=3"], { env, timeout: 120_000 });
    expect(stdout).toContain("is installed already");
    expect(stdout).not.toContain("generated secret");
    for (const [name, content] of before) expect({ name, content: readFileSync(join(etc, name), "utf8") }).toEqual({ name, content });
    expect(readdirSync(join(prefix, "opt/fleet/releases")).sort()).toEqual(releases);
  }, 150_000);

  it("--redis-roles installs both Redis roles' files and points the gateway's and worker's caches at the cache Redis", async () => {
    // Without it (the first run) the line stays commented: the caches share REDIS_URL.
    expect(readFileSync(join(etc, "gateway.env"), "utf8")).toMatch(/^# REDIS_CACHE_URL=/m);
    expect(readFileSync(join(etc, "gateway.env"), "utf8")).not.toMatch(/^REDIS_CACHE_URL=/m);
    const roles = mkdtempSync(join(tmpdir(), "fleet-vps-roles-"));
    try {
      const release = realpathSync(join(prefix, "opt/fleet/current"));
      await run(INSTALL, ["--prefix", roles, "--redis-roles", "--release", release], { env, timeout: 120_000 });
      for (const role of ["streams", "cache"]) {
        expect(readFileSync(join(roles, `etc/redis/redis-${role}.conf`), "utf8")).toBe(readFileSync(repoPath(`deploy/redis/${role}.conf`), "utf8"));
      }
      const cachePort = /^port (\d+)$/m.exec(readFileSync(repoPath("deploy/redis/cache.conf"), "utf8"))?.[1];
      expect(cachePort).toBe("6380");
      const cacheUrl = (service: string) => /^REDIS_CACHE_URL=(.*)$/m.exec(readFileSync(join(roles, "etc/fleet", `${service}.env`), "utf8"))?.[1];
      for (const service of FLEET_SERVICES) {
        const expected = service === "gateway" || service === "analytics-worker" ? `redis://127.0.0.1:${cachePort}` : undefined;
        expect({ service, url: cacheUrl(service) }).toEqual({ service, url: expected });
      }
      // The streams Redis stays where common.env says.
      expect(readFileSync(join(roles, "etc/fleet/common.env"), "utf8")).toMatch(/^REDIS_URL=redis:\/\/127\.0\.0\.1:6379$/m);

      // An env file written before is kept as it is; the run says what to add to it.
      const gatewayEnv = join(roles, "etc/fleet/gateway.env");
      writeFileSync(gatewayEnv, readFileSync(gatewayEnv, "utf8").replace(/^REDIS_CACHE_URL=.*\n/m, ""));
      const { stdout } = await run(INSTALL, ["--prefix", roles, "--redis-roles", "--release", release], { env, timeout: 120_000 });
      expect(stdout).toContain(`--redis-roles: set REDIS_CACHE_URL=redis://127.0.0.1:6380 in ${gatewayEnv}`);
      expect(cacheUrl("gateway")).toBeUndefined();
    } finally {
      rmSync(roles, { recursive: true, force: true });
    }
  }, 150_000);

  it("--dry-run prints the plan and changes nothing (and prints no secret)", async () => {
    const dry = mkdtempSync(join(tmpdir(), "fleet-vps-dry-"));
    try {
      const { stdout } = await run(INSTALL, ["--dry-run", "--prefix", dry, "--instances", "gateway=2"], { env, timeout: 60_000 });
      expect(readdirSync(dry)).toEqual([]);
      expect(stdout).toContain("would build a release");
      expect(stdout).toMatch(/\[dry-run\] write .*\/etc\/fleet\/gateway\.env \(mode 0600, root:fleet\)/);
      expect(stdout).toMatch(/\[dry-run\] write .*\/etc\/systemd\/system\/fleet-gateway@\.service/);
      expect(stdout).toMatch(/\[dry-run\] write .*\/etc\/fleet\/instances\/gateway@1\.env/);
      expect(stdout).toContain("[dry-run] systemctl --quiet --root=");
      expect(stdout).not.toMatch(/[0-9a-f]{64}/);
    } finally {
      rmSync(dry, { recursive: true, force: true });
    }
  }, 90_000);

  it("rejects an unknown option or service with a message", async () => {
    const badService = await exitCode(run(INSTALL, ["--dry-run", "--instances", "mailer=2"], { env }));
    expect(badService.code).not.toBe(0);
    expect(badService.output).toContain("unknown service 'mailer'");
    const badOption = await exitCode(run(INSTALL, ["--dry-run", "--frobnicate"], { env }));
    expect(badOption.code).not.toBe(0);
    expect(badOption.output).toContain("unknown option: --frobnicate");
  });
});

describe("deploy/vps/env templates", () => {
  const template = (name: string) => repoPath("deploy/vps/env", name);
  const common = envKeys(template("common.env"), { commented: true });

  it.each(FLEET_SERVICES)("%s: common.env and its own file list every key of its config.ts, and only those", (service) => {
    const shape = SCHEMAS[service].shape;
    const own = envKeys(template(`${service}.env`), { commented: true });
    const listed = new Set([...common.keys(), ...own.keys()]);
    expect(Object.keys(shape).filter((key) => !listed.has(key)).sort()).toEqual([]);
    expect([...listed].filter((key) => !(key in shape)).sort()).toEqual([]);

    // Keys without a default are set (uncommented), never left to a commented line.
    const set = new Set([...envKeys(template("common.env"), { commented: false }).keys(), ...envKeys(template(`${service}.env`), { commented: false }).keys()]);
    const required = Object.entries(shape).filter(([, schema]) => !schema.safeParse(undefined).success).map(([key]) => key);
    expect(required.filter((key) => !set.has(key))).toEqual([]);
  });

  it("common.env holds only keys every service reads", () => {
    for (const service of FLEET_SERVICES) {
      expect([...common.keys()].filter((key) => !(key in SCHEMAS[service].shape))).toEqual([]);
    }
  });

  it("holds no secret value: every secret is generated at install (@SECRET:NAME@) or left for the operator", () => {
    for (const name of readdirSync(repoPath("deploy/vps/env"))) {
      for (const [key, raw] of envKeys(template(name), { commented: false })) {
        if (!/SECRET|KEY$|TOKEN|PASSWORD/.test(key)) continue;
        expect({ name, key, value: raw }).toEqual({ name, key, value: expect.stringMatching(new RegExp(`^(@SECRET:${key}@)?$`)) });
      }
      expect(readFileSync(template(name), "utf8")).not.toMatch(/[0-9a-f]{32}/);
    }
  });
});

describe("shell scripts", () => {
  const scripts = ["deploy/vps/install.sh", "deploy/vps/build-release.sh", "deploy/backup/backup.sh", "deploy/backup/restore.sh"].map((path) => repoPath(path));
  let shellcheck = true;
  try {
    execFileSync("shellcheck", ["--version"], { stdio: "ignore" });
  } catch {
    shellcheck = false;
    console.log("shellcheck is not installed (apt-get install shellcheck): the shell scripts are not linted");
  }

  (shellcheck ? it : it.skip)("are shellcheck-clean", async () => {
    const { stdout } = await run("shellcheck", ["--external-sources", ...scripts], { env });
    expect(stdout).toBe("");
  });

  it("are executable", () => {
    for (const script of scripts) expect({ script, executable: (lstatSync(script).mode & 0o111) !== 0 }).toEqual({ script, executable: true });
  });
});
