// Which orchestrator replicas are alive: each one heartbeats its name into a
// sorted set scored by when it expires (Redis' clock), and reads the others'
// in the same script. A replica that stops heartbeating drops out after its TTL.
import type { RedisClient } from "@fleet/service-kit";

const MEMBERS_KEY = "orchestrator.replicas";

const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

interface ReplicaCommands {
  fleetReplicaHeartbeat(key: string, name: string, ttlMs: number): Promise<string[]>;
}

export function createReplicasRepository(redis: RedisClient) {
  redis.defineCommand("fleetReplicaHeartbeat", { numberOfKeys: 1, lua: HEARTBEAT });
  const commands = redis as unknown as ReplicaCommands;
  return {
    /** Records `name` as alive for `ttlMs`; returns every live replica (itself included). */
    heartbeat: (name: string, ttlMs: number): Promise<string[]> => commands.fleetReplicaHeartbeat(MEMBERS_KEY, name, ttlMs),
    /** Removes `name` at once (a graceful stop), so the others rebalance without waiting for its TTL. */
    async leave(name: string): Promise<void> {
      await redis.zrem(MEMBERS_KEY, name);
    },
  };
}

export type ReplicasRepository = ReturnType<typeof createReplicasRepository>;
