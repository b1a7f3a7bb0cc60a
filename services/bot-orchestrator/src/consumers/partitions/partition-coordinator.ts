// Gives this replica its share of the inbound partitions and keeps it: a
// heartbeat says which replicas are alive, every replica computes the same
// assignment from that list, and a renewed Redis lease per partition makes
// ownership exclusive. A replica that joins gets its partitions when their
// owners have let go of them (within about one tick); one that dies loses
// them when its leases expire (one TTL); one that stops leaves at once.
import { inboundLeaseKey } from "@fleet/contracts";
import { LocalLease, type LeaseRepository, type Logger, type SettingAgreement } from "@fleet/service-kit";
import type { ReplicasRepository } from "../../repositories/replicas.repository.js";
import { partitionsOf } from "./partition-assignment.js";

export interface OwnedPartition {
  partition: number;
  lease: LocalLease;
  /** Stops the partition's work; resolves once nothing of it runs. */
  stop(): Promise<void>;
}

export interface PartitionCoordinatorOptions {
  /** This replica's name (its consumer name in the groups). */
  name: string;
  partitions: number;
  leaseTtlMs: number;
  leases: LeaseRepository;
  replicas: ReplicasRepository;
  /** Starts the work on a partition this replica now owns. */
  startPartition(partition: number, lease: LocalLease): OwnedPartition;
  /** Whether this replica's partition count is the fleet's; it owns nothing while it is not. */
  agreeOnPartitionCount(): Promise<SettingAgreement>;
  /** Told after every tick (e.g. to resume work held while ownership was unsure). */
  onTick?(): void;
  logger: Logger;
}

/** How often leases are renewed (each tick): five times per TTL. */
function renewalInterval(leaseTtlMs: number): number {
  return Math.max(Math.floor(leaseTtlMs / 5), 50);
}

export class PartitionCoordinator {
  private readonly owned = new Map<number, OwnedPartition>();
  /** Partitions being let go: their lease is released once their work stopped. */
  private readonly leaving = new Map<number, Promise<void>>();
  private members: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private stopped = false;
  private agreed = false;

  constructor(private readonly o: PartitionCoordinatorOptions) {}

  /** Partitions this replica owns now. */
  get partitions(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  /** Live replicas at the last heartbeat. */
  get liveReplicas(): ReadonlySet<string> {
    return new Set(this.members);
  }

  /** True while this replica is sure it owns `partition`. */
  owns(partition: number): boolean {
    return this.owned.get(partition)?.lease.valid ?? false;
  }

  start(): void {
    const interval = renewalInterval(this.o.leaseTtlMs);
    const loop = (): void => {
      if (this.stopped) return;
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
        if (!this.stopped) this.timer = setTimeout(loop, interval);
      });
    };
    loop();
  }

  /** Graceful stop: leave the replica set, finish the partitions' running entries, release their leases. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await this.o.replicas.leave(this.o.name).catch((error: unknown) => this.warn("leaving the replica set failed", error));
    await Promise.all([...this.owned.keys()].map((partition) => this.letGo(partition, true)));
    await Promise.all(this.leaving.values());
  }

  private async tick(): Promise<void> {
    const { name, partitions, leaseTtlMs, leases } = this.o;
    if (!this.agreed) {
      try {
        const agreement = await this.o.agreeOnPartitionCount();
        if (!agreement.agreed) {
          this.o.logger.error("INBOUND_PARTITIONS differs from the fleet's; this replica takes no partition", { configured: partitions, fleet: agreement.recorded });
          return;
        }
        this.agreed = true;
      } catch (error) {
        this.warn("cannot check the fleet's partition count yet", error);
        return;
      }
    }
    try {
      this.members = await this.o.replicas.heartbeat(name, leaseTtlMs);
    } catch (error) {
      this.warn("replica heartbeat failed", error);
    }
    const wanted = partitionsOf(name, this.members.includes(name) ? this.members : [...this.members, name], partitions);

    // Keep what is ours; stop at once what we lost (another replica may be taking it over).
    await Promise.all(
      [...this.owned.values()].map(async (owned) => {
        try {
          const held = await owned.lease.refresh(() => leases.renew(inboundLeaseKey(owned.partition), name, leaseTtlMs));
          if (!held) {
            this.o.logger.warn("lost the lease of an inbound partition", { partition: owned.partition });
            void this.letGo(owned.partition, false);
          }
        } catch (error) {
          // Unsure: the lease's local validity runs out by itself and work on the partition pauses.
          this.warn("lease renewal failed", error);
        }
      }),
    );

    for (const partition of this.owned.keys()) if (!wanted.has(partition)) void this.letGo(partition, true);

    await Promise.all(
      [...wanted]
        .filter((partition) => !this.owned.has(partition) && !this.leaving.has(partition))
        .map(async (partition) => {
          const lease = new LocalLease(leaseTtlMs);
          try {
            if (!(await lease.refresh(() => leases.acquire(inboundLeaseKey(partition), name, leaseTtlMs)))) return;
          } catch (error) {
            this.warn("lease acquisition failed", error);
            return;
          }
          if (this.stopped) {
            await leases.release(inboundLeaseKey(partition), name).catch(() => undefined);
            return;
          }
          this.o.logger.info("owns inbound partition", { partition });
          this.owned.set(partition, this.o.startPartition(partition, lease));
        }),
    );
    this.o.onTick?.();
  }

  /**
   * Hands a partition over: stop its work (running entries finish and are acked), then release
   * the lease (when it is still ours). Until then the partition is not taken again, not even by
   * this replica, so two readers never work on one partition.
   */
  private letGo(partition: number, release: boolean): Promise<void> {
    const owned = this.owned.get(partition);
    if (!owned) return this.leaving.get(partition) ?? Promise.resolve();
    this.owned.delete(partition);
    // Still ours while its running entries finish (also after stop() ended the ticks): a lease that
    // lapsed meanwhile would let the next owner run them again beside this replica.
    const { name, leaseTtlMs, leases } = this.o;
    const renewal = release
      ? setInterval(() => {
          owned.lease.refresh(() => leases.renew(inboundLeaseKey(partition), name, leaseTtlMs)).catch((error: unknown) => this.warn("lease renewal failed", error));
        }, renewalInterval(leaseTtlMs))
      : null;
    const leaving = owned
      .stop()
      .finally(() => {
        if (renewal) clearInterval(renewal);
      })
      .then(async () => {
        if (release) await this.o.leases.release(inboundLeaseKey(partition), this.o.name);
        this.o.logger.info("let go of inbound partition", { partition });
      })
      .catch((error: unknown) => this.warn("releasing an inbound partition failed; its lease will expire", error))
      .finally(() => this.leaving.delete(partition));
    this.leaving.set(partition, leaving);
    return leaving;
  }

  private warn(message: string, error: unknown): void {
    this.o.logger.warn(message, { error: error instanceof Error ? error.message : String(error) });
  }
}
