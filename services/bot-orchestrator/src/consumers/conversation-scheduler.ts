// Runs inbound entries of the partitions this replica owns: each conversation
// (bot + contact) strictly one entry after another, different conversations
// in parallel, with in-flight caps per conversation (1), per bot and per
// replica, so one slow bot never stalls another tenant's. An entry that must
// be retried blocks only its own conversation: it is retried in place with
// backoff, and the conversation's later entries wait behind it.
//
// Per-bot concurrency adapts (additive increase, multiplicative decrease): an
// entry throttled by its bot's provider pacing halves the bot's cap, each
// success raises it by one, so a bot paced at 1 msg/s keeps about one send in
// flight instead of filling the replica with sends waiting for their turn.

/** What became of one run of an entry. */
export type Disposition =
  /** Done (handled, or failed for good and recorded): ack it. */
  | { kind: "ack"; outcome: string }
  /**
   * Try again later. `counted`: a real failed attempt (false: throttled, or infrastructure away for
   * everybody). `throttled`: the bot's provider held it back, so the bot's concurrency is halved.
   */
  | { kind: "retry"; counted: boolean; throttled?: boolean; reason: string }
  /** It can never be handled: dead-letter it with the reason. */
  | { kind: "dead"; reason: string };

export interface ScheduledEntry {
  partition: number;
  /** Stream entry id. */
  id: string;
  /** Bot + contact. */
  conversation: string;
  botId: string;
  /** Failed attempts so far (carried over from earlier owners). */
  attempts: number;
  run(): Promise<Disposition>;
}

export interface SchedulerOptions {
  /** Acknowledges a finished entry (may batch). */
  ack(partition: number, id: string): void;
  /** Moves an entry to the dead-letter stream (and acks it there). */
  deadLetter(entry: ScheduledEntry, reason: string): Promise<void>;
  /** False while this replica is not sure it still owns the partition: nothing of it starts then. */
  owns(partition: number): boolean;
  maxInFlight: number;
  maxInFlightPerBot: number;
  /** Counted failed attempts after which an entry is dead-lettered. */
  maxAttempts: number;
  /** Delay before retry number `attempt` (1-based) of a counted failure. */
  retryDelayMs(attempt: number): number;
  /** Delay before retrying an entry that was throttled (not counted). */
  throttledDelayMs?: number;
  onRetry?(reason: string, counted: boolean): void;
  onDeadLetter?(reason: string): void;
  onError?(message: string, error: unknown): void;
}

interface Conversation {
  key: string;
  partition: number;
  botId: string;
  queue: ScheduledEntry[];
  state: "idle" | "ready" | "running" | "backoff";
  timer: NodeJS.Timeout | null;
  dropped: boolean;
}

export class ConversationScheduler {
  private readonly conversations = new Map<string, Conversation>();
  /** Per bot, its conversations ready to run, oldest first. */
  private readonly ready = new Map<string, Conversation[]>();
  /** Bots with ready conversations, served round robin. */
  private readonly bots: string[] = [];
  private cursor = 0;
  private readonly botInFlight = new Map<string, number>();
  private readonly botLimit = new Map<string, number>();
  private readonly running = new Map<number, Set<Promise<void>>>();
  private inFlight = 0;
  private held = 0;
  private roomWaiters: (() => void)[] = [];

  constructor(private readonly o: SchedulerOptions) {}

  /** Entries held (queued or running). */
  get buffered(): number {
    return this.held;
  }

  /** Entries running now. */
  get active(): number {
    return this.inFlight;
  }

  /** Conversations waiting to retry their head entry. */
  get blocked(): number {
    let count = 0;
    for (const conversation of this.conversations.values()) if (conversation.state === "backoff") count++;
    return count;
  }

  /** Entries of `botId` this replica lets run at once now. */
  concurrencyOf(botId: string): number {
    return this.limitOf(botId);
  }

  /** Resolves once fewer than `limit` entries are held. */
  async waitForRoom(limit: number): Promise<void> {
    while (this.held >= limit) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Adds an entry behind its conversation's earlier ones. */
  enqueue(entry: ScheduledEntry): void {
    let conversation = this.conversations.get(entry.conversation);
    if (!conversation) {
      conversation = { key: entry.conversation, partition: entry.partition, botId: entry.botId, queue: [], state: "idle", timer: null, dropped: false };
      this.conversations.set(entry.conversation, conversation);
    }
    conversation.queue.push(entry);
    this.held++;
    if (conversation.state === "idle") this.markReady(conversation);
    this.pump();
  }

  /**
   * Lets go of a partition: entries not started are dropped (they stay pending in the stream for
   * the next owner), running ones are awaited. Resolves when nothing of the partition runs.
   */
  async releasePartition(partition: number): Promise<void> {
    for (const conversation of [...this.conversations.values()]) {
      if (conversation.partition !== partition) continue;
      if (conversation.timer) clearTimeout(conversation.timer);
      conversation.timer = null;
      conversation.dropped = true;
      const running = conversation.state === "running" ? 1 : 0;
      this.held -= conversation.queue.length - running;
      conversation.queue.splice(running);
      // A later owner of the partition (this replica again, maybe) starts from fresh state.
      this.conversations.delete(conversation.key);
    }
    this.wakeRoomWaiters();
    while ((this.running.get(partition)?.size ?? 0) > 0) await Promise.allSettled([...(this.running.get(partition) ?? [])]);
  }

  /** Makes conversations whose partition could not start (ownership unsure) try again. */
  resume(): void {
    this.pump();
  }

  private limitOf(botId: string): number {
    return this.botLimit.get(botId) ?? this.o.maxInFlightPerBot;
  }

  private markReady(conversation: Conversation): void {
    conversation.state = "ready";
    let queue = this.ready.get(conversation.botId);
    if (!queue) {
      queue = [];
      this.ready.set(conversation.botId, queue);
      this.bots.push(conversation.botId);
    }
    queue.push(conversation);
  }

  private pump(): void {
    let idleRounds = 0;
    while (this.inFlight < this.o.maxInFlight && this.bots.length > 0 && idleRounds < this.bots.length) {
      if (this.cursor >= this.bots.length) this.cursor = 0;
      const botId = this.bots[this.cursor] ?? "";
      const queue = this.ready.get(botId) ?? [];
      while (queue.length > 0 && (queue[0]?.dropped || queue[0]?.state !== "ready")) queue.shift();
      if (queue.length === 0) {
        this.ready.delete(botId);
        this.bots.splice(this.cursor, 1);
        continue;
      }
      const conversation = queue[0];
      if (!conversation || (this.botInFlight.get(botId) ?? 0) >= this.limitOf(botId) || !this.o.owns(conversation.partition)) {
        this.cursor++;
        idleRounds++;
        continue;
      }
      queue.shift();
      this.start(conversation);
      this.cursor++;
      idleRounds = 0;
    }
  }

  private start(conversation: Conversation): void {
    const entry = conversation.queue[0];
    if (!entry) {
      conversation.state = "idle";
      return;
    }
    conversation.state = "running";
    this.inFlight++;
    this.botInFlight.set(entry.botId, (this.botInFlight.get(entry.botId) ?? 0) + 1);
    const task = this.runEntry(conversation, entry);
    let tasks = this.running.get(entry.partition);
    if (!tasks) {
      tasks = new Set();
      this.running.set(entry.partition, tasks);
    }
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
  }

  private async runEntry(conversation: Conversation, entry: ScheduledEntry): Promise<void> {
    let disposition: Disposition;
    try {
      disposition = await entry.run();
    } catch (error) {
      this.o.onError?.("inbound entry handler failed", error);
      disposition = { kind: "retry", counted: true, reason: "handler_error" };
    }
    if (disposition.kind === "retry" && disposition.counted && entry.attempts + 1 >= this.o.maxAttempts) {
      disposition = { kind: "dead", reason: `retries_exhausted:${disposition.reason}` };
    }
    if (disposition.kind === "dead") {
      try {
        await this.o.deadLetter(entry, disposition.reason);
        this.o.onDeadLetter?.(disposition.reason);
      } catch (error) {
        this.o.onError?.("dead-lettering failed; entry kept for a retry", error);
        disposition = { kind: "retry", counted: false, reason: "dead_letter_failed" };
      }
    }
    this.inFlight--;
    this.botInFlight.set(entry.botId, Math.max((this.botInFlight.get(entry.botId) ?? 1) - 1, 0));
    if (disposition.kind === "retry") {
      this.retryLater(conversation, entry, disposition);
    } else {
      if (disposition.kind === "ack") this.o.ack(entry.partition, entry.id);
      this.botLimit.set(entry.botId, Math.min(this.limitOf(entry.botId) + 1, this.o.maxInFlightPerBot));
      conversation.queue.shift();
      this.held--;
      this.wakeRoomWaiters();
      this.next(conversation);
    }
    this.pump();
  }

  private retryLater(conversation: Conversation, entry: ScheduledEntry, disposition: { counted: boolean; throttled?: boolean; reason: string }): void {
    this.o.onRetry?.(disposition.reason, disposition.counted);
    let delay: number;
    if (disposition.counted) {
      entry.attempts++;
      delay = this.o.retryDelayMs(entry.attempts);
    } else if (disposition.throttled) {
      this.botLimit.set(entry.botId, Math.max(Math.floor(this.limitOf(entry.botId) / 2), 1));
      delay = this.o.throttledDelayMs ?? 250;
    } else {
      // Away for everybody: wait as for a first failure, without using up this entry's attempts.
      delay = this.o.retryDelayMs(1);
    }
    if (conversation.dropped) {
      this.forget(conversation);
      return;
    }
    conversation.state = "backoff";
    conversation.timer = setTimeout(() => {
      conversation.timer = null;
      if (conversation.dropped) return;
      this.markReady(conversation);
      this.pump();
    }, delay);
  }

  private next(conversation: Conversation): void {
    if (conversation.dropped || conversation.queue.length === 0) {
      this.forget(conversation);
      return;
    }
    this.markReady(conversation);
  }

  private forget(conversation: Conversation): void {
    conversation.state = "idle";
    if (this.conversations.get(conversation.key) === conversation) this.conversations.delete(conversation.key);
    if (conversation.dropped) {
      this.held -= conversation.queue.length;
      conversation.queue.length = 0;
      this.wakeRoomWaiters();
    }
  }

  private wakeRoomWaiters(): void {
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const wake of waiters) wake();
  }
}
