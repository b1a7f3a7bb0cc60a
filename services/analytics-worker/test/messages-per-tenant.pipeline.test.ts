// The KPI pipeline, executed by mingo on documents shaped exactly as the
// events repository stores them (no mongod on these machines).
import { describe, it, expect } from "@jest/globals";
import { Aggregator } from "mingo";
import type { AnalyticsEvent } from "@fleet/contracts";
import { messagesPerTenantPipeline, type PipelineStage } from "../src/kpis/messages-per-tenant.pipeline.js";
import { toStoredEvent, type StoredEvent } from "../src/repositories/events.repository.js";

const NOW = new Date("2025-03-10T12:00:00.000Z");
const HOUR = 3_600_000;
let sequence = 0;

function stored(tenantId: string, type: AnalyticsEvent["type"], hoursAgo: number): StoredEvent {
  const event: AnalyticsEvent = {
    v: 1,
    id: `evt-${++sequence}`,
    tenantId,
    occurredAt: new Date(NOW.getTime() - hoursAgo * HOUR).toISOString(),
    type,
    source: "bot-orchestrator",
    botId: "bot-1",
    attributes: {},
  };
  return toStoredEvent(event, NOW);
}

function run(pipeline: PipelineStage[], documents: StoredEvent[]) {
  return new Aggregator(pipeline).run(documents);
}

const repeat = (n: number, make: () => StoredEvent) => Array.from({ length: n }, make);

// Counts differ per tenant inside and outside the window, so any mistake on the window, the types or
// the grouping changes the numbers.
const fixtures: StoredEvent[] = [
  // shop-a: 3 received + 2 sent inside; 4 received outside (25 h, 48 h ago); 1 sent in the future.
  ...repeat(3, () => stored("shop-a", "message.received", 1)),
  ...repeat(2, () => stored("shop-a", "message.sent", 23.9)),
  ...repeat(2, () => stored("shop-a", "message.received", 25)),
  ...repeat(2, () => stored("shop-a", "message.received", 48)),
  stored("shop-a", "message.sent", -1),
  // shop-b: 1 received + 6 sent inside; message types that are not messages exchanged inside.
  stored("shop-b", "message.received", 0.5),
  ...repeat(6, () => stored("shop-b", "message.sent", 2)),
  ...repeat(5, () => stored("shop-b", "message.send_failed", 2)),
  ...repeat(5, () => stored("shop-b", "message.status", 2)),
  // shop-c: only non-message events inside, 9 received long ago: absent from the result.
  stored("shop-c", "order.created", 1),
  stored("shop-c", "conversation.started", 1),
  stored("shop-c", "error", 1),
  ...repeat(9, () => stored("shop-c", "message.received", 30)),
  // shop-d: one received inside, and one exactly on the window's start (excluded: the window is (now-24h, now]).
  stored("shop-d", "message.received", 3),
  stored("shop-d", "message.sent", 24),
];

describe("messagesPerTenantPipeline", () => {
  it("counts messages received and sent per tenant in the last 24 hours, busiest tenant first", () => {
    expect(run(messagesPerTenantPipeline(NOW), fixtures)).toEqual([
      { tenantId: "shop-b", messages: 7, received: 1, sent: 6 },
      { tenantId: "shop-a", messages: 5, received: 3, sent: 2 },
      { tenantId: "shop-d", messages: 1, received: 1, sent: 0 },
    ]);
  });

  it("honours another window length", () => {
    expect(run(messagesPerTenantPipeline(NOW, 72), fixtures)).toEqual([
      { tenantId: "shop-a", messages: 9, received: 7, sent: 2 },
      { tenantId: "shop-c", messages: 9, received: 9, sent: 0 },
      { tenantId: "shop-b", messages: 7, received: 1, sent: 6 },
      { tenantId: "shop-d", messages: 2, received: 1, sent: 1 },
    ]);
  });

  it("includes an event 1 ms inside the window and excludes one 1 ms after now", () => {
    const edge = (type: AnalyticsEvent["type"], offsetMs: number) => ({ ...stored("shop-e", type, 0), occurredAt: new Date(NOW.getTime() + offsetMs) });
    const docs = [edge("message.received", -24 * HOUR + 1), edge("message.sent", 0), edge("message.sent", 1)];
    expect(run(messagesPerTenantPipeline(NOW), docs)).toEqual([{ tenantId: "shop-e", messages: 2, received: 1, sent: 1 }]);
  });

  it("returns nothing when no message falls in the window", () => {
    expect(run(messagesPerTenantPipeline(NOW), fixtures.filter((d) => d.tenantId === "shop-c"))).toEqual([]);
  });

  it("filters on message types and on the (now - 24 h, now] range of BSON dates before grouping", () => {
    const pipeline = messagesPerTenantPipeline(NOW);
    const [match] = pipeline;
    expect(match).toEqual({
      $match: { type: { $in: ["message.received", "message.sent"] }, occurredAt: { $gt: new Date(NOW.getTime() - 24 * HOUR), $lte: NOW } },
    });
    expect(pipeline.map((stage) => Object.keys(stage))).toEqual([["$match"], ["$group"], ["$project"], ["$sort"]]);
  });

  it("rejects a window that is not positive", () => {
    expect(() => messagesPerTenantPipeline(NOW, 0)).toThrow(RangeError);
  });

  // Guards the guard: the fixtures must tell a correct pipeline from plausible wrong ones.
  it.each<[string, (pipeline: PipelineStage[]) => PipelineStage[]]>([
    ["ignores the window", (p) => [{ $match: { type: { $in: ["message.received", "message.sent"] } } }, ...p.slice(1)]],
    [
      "counts every message.* event as a message",
      (p) => [
        { $match: { type: { $regex: "^message\\." }, occurredAt: (p[0]?.$match as { occurredAt: unknown }).occurredAt } },
        { $group: { _id: "$tenantId", messages: { $sum: 1 }, received: { $sum: { $cond: [{ $eq: ["$type", "message.received"] }, 1, 0] } }, sent: { $sum: { $cond: [{ $eq: ["$type", "message.sent"] }, 1, 0] } } } },
        { $project: { _id: 0, tenantId: "$_id", messages: 1, received: 1, sent: 1 } },
        ...p.slice(3),
      ],
    ],
    ["groups everything into one row", (p) => [p[0] ?? {}, { $group: { _id: null, received: { $sum: 1 }, sent: { $sum: 0 } } }, ...p.slice(2)]],
    ["drops the sort", (p) => p.slice(0, 3)],
  ])("yields other numbers for a pipeline that %s", (_name, mutate) => {
    const correct = run(messagesPerTenantPipeline(NOW), fixtures);
    expect(run(mutate(messagesPerTenantPipeline(NOW)), fixtures)).not.toEqual(correct);
  });
});
