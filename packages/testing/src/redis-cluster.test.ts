import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { connect } from "node:net";
import { Cluster, Redis } from "ioredis";
import { startRedisCluster, type PrivateRedisCluster, type RedisClusterNode } from "./redis-cluster.js";

const PREFIX = "cluster-test:";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function keysOn(node: RedisClusterNode): Promise<string[]> {
  const redis = new Redis({ host: node.host, port: node.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await redis.connect();
  try {
    return await redis.keys("*");
  } finally {
    redis.disconnect();
  }
}

describe("a private Redis Cluster", () => {
  let cluster: PrivateRedisCluster;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    client = new Cluster(cluster.nodes, { keyPrefix: PREFIX, redisOptions: { maxRetriesPerRequest: 1 } });
  }, 30_000);

  afterAll(async () => {
    client?.disconnect();
    await cluster?.destroy();
  });

  it("has three masters on loopback and a redis-cluster:// URL naming them", () => {
    expect(cluster.nodes).toHaveLength(3);
    expect(new Set(cluster.nodes.map((node) => node.port)).size).toBe(3);
    expect(cluster.url).toBe(`redis-cluster://${cluster.nodes.map((node) => `127.0.0.1:${node.port}`).join(",")}`);
    expect(cluster.pids).toHaveLength(3);
  });

  it("spreads a prefixed client's keys over every master", async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `spread:${i}`);
    await Promise.all(keys.map((key, i) => client.set(key, String(i))));
    const perNode = await Promise.all(cluster.nodes.map(keysOn));
    for (const onOneNode of perNode) expect(onOneNode.length).toBeGreaterThan(0);
    expect(perNode.flat().sort()).toEqual(keys.map((key) => `${PREFIX}${key}`).sort());
    expect(await client.get("spread:7")).toBe("7");
  });

  it("runs a Lua script over two keys that share a hash tag, and refuses one whose keys do not", async () => {
    const script = "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCRBY', KEYS[2], ARGV[1])";
    expect(await client.eval(script, 2, "{order.42}.last", "{order.42}.total", "5")).toBe(5);
    expect(await client.eval(script, 2, "{order.42}.last", "{order.42}.total", "3")).toBe(8);
    expect(await client.get("{order.42}.last")).toBe("3");
    // "a" and "b" hash to different slots: a real cluster refuses to run the script.
    await expect(client.eval(script, 2, "a", "b", "1")).rejects.toThrow(/CROSSSLOT/);
  });

  it("leaves no process and no listening port after destroy", async () => {
    const pids = cluster.pids;
    client.disconnect();
    await cluster.destroy();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(cluster.pids).toEqual([]);
    for (const node of cluster.nodes) expect(await accepts(node.port)).toBe(false);
  });
});
