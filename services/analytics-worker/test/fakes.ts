// Test doubles: an in-memory events repository with insertMany({ordered:false})
// semantics on `_id` = event id, a logger whose lines tests can read, and events.
import type { AnalyticsEvent } from "@fleet/contracts";
import { type Logger } from "@fleet/service-kit";
import { memoryLogger } from "@fleet/testing";
import type { EventCollection, EventsRepository, InsertOutcome } from "../src/repositories/events.repository.js";

export class FakeEventsRepository implements EventsRepository {
  readonly stored = new Map<EventCollection, Map<string, AnalyticsEvent>>();
  /** Every insert call, in order, with the ids it carried. */
  readonly calls: { collection: EventCollection; ids: string[] }[] = [];
  /** While true, every call fails as a whole, as when MongoDB is unreachable. */
  unreachable = false;
  /** Ids the "server" refuses (e.g. a document validation error). */
  readonly refused = new Set<string>();
  prepareCalls = 0;

  async prepare(): Promise<void> {
    this.prepareCalls++;
    if (this.unreachable) throw new Error("connect ECONNREFUSED 127.0.0.1:27017");
  }

  async insert(collection: EventCollection, events: AnalyticsEvent[]): Promise<InsertOutcome> {
    this.calls.push({ collection, ids: events.map((e) => e.id) });
    await new Promise((resolve) => setImmediate(resolve));
    if (this.unreachable) throw new Error("Server selection timed out after 2000 ms");
    const documents = this.stored.get(collection) ?? new Map<string, AnalyticsEvent>();
    this.stored.set(collection, documents);
    const outcome: InsertOutcome = { inserted: 0, duplicates: 0, failedIds: [] };
    for (const event of events) {
      if (this.refused.has(event.id)) outcome.failedIds.push(event.id);
      else if (documents.has(event.id)) outcome.duplicates++;
      else {
        documents.set(event.id, event);
        outcome.inserted++;
      }
    }
    return outcome;
  }

  idsIn(collection: EventCollection): string[] {
    return [...(this.stored.get(collection)?.keys() ?? [])].sort();
  }

  get storedCount(): number {
    return [...this.stored.values()].reduce((sum, documents) => sum + documents.size, 0);
  }
}

/** A debug-level logger whose JSON lines the test reads. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  return memoryLogger("analytics-worker-test", "debug");
}

let sequence = 0;

export function analyticsEvent(overrides: Partial<AnalyticsEvent> = {}): AnalyticsEvent {
  sequence++;
  return {
    v: 1,
    id: `evt-${process.pid}-${sequence}`,
    tenantId: "shop-1",
    occurredAt: new Date().toISOString(),
    type: "message.received",
    source: "whatsapp-adapter",
    botId: "bot-1",
    contact: "5511999990000",
    attributes: { provider: "meta" },
    ...overrides,
  };
}

export async function eventually<T>(probe: () => T | Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
