// Reads one inbound partition for as long as this replica owns it: first the
// entries an earlier owner left pending (in stream order), then new ones,
// handing each to the conversation scheduler. Stopping lets go of the
// partition cleanly: entries not started stay pending for the next owner,
// entries running are finished and acked.
import type { Logger, RedisClient } from "@fleet/service-kit";
import { isNoGroup, type InboundPartitionsRepository, type PendingEntry, type RawEntry } from "../../repositories/inbound-partitions.repository.js";

export interface PartitionReaderOptions {
  partition: number;
  consumer: string;
  streams: InboundPartitionsRepository;
  /** A connection of the reader's own for the blocking reads; the reader closes it when it stops. */
  blocking: RedisClient;
  /** Hands one entry over (to the scheduler); `deliveries` is known for entries taken over. */
  accept(partition: number, entry: RawEntry | PendingEntry): void;
  /**
   * The partition's lease as this replica sees it: reads happen only while it surely holds and end
   * before it may lapse, so no entry is read after another replica could have taken the partition over.
   */
  lease: { readonly valid: boolean; readonly remainingMs: number };
  /** Resolves when the replica may buffer more entries. */
  waitForRoom(): Promise<void>;
  /** Drops what the replica buffered of the partition and waits for what runs. */
  release(partition: number): Promise<void>;
  /** Called once after the pending entries were taken over (e.g. to tidy the group). */
  afterTakeOver?(partition: number): Promise<void>;
  logger: Logger;
  batchSize: number;
  blockMs: number;
}

/** A read is not started with less of the lease left than this; the read's BLOCK ends this much before the lease may lapse. */
const READ_MARGIN_MS = 50;

/** Stream ids in stream order ("ms-seq", both parts compared as numbers). */
function compareIds(a: string, b: string): number {
  const [ams = "0", aseq = "0"] = a.split("-");
  const [bms = "0", bseq = "0"] = b.split("-");
  return Number(ams) - Number(bms) || Number(aseq) - Number(bseq);
}

export class PartitionReader {
  private running = false;
  private loop: Promise<void> | null = null;
  /** Resolves when a stop begins: a reader waiting for room in a full replica must not hold the stop up. */
  private stopping: Promise<void>;
  private signalStop: () => void = () => undefined;

  constructor(private readonly o: PartitionReaderOptions) {
    this.stopping = new Promise((resolve) => (this.signalStop = resolve));
  }

  get partition(): number {
    return this.o.partition;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops reading, drops what was not started, waits for what runs; the lease can then go. */
  async stop(): Promise<void> {
    this.running = false;
    this.signalStop();
    // Wakes a blocked XREADGROUP at once instead of after blockMs.
    this.o.blocking.disconnect();
    await this.loop;
    await this.o.release(this.o.partition);
  }

  private async run(): Promise<void> {
    const { partition, consumer, streams, logger } = this.o;
    let backoff = 100;
    let tookOver = false;
    while (this.running) {
      try {
        if (!tookOver) {
          await streams.ensureGroup(partition);
          const pending = await streams.takeOver(partition, consumer);
          if (pending.length > 0) logger.info("took over pending inbound entries", { partition, count: pending.length });
          for (const entry of pending) this.o.accept(partition, entry);
          tookOver = true;
          await this.o.afterTakeOver?.(partition).catch((error: unknown) => logger.warn("tidying the partition's group failed", { partition, error: String(error) }));
        }
        await Promise.race([this.o.waitForRoom(), this.stopping]);
        if (!this.running) break;
        // Unsure of the lease (renewal late or failed): read nothing until the coordinator renews it
        // or lets the partition go. An entry read now could be one the next owner never sees.
        const left = this.o.lease.valid ? this.o.lease.remainingMs - READ_MARGIN_MS : 0;
        if (left < READ_MARGIN_MS) {
          await Promise.race([new Promise((resolve) => setTimeout(resolve, READ_MARGIN_MS)), this.stopping]);
          continue;
        }
        // A stop does not wait for the read: disconnecting the blocking connection does not always
        // settle it (a read queued while that connection was reconnecting, e.g. after a Redis
        // restart, would wait forever), and the partition could then never be handed over.
        const read = streams.readNew(this.o.blocking, partition, consumer, this.o.batchSize, Math.max(Math.min(this.o.blockMs, left), 1));
        read.catch(() => undefined);
        const answer = await Promise.race([read, this.stopping.then(() => null)]);
        // Read after a stop began: they stay pending under this consumer and the next owner takes them over.
        if (!this.running || answer === null) break;
        const { entries, othersHold } = answer;
        // Entries another replica read after this one took over (it had lost the lease without
        // noticing yet) join this batch, all in stream order, so a conversation's later entry never
        // runs before them. Checked with every read (the read says whether others hold entries): a
        // stray entry is found no later than the next entry of its partition. If taking them over
        // fails, the batch goes alone.
        const stray =
          entries.length === 0 || !othersHold
            ? []
            : await streams.claimForeign(partition, consumer).catch((error: unknown): PendingEntry[] => {
                logger.warn("checking for entries other replicas hold failed", { partition, error: error instanceof Error ? error.message : String(error) });
                return [];
              });
        if (stray.length > 0) logger.warn("took over entries another replica read after losing the partition", { partition, count: stray.length });
        const batch: (RawEntry | PendingEntry)[] = stray.length > 0 ? [...stray, ...entries].sort((a, b) => compareIds(a.id, b.id)) : entries;
        for (const entry of batch) this.o.accept(partition, entry);
        backoff = 100;
      } catch (error) {
        if (!this.running) break;
        // The group vanished (stream deleted): take over again from scratch after recreating it.
        if (isNoGroup(error)) tookOver = false;
        logger.warn("inbound partition read failed", { partition, error: error instanceof Error ? error.message : String(error) });
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, 2000);
      }
    }
  }
}
