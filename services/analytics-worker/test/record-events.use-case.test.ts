// The batching rules of record-events, on an in-memory repository.
import { describe, it, expect } from "@jest/globals";
import { Registry } from "prom-client";
import type { AnalyticsEvent } from "@fleet/contracts";
import { createAnalyticsMetrics } from "../src/metrics.js";
import { collectionFor, createRecordEvents, type RecordEventsDeps } from "../src/use-cases/record-events.use-case.js";
import { FakeEventsRepository, analyticsEvent, capturingLogger } from "./fakes.js";

function setup(options: Partial<Pick<RecordEventsDeps, "batchSize" | "flushIntervalMs">> = {}) {
  const repository = new FakeEventsRepository();
  const registry = new Registry();
  const metrics = createAnalyticsMetrics(registry);
  const { logger, lines } = capturingLogger();
  const recordEvents = createRecordEvents({ repository, logger, metrics, batchSize: 500, flushIntervalMs: 250, ...options });
  const written = async (collection: string) => (await metrics.eventsWritten.get()).values.find((v) => v.labels.collection === collection)?.value ?? 0;
  const writeFailures = async () => (await metrics.writeFailures.get()).values[0]?.value ?? 0;
  return { repository, recordEvents, lines, written, writeFailures };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("record events", () => {
  it("writes a full batch at once, without waiting for the interval", async () => {
    const { repository, recordEvents } = setup({ batchSize: 3, flushIntervalMs: 60_000 });
    const events = [analyticsEvent(), analyticsEvent(), analyticsEvent()];

    const started = Date.now();
    const outcomes = await Promise.all(events.map((e) => recordEvents.record(e)));

    expect(outcomes).toEqual(["stored", "stored", "stored"]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(repository.calls).toEqual([{ collection: "message_logs", ids: events.map((e) => e.id) }]);
  });

  it("keeps a partial batch until the interval has passed, then writes it in one call", async () => {
    const { repository, recordEvents } = setup({ batchSize: 100, flushIntervalMs: 150 });
    const started = Date.now();
    const pending = [recordEvents.record(analyticsEvent()), recordEvents.record(analyticsEvent())];

    await delay(60);
    expect(repository.calls).toHaveLength(0);
    expect(recordEvents.buffered).toBe(2);

    expect(await Promise.all(pending)).toEqual(["stored", "stored"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(repository.calls).toHaveLength(1);
    expect(repository.calls[0]?.ids).toHaveLength(2);
    expect(recordEvents.buffered).toBe(0);
  });

  it("does not resolve an event before its batch is written", async () => {
    const { repository, recordEvents } = setup({ batchSize: 2, flushIntervalMs: 60_000 });
    let settled = false;
    const first = recordEvents.record(analyticsEvent()).then((outcome) => {
      settled = true;
      return outcome;
    });
    await delay(50);
    expect(settled).toBe(false);
    expect(repository.storedCount).toBe(0);

    await recordEvents.record(analyticsEvent());
    expect(await first).toBe("stored");
    expect(repository.storedCount).toBe(2);
  });

  it("routes message.* to message_logs, error to system_logs and the rest to analytics_events, one write per collection", async () => {
    const { repository, recordEvents, written } = setup({ batchSize: 9, flushIntervalMs: 60_000 });
    const types: AnalyticsEvent["type"][] = [
      "message.received", "message.sent", "message.send_failed", "message.status",
      "error",
      "conversation.started", "conversation.ended", "order.created", "handoff.requested",
    ];
    const events = types.map((type) => analyticsEvent({ type }));

    await Promise.all(events.map((e) => recordEvents.record(e)));

    const idsOf = (wanted: AnalyticsEvent["type"][]) => events.filter((e) => wanted.includes(e.type)).map((e) => e.id).sort();
    expect(repository.idsIn("message_logs")).toEqual(idsOf(["message.received", "message.sent", "message.send_failed", "message.status"]));
    expect(repository.idsIn("system_logs")).toEqual(idsOf(["error"]));
    expect(repository.idsIn("analytics_events")).toEqual(idsOf(["conversation.started", "conversation.ended", "order.created", "handoff.requested"]));
    expect(repository.calls.map((c) => c.collection).sort()).toEqual(["analytics_events", "message_logs", "system_logs"]);
    expect([await written("message_logs"), await written("system_logs"), await written("analytics_events")]).toEqual([4, 1, 4]);
  });

  it.each<[AnalyticsEvent["type"], string]>([
    ["message.received", "message_logs"],
    ["message.send_failed", "message_logs"],
    ["error", "system_logs"],
    ["order.created", "analytics_events"],
    ["handoff.requested", "analytics_events"],
  ])("stores %s in %s", (type, collection) => {
    expect(collectionFor(type)).toBe(collection);
  });

  it("treats an event that is already stored (a redelivery) as stored, without counting it twice", async () => {
    const { repository, recordEvents, written } = setup({ batchSize: 2, flushIntervalMs: 20 });
    const event = analyticsEvent();
    expect(await recordEvents.record(event)).toBe("stored");

    // Redelivered alone, then twice in one batch (reclaimed while its first delivery was in hand).
    expect(await recordEvents.record(event)).toBe("stored");
    expect(await Promise.all([recordEvents.record(event), recordEvents.record(event)])).toEqual(["stored", "stored"]);

    expect(repository.idsIn("message_logs")).toEqual([event.id]);
    expect(await written("message_logs")).toBe(1);
  });

  it("answers storage-unavailable for a whole batch when the write fails, and stores the same events once MongoDB is back", async () => {
    const { repository, recordEvents, writeFailures, lines } = setup({ batchSize: 2, flushIntervalMs: 20 });
    const events = [analyticsEvent(), analyticsEvent({ type: "error" })];
    repository.unreachable = true;

    expect(await Promise.all(events.map((e) => recordEvents.record(e)))).toEqual(["storage-unavailable", "storage-unavailable"]);
    expect(repository.storedCount).toBe(0);
    // One failed write per collection of the batch.
    expect(await writeFailures()).toBe(2);
    expect(lines.some((l) => l.level === "warn" && l.message === "event batch write failed; the events stay pending in the stream")).toBe(true);

    repository.unreachable = false;
    expect(await Promise.all(events.map((e) => recordEvents.record(e)))).toEqual(["stored", "stored"]);
    expect(repository.storedCount).toBe(2);
  });

  it("answers retry only for the events MongoDB refused, and stored for the rest of their batch", async () => {
    const { repository, recordEvents, written, writeFailures, lines } = setup({ batchSize: 3, flushIntervalMs: 60_000 });
    const [good, bad, alsoGood] = [analyticsEvent(), analyticsEvent(), analyticsEvent()];
    if (!good || !bad || !alsoGood) throw new Error("fixtures");
    repository.refused.add(bad.id);

    expect(await Promise.all([good, bad, alsoGood].map((e) => recordEvents.record(e)))).toEqual(["stored", "retry", "stored"]);
    expect(await written("message_logs")).toBe(2);
    expect(await writeFailures()).toBe(1);
    const warning = lines.find((l) => l.message === "MongoDB refused events; they stay pending and are retried");
    expect(warning).toMatchObject({ eventIds: [bad.id] });
    // Ids only: a contact number never reaches the logs.
    expect(JSON.stringify(lines)).not.toContain("5511999990000");
  });

  it("flush() writes what is buffered right away and waits for it", async () => {
    const { repository, recordEvents } = setup({ batchSize: 100, flushIntervalMs: 60_000 });
    const outcome = recordEvents.record(analyticsEvent());

    await recordEvents.flush();

    expect(repository.storedCount).toBe(1);
    expect(await outcome).toBe("stored");
    expect(recordEvents.writing).toBe(0);
  });
});
