// The stream helpers on a real three-node Redis Cluster (private redis-server
// processes): groups, stats, trimming and consumers reach the node that holds each
// stream, and dead-lettering works when `<stream>.dead` lives on another node.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Writable } from "node:stream";
import { Registry } from "prom-client";
import { freePort } from "@fleet/testing";
import { createLogger } from "./logger.js";
import { createRedisClient, type RedisClient } from "./redis.js";
import { registerStreamMetrics } from "./stream-metrics.js";
import { parseEntryList } from "./stream-replies.js";
import { streamGroupStats, trimAcknowledged } from "./stream-stats.js";
import { StreamConsumer, appendToStream, ensureStreamGroup } from "./streams.js";

const run = promisify(execFile);

interface TestCluster {
  url: string;
  stop(): Promise<void>;
}

async function startCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), "fleet-cluster-"));
  const nodes: { port: number; child: ChildProcess }[] = [];
  for (let n = 0; n < 3; n++) {
    // The bus port is given explicitly: the default (port + 10000) may not exist for a high free port.
    const [port, busPort] = [await freePort(), await freePort()];
    const args = ["--port", String(port), "--cluster-port", String(busPort), "--bind", "127.0.0.1", "--cluster-enabled", "yes"];
    args.push("--cluster-config-file", join(dir, `nodes-${port}.conf`), "--dir", dir, "--save", "", "--appendonly", "no");
    nodes.push({ port, child: spawn("redis-server", args, { stdio: "ignore" }) });
  }
  const stop = async () => {
    await Promise.all(
      nodes.map(({ child }) => {
        if (child.exitCode !== null) return Promise.resolve();
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        return exited;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const addresses = nodes.map(({ port }) => `127.0.0.1:${port}`);
    for (const { port } of nodes) await waitFor(() => run("redis-cli", ["-p", String(port), "ping"]).then(({ stdout }) => stdout.includes("PONG")));
    await run("redis-cli", ["--cluster", "create", ...addresses, "--cluster-replicas", "0", "--cluster-yes"]);
    for (const { port } of nodes) {
      await waitFor(() => run("redis-cli", ["-p", String(port), "cluster", "info"]).then(({ stdout }) => stdout.includes("cluster_state:ok")));
    }
    return { url: `redis-cluster://${addresses.join(",")}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error("timed out waiting for the test cluster");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const quiet = () => createLogger({ service: "cluster-test", level: "error", stream: new Writable({ write: (_chunk, _encoding, done) => done() }) });

describe("stream helpers on a Redis Cluster", () => {
  let cluster: TestCluster;
  const clients: RedisClient[] = [];

  function client(blocking = false): RedisClient {
    const redis = createRedisClient({ url: cluster.url, keyPrefix: "fleet:", logger: quiet(), name: "cluster-test", blocking });
    clients.push(redis);
    return redis;
  }

  beforeAll(async () => {
    cluster = await startCluster();
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((redis) => redis.quit().catch(() => undefined)));
    await cluster?.stop();
  });

  it("creates groups, reads stats, trims and reports metrics for streams spread over the nodes", async () => {
    const redis = client();
    // Hash tags spread the streams over different slots, hence different nodes.
    const streams = ["s.{a}", "s.{b}", "s.{c}", "s.{d}"];
    for (const stream of streams) {
      for (let n = 0; n < 5; n++) await appendToStream(redis, stream, { n });
      expect(await ensureStreamGroup(redis, stream, "g")).toBe(true);
      await redis.xreadgroup("GROUP", "g", "c", "COUNT", 3, "STREAMS", stream, ">");
    }
    for (const stream of streams) {
      expect(await streamGroupStats(redis, stream)).toEqual(expect.objectContaining({ length: 5, groups: [expect.objectContaining({ name: "g", pending: 3, lag: 2 })] }));
      const ids = parseEntryList(await redis.xrange(stream, "-", "+")).entries.map((entry) => entry.id);
      await redis.xack(stream, "g", ...ids);
      await redis.xreadgroup("GROUP", "g", "c", "STREAMS", stream, ">");
      await redis.xack(stream, "g", ...ids);
      expect(await trimAcknowledged(redis, stream)).toBe(5);
    }
    const registry = new Registry();
    registerStreamMetrics({ registry, redis, targets: () => streams.map((stream) => ({ stream, group: "g" })) });
    expect(await registry.metrics()).toContain('stream_length_entries{stream="s.{d}"} 0');
  });

  it("runs a consumer that handles entries and dead-letters one that keeps failing", async () => {
    // "fleet:jobs" and "fleet:jobs.dead" hash to slots 5828 and 13231: two different nodes.
    const stream = "jobs";
    const registry = new Registry();
    const handled: string[] = [];
    const consumer = new StreamConsumer({
      redis: client(),
      blockingRedis: client(true),
      stream,
      group: "workers",
      consumer: "w1",
      logger: quiet(),
      blockMs: 50,
      claimIdleMs: 150,
      maxDeliveries: 2,
      registry,
      handle: async (entry) => {
        handled.push(entry.id);
        return !entry.fields.includes(JSON.stringify({ poison: true }));
      },
    });
    consumer.start();
    try {
      const redis = client();
      await appendToStream(redis, stream, { ok: true });
      const poison = await appendToStream(redis, stream, { poison: true });
      await waitFor(async () => (await redis.xlen(`${stream}.dead`)) === 1);
      const [dead] = parseEntryList(await redis.xrange(`${stream}.dead`, "-", "+")).entries;
      expect(dead?.fields.slice(0, 6)).toEqual(["source_stream", stream, "source_id", poison, "reason", "max_deliveries"]);
      expect(handled.filter((id) => id === poison)).toHaveLength(2);
      await waitFor(async () => (await streamGroupStats(redis, stream))?.groups[0]?.pending === 0);
    } finally {
      await consumer.stop();
    }
  }, 20_000);
});
