// A private Redis Cluster (masters only, on loopback) for tests and the fleet
// harness: keys spread over slots held by different servers, so a script or a
// transaction whose keys do not share a hash tag fails here as it would on a
// production cluster. Needs redis-server and redis-cli 7 or later (`--cluster-port`).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort } from "./ports.js";

const run = promisify(execFile);
const HOST = "127.0.0.1";
const SETPRIV = "/usr/bin/setpriv";

export interface RedisClusterNode {
  host: string;
  port: number;
}

export interface PrivateRedisCluster {
  /** `redis-cluster://127.0.0.1:P1,127.0.0.1:P2,...`: the form REDIS_URL takes for a cluster. */
  url: string;
  /** Every master, in the order the cluster was created. */
  nodes: RedisClusterNode[];
  /** Process ids of the nodes still running (for CPU/memory measurements). */
  readonly pids: number[];
  /** Stops every node (SIGTERM, waits for exit) and removes their data directories. */
  destroy(): Promise<void>;
}

export interface RedisClusterOptions {
  /** Number of masters; Redis Cluster needs at least 3. */
  masters?: number;
  /** Keep an append-only file on every node (the fleet's streams are its intake queue). */
  appendOnly?: boolean;
}

interface NodeProcess extends RedisClusterNode {
  child: ChildProcess;
  /** The end of the node's log, for the error message when the cluster does not form. */
  output(): string;
}

/** `count` distinct free ports: two consecutive freePort() calls may hand out the same one. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

function startNode(dir: string, port: number, busPort: number, appendOnly: boolean): NodeProcess {
  mkdirSync(dir, { recursive: true });
  const args = [
    "--port", String(port), "--bind", HOST, "--dir", dir,
    "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", String(busPort),
    "--save", "", "--appendonly", appendOnly ? "yes" : "no", "--appendfsync", "everysec",
  ];
  // Under setpriv's parent-death signal a node goes down with the test process even when that
  // process is killed before it can call destroy(): no orphaned servers on a shared machine.
  const child = existsSync(SETPRIV)
    ? spawn(SETPRIV, ["--pdeathsig", "TERM", "redis-server", ...args], { stdio: ["ignore", "pipe", "pipe"] })
    : spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  let tail = "";
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { host: HOST, port, child, output: () => tail };
}

async function untilTrue(what: string, deadlineMs: number, check: () => Promise<boolean>, details: () => string): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    let last = "";
    try {
      if (await check()) return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new Error(`redis cluster: ${what} within ${deadlineMs} ms${last ? ` (${last})` : ""}\n${details()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One short-lived connection to one node, without the retries a probe must not wait for. */
async function onNode<T>(node: RedisClusterNode, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: node.host, port: node.port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

async function stopNode(node: NodeProcess): Promise<void> {
  const { child } = node;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await exited;
}

export async function startRedisCluster({ masters = 3, appendOnly = false }: RedisClusterOptions = {}): Promise<PrivateRedisCluster> {
  if (!Number.isInteger(masters) || masters < 3) throw new RangeError(`a Redis Cluster needs at least 3 masters, got ${masters}`);
  const root = mkdtempSync(join(tmpdir(), "fleet-redis-cluster-"));
  // Each node has a client port and a cluster bus port; the bus port is given explicitly because
  // the default (port + 10000) is often above 65535 for the ephemeral ports freePort hands out.
  const ports = await distinctFreePorts(masters * 2);
  const nodes: NodeProcess[] = [];
  const details = (): string => nodes.map((node) => `--- node ${node.port} (exit ${String(node.child.exitCode)}):\n${node.output()}`).join("\n");

  const destroy = async (): Promise<void> => {
    await Promise.all(nodes.map(stopNode));
    rmSync(root, { recursive: true, force: true });
  };

  try {
    for (let i = 0; i < masters; i++) {
      const port = ports[2 * i] ?? 0;
      const busPort = ports[2 * i + 1] ?? 0;
      nodes.push(startNode(join(root, `node-${port}`), port, busPort, appendOnly));
    }
    for (const node of nodes) {
      await untilTrue(`node ${node.port} did not answer PING`, 5000, () => onNode(node, async (redis) => (await redis.ping()) === "PONG"), details);
    }
    const addresses = nodes.map((node) => `${node.host}:${node.port}`);
    await run("redis-cli", ["--cluster", "create", ...addresses, "--cluster-replicas", "0", "--cluster-yes"], { timeout: 20_000 }).catch((error: unknown) => {
      const stdout = typeof error === "object" && error !== null && "stdout" in error ? String(error.stdout) : "";
      throw new Error(`redis cluster: redis-cli --cluster create failed: ${error instanceof Error ? error.message : String(error)}\n${stdout}\n${details()}`);
    });
    // The cluster is usable once every node has learnt, by gossip, who holds every slot.
    for (const node of nodes) {
      await untilTrue(
        `node ${node.port} did not reach cluster_state:ok`,
        10_000,
        () => onNode(node, async (redis) => /^cluster_state:ok\r?$/m.test(String(await redis.cluster("INFO")))),
        details,
      );
    }
  } catch (error) {
    await destroy();
    throw error;
  }

  return {
    url: `redis-cluster://${nodes.map((node) => `${node.host}:${node.port}`).join(",")}`,
    nodes: nodes.map(({ host, port }) => ({ host, port })),
    get pids() {
      return nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null).flatMap((node) => (node.child.pid === undefined ? [] : [node.child.pid]));
    },
    destroy,
  };
}
