// The event publisher on real Redis: events stamped with their source and time, appended to the
// fleet's events stream in order, several with one command.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { AnalyticsEventSchema, STREAMS, decodeStreamEntry } from "@fleet/contracts";
import { createTestRedis, type TestRedis } from "@fleet/testing";
import { createEventPublisher } from "./event-publisher.js";
import { parseEntryList } from "./stream-replies.js";

describe("event publisher", () => {
  let test: TestRedis;

  beforeAll(async () => {
    test = await createTestRedis();
  });

  afterAll(async () => {
    await test.cleanup();
  });

  const stored = async () =>
    parseEntryList(await test.redis.xrange(STREAMS.events, "-", "+")).entries.map((entry) => {
      const decoded = decodeStreamEntry(AnalyticsEventSchema, entry.fields);
      if (!decoded.success) throw new Error(`unreadable entry ${entry.id}`);
      return decoded.data;
    });

  it("appends a turn's events in order with one command, stamped with the source and the time", async () => {
    const events = createEventPublisher(test.redis, "bot-orchestrator");
    const monitor = await test.redis.duplicate().monitor();
    const commands: string[] = [];
    monitor.on("monitor", (_time: string, args: string[]) => {
      if (args.some((arg) => arg === `${test.prefix}${STREAMS.events}`)) commands.push(String(args[0]).toLowerCase());
    });
    try {
      await test.redis.ping();
      await events.emitMany([
        { id: "e-1", type: "message.received", tenantId: "shop-1", botId: "bot-1", contact: "5215550001" },
        { id: "e-2", type: "conversation.started", tenantId: "shop-1", botId: "bot-1", contact: "5215550001", attributes: { step: "menu" } },
        { id: "e-3", type: "message.sent", tenantId: "shop-1", botId: "bot-1", contact: "5215550001", occurredAt: "2026-11-30T10:00:00.000Z" },
      ]);
      await test.redis.ping();
    } finally {
      monitor.disconnect();
    }

    expect(commands.filter((command) => command.startsWith("eval"))).toHaveLength(1);
    const appended = await stored();
    expect(appended.map((event) => [event.id, event.type, event.source, event.attributes])).toEqual([
      ["e-1", "message.received", "bot-orchestrator", {}],
      ["e-2", "conversation.started", "bot-orchestrator", { step: "menu" }],
      ["e-3", "message.sent", "bot-orchestrator", {}],
    ]);
    expect(appended[2]?.occurredAt).toBe("2026-11-30T10:00:00.000Z");
    expect(Date.parse(appended[0]?.occurredAt ?? "")).toBeGreaterThan(Date.now() - 60_000);

    await events.emitMany([]);
    await events.emit({ id: "e-4", type: "error", tenantId: "shop-1" });
    expect((await stored()).map((event) => event.id)).toEqual(["e-1", "e-2", "e-3", "e-4"]);
  });
});
