// Leases in Redis: a key naming its owner that expires unless the owner
// renews it. Used where exactly one replica of a service may do something at
// a time (own an inbound partition, a provider session, a periodic job).
// Every operation touches one key, so it works on a Redis Cluster as well.
//
// A holder must act only while its lease is surely valid. `LocalLease` keeps
// that knowledge from the holder's own clock: the validity counts from when a
// renewal was *sent*, which is never later than when Redis applied it, so the
// holder stops believing in its lease before Redis lets another one take it.
import type { RedisClient } from "./redis.js";

// Takes the lease when free, or extends it when the caller already holds it.
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;

interface LeaseCommands {
  fleetLeaseAcquire(key: string, owner: string, ttlMs: number): Promise<number>;
  fleetLeaseRenew(key: string, owner: string, ttlMs: number): Promise<number>;
  fleetLeaseRelease(key: string, owner: string): Promise<number>;
}

export interface LeaseRepository {
  /** Takes the lease if nobody holds it (or extends it if `owner` does); true when `owner` holds it now. */
  acquire(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends a lease `owner` still holds; false when it expired or someone else holds it. */
  renew(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `owner` holds it. */
  release(key: string, owner: string): Promise<boolean>;
  /** Who holds the lease now, if anyone. */
  holder(key: string): Promise<string | null>;
}

export function createLeaseRepository(redis: RedisClient): LeaseRepository {
  redis.defineCommand("fleetLeaseAcquire", { numberOfKeys: 1, lua: ACQUIRE });
  redis.defineCommand("fleetLeaseRenew", { numberOfKeys: 1, lua: RENEW });
  redis.defineCommand("fleetLeaseRelease", { numberOfKeys: 1, lua: RELEASE });
  const commands = redis as unknown as LeaseCommands;
  return {
    acquire: async (key, owner, ttlMs) => (await commands.fleetLeaseAcquire(key, owner, ttlMs)) === 1,
    renew: async (key, owner, ttlMs) => (await commands.fleetLeaseRenew(key, owner, ttlMs)) === 1,
    release: async (key, owner) => (await commands.fleetLeaseRelease(key, owner)) === 1,
    holder: (key) => redis.get(key),
  };
}

/**
 * The holder's view of one lease: valid until `ttlMs × safety` after the last
 * acquire or renewal that succeeded, counted from when that call was sent.
 */
export class LocalLease {
  private validUntil = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    /** Share of the TTL the holder trusts (clock drift, pauses). */
    private readonly safety = 0.8,
  ) {}

  /** Runs an acquire/renew call and records the validity it grants; returns its answer. */
  async refresh(call: () => Promise<boolean>): Promise<boolean> {
    const sentAt = this.now();
    const held = await call();
    this.validUntil = held ? sentAt + this.ttlMs * this.safety : 0;
    return held;
  }

  get valid(): boolean {
    return this.now() < this.validUntil;
  }

  /** Milliseconds the holder may still trust the lease (0 when it may not). */
  get remainingMs(): number {
    return Math.max(this.validUntil - this.now(), 0);
  }

  invalidate(): void {
    this.validUntil = 0;
  }
}
