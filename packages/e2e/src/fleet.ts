// Starts the whole fleet as production runs it: the four services as real
// processes (dist/main.js), real nginx in front, the Meta sandbox as the
// provider, a private AOF-persistent redis-server and a fresh Postgres
// database. Used by the end-to-end suite and the pipeline benchmark.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AdapterService, ProviderKind } from "@fleet/contracts/adapter";
import { createServiceClient } from "@fleet/grpc-bridge";
import { createMetaSandbox, silentLogger, type MetaSandbox } from "@fleet/provider-sandbox";
import { discoverMigrationOwners, migrateUp } from "@fleet/service-kit";
import { TEST_DATABASE_URL, createTestDatabase, templateDatabase, databaseUrl, freePort, listen, startRedisServer, startServiceProcess, type Listening, type PrivateRedis, type ServiceProcess } from "@fleet/testing";
import { Redis } from "ioredis";
import pg from "pg";

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

export const SERVICES = ["whatsapp-adapter", "gateway", "bot-orchestrator", "analytics-worker"] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface FleetOptions {
  /** Sends per second the sandbox accepts per number (and the bot is paced at). */
  ratePerSecond?: number;
  /** Orchestrator: how long an entry stays pending on a dead consumer before it is taken over. */
  claimIdleMs?: number;
  /** "info" at least: the harness reads the services' "listening" line. */
  logLevel?: "info" | "debug";
}

export interface Fleet {
  /** nginx, the fleet's only public entry. */
  url: string;
  sandbox: MetaSandbox;
  sandboxUrl: string;
  redis: PrivateRedis;
  /** Client on the fleet's Redis with its key prefix, for looking at streams. */
  redisClient: Redis;
  services: Record<ServiceName, ServiceProcess>;
  /** nginx master process id (its workers are its children). */
  nginxPid: number | undefined;
  tenantId: string;
  botId: string;
  phoneNumberId: string;
  appSecret: string;
  /** Starts (again) one service with the same ports and settings. */
  start(name: ServiceName): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

interface Database {
  url: string;
  drop(): Promise<void>;
}

/** A fresh migrated database: a copy of the test template inside jest, migrated from scratch elsewhere. */
async function createDatabase(): Promise<Database> {
  if (templateDatabase()) return createTestDatabase();
  const name = `fleet_run_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = databaseUrl(name);
  await migrateUp(url, await discoverMigrationOwners(ROOT));
  return {
    url,
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

function nginxBinary(): string {
  return existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
}

async function startNginx(listenPort: number, gatewayPort: number, adapterPort: number): Promise<{ child: ChildProcess; prefix: string }> {
  const prefix = mkdtempSync(join(tmpdir(), "fleet-nginx-"));
  // nginx workers run as an unprivileged user and need to reach their temp files under the prefix.
  chmodSync(prefix, 0o755);
  const conf = join(prefix, "nginx.conf");
  await run(join(ROOT, "nginx/render.sh"), ["--out", conf, "--listen", `127.0.0.1:${listenPort}`, "--gateway", `127.0.0.1:${gatewayPort}`, "--adapter", `127.0.0.1:${adapterPort}`]);
  // setpriv --pdeathsig: nginx goes down with the harness even when it is killed.
  const child = spawn("setpriv", ["--pdeathsig", "TERM", nginxBinary(), "-p", prefix, "-c", conf, "-g", "daemon off;"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${listenPort}/`);
      return { child, prefix };
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`nginx did not start: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Starts the fleet; if any part fails to start, whatever did start is stopped again. */
export async function startFleet(options: FleetOptions = {}): Promise<Fleet> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    return await launch(options, cleanups);
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw error;
  }
}

async function launch(options: FleetOptions, cleanups: (() => Promise<unknown>)[]): Promise<Fleet> {
  const ratePerSecond = options.ratePerSecond ?? 80;
  const phoneNumberId = String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999));
  const accessToken = `EAAG${randomBytes(24).toString("hex")}`;
  const appSecret = randomBytes(16).toString("hex");
  const keyPrefix = "fleet:";

  const database = await createDatabase();
  cleanups.push(() => database.drop());
  const redis = await startRedisServer({ appendOnly: true });
  cleanups.push(() => redis.destroy());
  const sandbox = createMetaSandbox({ accessTokens: { [phoneNumberId]: accessToken }, appSecret, ratePerSecond, logger: silentLogger, storeCapacity: 200_000 });
  const sandboxServer: Listening = await listen(sandbox.app);
  cleanups.push(() => sandboxServer.close());

  const [nginxPort, ...ports] = await Promise.all(Array.from({ length: 8 }, () => freePort()));
  const port = (index: number): string => String(ports[index]);
  const addr = (index: number): string => `127.0.0.1:${port(index)}`;
  const common = { DATABASE_URL: database.url, REDIS_URL: redis.url, REDIS_KEY_PREFIX: keyPrefix, LOG_LEVEL: options.logLevel ?? "info" };
  const env: Record<ServiceName, Record<string, string>> = {
    "whatsapp-adapter": {
      ...common,
      HTTP_PORT: port(0),
      GRPC_PORT: port(1),
      SECRETS_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      META_APP_SECRET: appSecret,
      META_VERIFY_TOKEN: randomBytes(16).toString("hex"),
      META_GRAPH_BASE_URL: sandboxServer.url,
    },
    gateway: {
      ...common,
      HTTP_PORT: port(2),
      GRPC_PORT: port(3),
      JWT_SECRET: randomBytes(32).toString("hex"),
      ADAPTER_GRPC_URL: addr(1),
      ORCHESTRATOR_GRPC_URL: addr(5),
      ADAPTER_HTTP_URL: `http://${addr(0)}`,
      ORCHESTRATOR_HTTP_URL: `http://${addr(4)}`,
      ANALYTICS_HTTP_URL: `http://${addr(6)}`,
    },
    "bot-orchestrator": {
      ...common,
      HTTP_PORT: port(4),
      GRPC_PORT: port(5),
      ADAPTER_GRPC_URL: addr(1),
      COMMERCE_GRPC_URL: addr(3),
      CLAIM_IDLE_MS: String(options.claimIdleMs ?? 30_000),
    },
    "analytics-worker": { ...common, HTTP_PORT: port(6) },
  };
  const entry = (name: ServiceName) => join(ROOT, "services", name, "dist/main.js");
  const services = {} as Record<ServiceName, ServiceProcess>;
  cleanups.push(() => Promise.all(Object.values(services).map((service) => service.stop("SIGKILL"))));
  await Promise.all(
    SERVICES.map(async (name) => {
      services[name] = await startServiceProcess(entry(name), env[name]);
    }),
  );
  const nginx = await startNginx(nginxPort ?? 0, Number(port(2)), Number(port(0)));
  cleanups.push(async () => nginx.child.kill("SIGTERM"));

  const tenantId = randomUUID();
  const adapter = createServiceClient(AdapterService, addr(1), { defaultDeadlineMs: 5000 });
  const { bot } = await adapter.configureBot({
    tenantId,
    displayName: "Demo shop bot",
    providers: [{ kind: ProviderKind.META, settings: { phone_number_id: phoneNumberId, messages_per_second: String(ratePerSecond) }, secrets: { access_token: accessToken } }],
  });
  adapter.close();
  if (!bot) throw new Error("ConfigureBot returned no bot");

  const redisClient = new Redis(redis.url, { keyPrefix, maxRetriesPerRequest: 1 });
  redisClient.on("error", () => undefined);

  return {
    url: `http://127.0.0.1:${nginxPort}`,
    sandbox,
    sandboxUrl: sandboxServer.url,
    redis,
    redisClient,
    services,
    nginxPid: nginx.child.pid,
    tenantId,
    botId: bot.id,
    phoneNumberId,
    appSecret,
    async start(name) {
      services[name] = await startServiceProcess(entry(name), env[name]);
      return services[name];
    },
    async stop() {
      redisClient.disconnect();
      nginx.child.kill("SIGTERM");
      await Promise.all(Object.values(services).map((service) => service.stop("SIGTERM")));
      await sandboxServer.close();
      await Promise.all([redis.destroy(), database.drop()]);
      rmSync(nginx.prefix, { recursive: true, force: true });
    },
  };
}
