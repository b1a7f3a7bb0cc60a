// The default flow set over gRPC, on real Postgres and Redis: InstallDefaultFlows gives a tenant
// the eight flows in its language, each activated (the welcome as the tenant's default main flow),
// keeps what the tenant already has when asked again (or twice at once), and a bot without a flow
// of its own then runs the welcome; PauseConversation queues a pause only for a bot that runs a flow.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { InboundEntrySchema, decodeStreamEntry, inboundPartition, inboundStream } from "@fleet/contracts";
import { FlowKind } from "@fleet/contracts/orchestrator";
import { memoryLogger, rejectionOf } from "@fleet/testing";
import { actionDefinitions } from "../src/flows/actions/registry.js";
import { DEFAULT_FLOW_IDS, defaultFlowSet } from "../src/flows/defaults/default-flows.js";
import { createFlowSource } from "../src/flows/runtime/flow-source.js";
import { createFlowsRepository } from "../src/repositories/flows.repository.js";
import { newId } from "./flows.fixtures.js";
import { SERVICE_PARTITIONS, startFlowsService, type FlowsService } from "./flows.service.js";

const { logger } = memoryLogger("bot-orchestrator", "error");
let service: FlowsService;

beforeAll(async () => {
  service = await startFlowsService({ actions: actionDefinitions, logger });
});

afterAll(async () => {
  await service?.stop();
});

const sorted = (ids: readonly string[]) => [...ids].sort();

describe("InstallDefaultFlows", () => {
  it("installs the eight flows in the tenant's default scope, each active, the welcome as its main flow", async () => {
    const tenantId = newId();
    const installed = await service.client.installDefaultFlows({ tenantId, language: "es" });
    expect(sorted(installed.installed)).toEqual(sorted(DEFAULT_FLOW_IDS));
    expect(installed.kept).toEqual([]);
    // Sub-flows first: the welcome's goto targets exist when it is activated.
    expect(installed.installed.at(-1)).toBe("welcome");
    const { flows } = await service.client.listFlows({ tenantId, botId: "" });
    expect(sorted(flows.map((flow) => flow.slug))).toEqual(sorted(DEFAULT_FLOW_IDS));
    for (const flow of flows) expect({ slug: flow.slug, active: flow.activeVersion }).toEqual({ slug: flow.slug, active: 1 });
    expect(flows.filter((flow) => flow.kind === FlowKind.MAIN).map((flow) => flow.slug)).toEqual(["welcome"]);
    // Any bot of the tenant without a flow of its own now runs the welcome.
    const source = createFlowSource(createFlowsRepository(service.db.pool), { activeTtlMs: 1 });
    const bot = await source.forBot(tenantId, newId());
    expect(bot.entry?.document.id).toBe("welcome");
    expect(sorted([...bot.bySlug.keys()])).toEqual(sorted(DEFAULT_FLOW_IDS));
  });

  it("keeps every flow the tenant already has when asked again, and twice at once installs each flow once", async () => {
    const tenantId = newId();
    const [first, second] = await Promise.all([service.client.installDefaultFlows({ tenantId, language: "en" }), service.client.installDefaultFlows({ tenantId, language: "en" })]);
    expect(sorted([...(first?.installed ?? []), ...(second?.installed ?? [])])).toEqual(sorted(DEFAULT_FLOW_IDS));
    const again = await service.client.installDefaultFlows({ tenantId, language: "es" });
    expect(again.installed).toEqual([]);
    expect(sorted(again.kept)).toEqual(sorted(DEFAULT_FLOW_IDS));
    expect((await service.client.listFlows({ tenantId, botId: "" })).flows).toHaveLength(DEFAULT_FLOW_IDS.length);
  });

  it("installs in the tenant's language", async () => {
    const welcomeOf = async (language: string) => {
      const tenantId = newId();
      await service.client.installDefaultFlows({ tenantId, language });
      const flow = (await service.client.listFlows({ tenantId, botId: "" })).flows.find((f) => f.slug === "welcome");
      const got = await service.client.getFlow({ tenantId, flowId: flow?.id ?? "", version: 1 });
      return got.version?.definitionJson ?? "";
    };
    const [es, en] = await Promise.all([welcomeOf("es"), welcomeOf("en")]);
    expect(JSON.parse(es)).toEqual(defaultFlowSet("es").main);
    expect(JSON.parse(en)).toEqual(defaultFlowSet("en").main);
    expect(es).not.toEqual(en);
  });

  it("refuses a language it has no flows in", async () => {
    expect(await rejectionOf(service.client.installDefaultFlows({ tenantId: newId(), language: "fr" }))).toMatchObject({ kind: "invalid_argument", code: "INVALID_LANGUAGE" });
  });
});

describe("PauseConversation", () => {
  it("queues a pause entry on the contact's partition for a bot that runs a flow, with who and until when; an echo bot answers paused = false", async () => {
    const tenantId = newId();
    const botId = newId();
    const contact = "5215512340099";
    const echo = await service.client.pauseConversation({ tenantId, botId, contact, minutes: 15, by: "user-ana" });
    expect(echo.paused).toBe(false);
    await service.client.installDefaultFlows({ tenantId, language: "es" });
    const before = Date.now();
    const paused = await service.client.pauseConversation({ tenantId, botId, contact, minutes: 15, by: "user-ana" });
    expect(paused.paused).toBe(true);
    const until = Number(paused.pausedUntil?.seconds ?? 0n) * 1000;
    expect(until).toBeGreaterThanOrEqual(Math.floor((before + 15 * 60_000) / 1000) * 1000);
    const stream = inboundStream(inboundPartition(botId, contact, SERVICE_PARTITIONS));
    const entries = (await service.testRedis.redis.xrange(stream, "-", "+")).map(([, fields]) => decodeStreamEntry(InboundEntrySchema, fields));
    expect(entries.map((entry) => entry.success && entry.data)).toEqual([expect.objectContaining({ kind: "pause", tenantId, botId, contact, by: "user-ana" })]);
    for (const minutes of [0, 10_081]) {
      expect(await rejectionOf(service.client.pauseConversation({ tenantId, botId, contact, minutes, by: "" }))).toMatchObject({ kind: "invalid_argument", code: "INVALID_PAUSE" });
    }
  });
});
