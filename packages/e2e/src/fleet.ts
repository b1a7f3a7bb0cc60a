// Starts the whole fleet as production runs it: the four services as real
// processes (dist/main.js, any number of replicas each), real nginx in front,
// the Meta sandbox as the provider, a private AOF-persistent Redis (one
// redis-server or a Redis Cluster) and a fresh Postgres database. Used by the
// end-to-end suite and the pipeline benchmark.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { once } from "node:events";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AdapterService, ProviderKind } from "@fleet/contracts/adapter";
import { clientAuth, createServiceClient, createTokenSigner, type ClientAuth, type FleetServiceName } from "@fleet/grpc-bridge";
import { createMetaSandbox, silentLogger, type MetaSandbox } from "@fleet/provider-sandbox";
import { discoverMigrationOwners, migrateUp, type RedisClient } from "@fleet/service-kit";
import {
  TEST_DATABASE_URL,
  TEST_FLEET_KEY,
  createTestDatabase,
  templateDatabase,
  databaseUrl,
  freePort,
  listen,
  startRedisCluster,
  startRedisServer,
  startServiceProcess,
  type Listening,
  type PrivateRedis,
  type PrivateRedisCluster,
  type ServiceProcess,
} from "@fleet/testing";
import { Cluster, Redis } from "ioredis";
import pg from "pg";

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

const gatewaySigner = createTokenSigner({ service: "gateway", keys: { current: { id: "1", material: TEST_FLEET_KEY } } });

/** Tokens for a test's own gRPC calls to a fleet service, made as the gateway makes them (the services trust TEST_FLEET_KEY). */
export function asGateway(audience: FleetServiceName): ClientAuth {
  return clientAuth(gatewaySigner, audience);
}

export const SERVICES = ["whatsapp-adapter", "gateway", "bot-orchestrator", "analytics-worker"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The analytics worker serves HTTP only (health, metrics); the others also serve gRPC. */
const SERVES_GRPC: Record<ServiceName, boolean> = { "whatsapp-adapter": true, gateway: true, "bot-orchestrator": true, "analytics-worker": true };

/** A guard against a typo starting hundreds of processes. */
const MAX_REPLICAS = 32;

export type RedisMode = "server" | "cluster";

export interface FleetOptions {
  /** Sends per second the sandbox accepts per number, and the first bot's pace. */
  ratePerSecond?: number;
  /** "info" at least: the harness reads the services' "listening" line. */
  logLevel?: "info" | "debug";
  /**
   * Replicas per service (default 1), each a process with its own HTTP and gRPC ports. Every
   * gateway and adapter replica sits behind nginx; every orchestrator and gateway is given the
   * gRPC addresses of all adapter replicas (and the gateway those of all orchestrators), over
   * which gRPC calls go round robin.
   */
  scale?: Partial<Record<ServiceName, number>>;
  /** Extra environment per service, for every replica (e.g. PARTITION_LEASE_TTL_MS); overrides the harness's settings except the ports. */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /**
   * Bots besides the first, each on its own sandbox number and access token, configured
   * through the adapter's ConfigureBot and paced at its rate. The sandbox accepts, per number,
   * the highest rate of all bots.
   */
  bots?: { ratePerSecond: number; /** A tenant of its own instead of the fleet's. */ ownTenant?: boolean }[];
  /** "server" (default): one private redis-server, `fleet.redis`; "cluster": a 3-master Redis Cluster, `fleet.redisCluster`. */
  redis?: RedisMode;
  /** Numbers the sandbox hosts that no bot uses yet (`fleet.spareNumbers`): for bots a shop creates through the API. */
  spareNumbers?: number;
}

/** A number the sandbox hosts, with its access token. */
export interface SandboxNumber {
  phoneNumberId: string;
  accessToken: string;
}

export interface FleetBot {
  botId: string;
  tenantId: string;
  phoneNumberId: string;
}

/** What every fleet has, whichever Redis it runs on. */
export interface FleetBase {
  /** nginx, the fleet's only public entry. */
  url: string;
  sandbox: MetaSandbox;
  sandboxUrl: string;
  /** Client on the fleet's Redis (a Cluster client in cluster mode) with its key prefix, for looking at streams. */
  redisClient: RedisClient;
  /** The first replica of each service (after a restart, the new process). */
  services: Record<ServiceName, ServiceProcess>;
  /** Every replica of each service, in start order: a live list (restarts replace, addReplica appends). */
  replicas: Record<ServiceName, ServiceProcess[]>;
  /** nginx master process id (its workers are its children). */
  nginxPid: number | undefined;
  tenantId: string;
  /** The first bot (bots[0]). */
  botId: string;
  phoneNumberId: string;
  /** Every bot of the fleet's tenant, the first one included as element 0. */
  bots: FleetBot[];
  /** Numbers the sandbox hosts that no bot uses (FleetOptions.spareNumbers). */
  spareNumbers: SandboxNumber[];
  appSecret: string;
  /** Starts (again) the first replica of a service with the same ports and settings; stops it first if it runs. */
  start(name: ServiceName): Promise<ServiceProcess>;
  /** Starts (again) replica `index` of a service with the same ports and settings; stops it first (SIGTERM) if it runs. */
  restartReplica(name: ServiceName, index: number): Promise<ServiceProcess>;
  /**
   * Starts one more replica on new ports with the service's settings. It is not added to nginx,
   * and the other services keep the gRPC addresses they were started with.
   */
  addReplica(name: ServiceName): Promise<ServiceProcess>;
  /** Stops every replica (SIGTERM, waits), then nginx, the sandbox, Redis and the database. */
  stop(): Promise<void>;
}

/** A fleet on one private redis-server (the default). */
export interface Fleet extends FleetBase {
  /** The private redis-server, which a test may stop and start again. */
  redis: PrivateRedis;
  redisCluster?: undefined;
}

/** A fleet on a private Redis Cluster (`redis: "cluster"`). */
export interface ClusterFleet extends FleetBase {
  redis?: undefined;
  redisCluster: PrivateRedisCluster;
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

interface Nginx {
  child: ChildProcess;
  prefix: string;
  stop(): Promise<void>;
}

/** The built dashboard (`pnpm run build`) as nginx's static root; nginx/static when it was not built. */
function staticRootArgs(): string[] {
  const dashboard = join(ROOT, "packages/dashboard/dist");
  return existsSync(join(dashboard, "index.html")) ? ["--static-root", dashboard] : [];
}

async function startNginx(listenPort: number, gateways: string[], adapters: string[]): Promise<Nginx> {
  // nginx workers run as an unprivileged user (nobody, under root) and must reach their temp
  // files and the static root: both live in this world-readable prefix, never in the checkout,
  // which may be private (mode 0700).
  const prefix = mkdtempSync(join(tmpdir(), "fleet-nginx-"));
  chmodSync(prefix, 0o755);
  const conf = join(prefix, "nginx.conf");
  const upstreams = [...gateways.flatMap((address) => ["--gateway", address]), ...adapters.flatMap((address) => ["--adapter", address])];
  await run(join(ROOT, "nginx/render.sh"), ["--out", conf, "--listen", `127.0.0.1:${listenPort}`, ...upstreams, ...staticRootArgs(), "--copy-static"]);
  // setpriv --pdeathsig: nginx goes down with the harness even when it is killed.
  const child = spawn("setpriv", ["--pdeathsig", "TERM", nginxBinary(), "-p", prefix, "-c", conf, "-g", "daemon off;"], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const nginx: Nginx = {
    child,
    prefix,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      const home = await fetch(`http://127.0.0.1:${listenPort}/`);
      if (home.status !== 200) throw new Error(`nginx answered ${home.status} on /`);
      return nginx;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) {
        await nginx.stop();
        throw new Error(`nginx did not start: ${error instanceof Error ? error.message : String(error)} ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * Whether a replica's process still runs. ServiceProcess.stop() waits for an "exit" event, which
 * never comes again for a process that already died of a signal (its exitCode stays null).
 */
function isRunning(replica: ServiceProcess): boolean {
  return replica.child.exitCode === null && replica.child.signalCode === null;
}

/** `count` distinct free ports, none of them in `taken`. */
async function freePorts(count: number, taken: Set<number>): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (taken.has(port)) continue;
    taken.add(port);
    ports.push(port);
  }
  return ports;
}

/** A gRPC target naming every replica: grpc-js resolves `ipv4:a:p,b:p` to all of them (round robin in our clients). */
function grpcTarget(addresses: string[]): string {
  return addresses.length === 1 ? (addresses[0] ?? "") : `ipv4:${addresses.join(",")}`;
}

function replicaCount(name: ServiceName, scale: FleetOptions["scale"]): number {
  const count = scale?.[name] ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_REPLICAS) throw new RangeError(`scale.${name} must be an integer from 1 to ${MAX_REPLICAS}, got ${count}`);
  return count;
}

/** A random Meta-like phone number id, distinct from the ones in `taken`. */
function newPhoneNumberId(taken: Set<string>): string {
  for (;;) {
    const id = String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999));
    if (taken.has(id)) continue;
    taken.add(id);
    return id;
  }
}

/** Starts the fleet; if any part fails to start, whatever did start is stopped again. */
export function startFleet(options?: FleetOptions & { redis?: "server" }): Promise<Fleet>;
export function startFleet(options: FleetOptions & { redis: "cluster" }): Promise<ClusterFleet>;
export function startFleet(options: FleetOptions): Promise<Fleet | ClusterFleet>;
export async function startFleet(options: FleetOptions = {}): Promise<Fleet | ClusterFleet> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    return await launch(options, cleanups);
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw error;
  }
}

interface Ports {
  http: number;
  grpc: number | undefined;
}

async function launch(options: FleetOptions, cleanups: (() => Promise<unknown>)[]): Promise<Fleet | ClusterFleet> {
  // Bad scale values are refused before anything starts.
  for (const name of SERVICES) replicaCount(name, options.scale);
  const ratePerSecond = options.ratePerSecond ?? 80;
  const numbers = new Set<string>();
  const botSpecs = [{ ratePerSecond, ownTenant: false }, ...(options.bots ?? [])].map((bot) => ({
    ratePerSecond: bot.ratePerSecond,
    ownTenant: bot.ownTenant ?? false,
    phoneNumberId: newPhoneNumberId(numbers),
    accessToken: `EAAG${randomBytes(24).toString("hex")}`,
  }));
  const spareNumbers: SandboxNumber[] = Array.from({ length: options.spareNumbers ?? 0 }, () => ({ phoneNumberId: newPhoneNumberId(numbers), accessToken: `EAAG${randomBytes(24).toString("hex")}` }));
  const appSecret = randomBytes(16).toString("hex");
  const keyPrefix = "fleet:";

  const database = await createDatabase();
  cleanups.push(() => database.drop());
  let redis: PrivateRedis | undefined;
  let redisCluster: PrivateRedisCluster | undefined;
  if (options.redis === "cluster") {
    redisCluster = await startRedisCluster({ appendOnly: true });
    cleanups.push(() => redisCluster?.destroy() ?? Promise.resolve());
  } else {
    redis = await startRedisServer({ appendOnly: true });
    cleanups.push(() => redis?.destroy() ?? Promise.resolve());
  }
  const redisUrl = redisCluster?.url ?? redis?.url ?? "";
  const sandbox = createMetaSandbox({
    accessTokens: Object.fromEntries([...botSpecs, ...spareNumbers].map((bot) => [bot.phoneNumberId, bot.accessToken])),
    appSecret,
    ratePerSecond: Math.max(...botSpecs.map((bot) => bot.ratePerSecond)),
    logger: silentLogger,
    storeCapacity: 200_000,
  });
  const sandboxServer: Listening = await listen(sandbox.app);
  cleanups.push(() => sandboxServer.close());

  const takenPorts = new Set<number>();
  const [nginxPort = 0] = await freePorts(1, takenPorts);
  const newPorts = async (name: ServiceName): Promise<Ports> => {
    const [http = 0, grpc] = await freePorts(SERVES_GRPC[name] ? 2 : 1, takenPorts);
    return { http, grpc };
  };
  const slots: Record<ServiceName, Ports[]> = { "whatsapp-adapter": [], gateway: [], "bot-orchestrator": [], "analytics-worker": [] };
  for (const name of SERVICES) {
    for (let i = 0; i < replicaCount(name, options.scale); i++) slots[name].push(await newPorts(name));
  }
  const httpOf = (name: ServiceName): string[] => slots[name].map((ports) => `127.0.0.1:${ports.http}`);
  const grpcOf = (name: ServiceName): string[] => slots[name].flatMap((ports) => (ports.grpc === undefined ? [] : [`127.0.0.1:${ports.grpc}`]));
  const firstHttp = (name: ServiceName): string => `http://${httpOf(name)[0] ?? ""}`;

  // Settings every replica of a service shares (one encryption key, one JWT secret), fixed at
  // start: a replica added later gets the same, and the others keep the addresses they were given.
  const common = { DATABASE_URL: database.url, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix, LOG_LEVEL: options.logLevel ?? "info" };
  const encryptionKey = randomBytes(32).toString("hex");
  const shared: Record<ServiceName, Record<string, string>> = {
    "whatsapp-adapter": {
      ...common,
      SECRETS_ENCRYPTION_KEY: encryptionKey,
      META_APP_SECRET: appSecret,
      META_VERIFY_TOKEN: randomBytes(16).toString("hex"),
      META_GRAPH_BASE_URL: sandboxServer.url,
    },
    gateway: {
      ...common,
      JWT_SECRET: randomBytes(32).toString("hex"),
      ADAPTER_GRPC_URL: grpcTarget(grpcOf("whatsapp-adapter")),
      ORCHESTRATOR_GRPC_URL: grpcTarget(grpcOf("bot-orchestrator")),
      ANALYTICS_GRPC_URL: grpcTarget(grpcOf("analytics-worker")),
      // The fleet's combined health asks one replica of each service.
      ADAPTER_HTTP_URL: firstHttp("whatsapp-adapter"),
      ORCHESTRATOR_HTTP_URL: firstHttp("bot-orchestrator"),
      ANALYTICS_HTTP_URL: firstHttp("analytics-worker"),
    },
    "bot-orchestrator": {
      ...common,
      SECRETS_ENCRYPTION_KEY: encryptionKey,
      ADAPTER_GRPC_URL: grpcTarget(grpcOf("whatsapp-adapter")),
      COMMERCE_GRPC_URL: grpcTarget(grpcOf("gateway")),
    },
    "analytics-worker": { ...common },
  };
  const envOf = (name: ServiceName, ports: Ports): Record<string, string> => ({
    ...shared[name],
    ...options.env?.[name],
    HTTP_PORT: String(ports.http),
    ...(ports.grpc === undefined ? {} : { GRPC_PORT: String(ports.grpc) }),
  });
  const entry = (name: ServiceName): string => join(ROOT, "services", name, "dist/main.js");
  const startReplica = (name: ServiceName, ports: Ports): Promise<ServiceProcess> => startServiceProcess(entry(name), envOf(name, ports));

  const replicas: Record<ServiceName, ServiceProcess[]> = { "whatsapp-adapter": [], gateway: [], "bot-orchestrator": [], "analytics-worker": [] };
  const everyReplica = (): ServiceProcess[] => SERVICES.flatMap((name) => replicas[name]);
  cleanups.push(() => Promise.all(everyReplica().filter(isRunning).map((service) => service.stop("SIGKILL"))));
  // allSettled, not all: when one replica fails, the ones still starting are kept so the cleanup kills them too.
  const started = await Promise.allSettled(
    SERVICES.flatMap((name) =>
      slots[name].map(async (ports, index) => {
        replicas[name][index] = await startReplica(name, ports);
      }),
    ),
  );
  const failed = started.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;

  const nginx = await startNginx(nginxPort, httpOf("gateway"), httpOf("whatsapp-adapter"));
  cleanups.push(() => nginx.stop());

  const tenantId = randomUUID();
  const adapter = createServiceClient(AdapterService, grpcTarget(grpcOf("whatsapp-adapter")), { defaultDeadlineMs: 5000, auth: asGateway("whatsapp-adapter") });
  const bots: FleetBot[] = [];
  try {
    for (const [index, spec] of botSpecs.entries()) {
      const botTenant = spec.ownTenant ? randomUUID() : tenantId;
      const { bot } = await adapter.configureBot({
        tenantId: botTenant,
        displayName: index === 0 ? "Demo shop bot" : `Demo shop bot ${index + 1}`,
        providers: [
          {
            kind: ProviderKind.META,
            settings: { phone_number_id: spec.phoneNumberId, messages_per_second: String(spec.ratePerSecond) },
            secrets: { access_token: spec.accessToken },
          },
        ],
      });
      if (!bot) throw new Error("ConfigureBot returned no bot");
      bots.push({ botId: bot.id, tenantId: botTenant, phoneNumberId: spec.phoneNumberId });
    }
  } finally {
    adapter.close();
  }
  const [firstBot] = bots;
  if (!firstBot) throw new Error("the fleet has no bot");

  const redisClient: RedisClient = redisCluster
    ? new Cluster(redisCluster.nodes, { keyPrefix, redisOptions: { maxRetriesPerRequest: 1 } })
    : new Redis(redisUrl, { keyPrefix, maxRetriesPerRequest: 1 });
  redisClient.on("error", () => undefined);

  const replicaAt = (name: ServiceName, index: number): ServiceProcess => {
    const replica = replicas[name][index];
    if (!replica) throw new RangeError(`${name} has no replica ${index} (it has ${replicas[name].length})`);
    return replica;
  };
  const restartReplica = async (name: ServiceName, index: number): Promise<ServiceProcess> => {
    const ports = slots[name][index];
    if (!ports) throw new RangeError(`${name} has no replica ${index} (it has ${slots[name].length})`);
    const current = replicaAt(name, index);
    if (isRunning(current)) await current.stop("SIGTERM");
    const replica = await startReplica(name, ports);
    replicas[name][index] = replica;
    return replica;
  };

  const base: FleetBase = {
    url: `http://127.0.0.1:${nginxPort}`,
    sandbox,
    sandboxUrl: sandboxServer.url,
    redisClient,
    services: {
      get "whatsapp-adapter"() {
        return replicaAt("whatsapp-adapter", 0);
      },
      get gateway() {
        return replicaAt("gateway", 0);
      },
      get "bot-orchestrator"() {
        return replicaAt("bot-orchestrator", 0);
      },
      get "analytics-worker"() {
        return replicaAt("analytics-worker", 0);
      },
    },
    replicas,
    nginxPid: nginx.child.pid,
    tenantId,
    botId: firstBot.botId,
    phoneNumberId: firstBot.phoneNumberId,
    bots,
    spareNumbers,
    appSecret,
    start: (name) => restartReplica(name, 0),
    restartReplica,
    async addReplica(name) {
      const ports = await newPorts(name);
      const replica = await startReplica(name, ports);
      slots[name].push(ports);
      replicas[name].push(replica);
      return replica;
    },
    async stop() {
      redisClient.disconnect();
      await nginx.stop();
      // Services first and Redis last: a service stopping drains its work, which needs Redis.
      await Promise.all(everyReplica().filter(isRunning).map((service) => service.stop("SIGTERM")));
      await sandboxServer.close();
      await Promise.all([redis?.destroy(), redisCluster?.destroy(), database.drop()]);
    },
  };
  if (redisCluster) return { ...base, redisCluster };
  if (redis) return { ...base, redis };
  throw new Error("the fleet has no Redis");
}
