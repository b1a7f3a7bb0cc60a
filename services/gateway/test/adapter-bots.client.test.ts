// The gateway's adapter client for managing bots, against the fake adapter on
// the real gRPC wire: protobuf in, plain objects with the fleet's names out,
// the adapter's errors passed on and the transport's scrubbed.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { ProviderKind } from "@fleet/contracts/adapter";
import { freePort } from "@fleet/testing";
import { createAdapterClient, type AdapterClient } from "../src/clients/adapter.client.js";
import { startFakeAdapter, type FakeAdapter } from "./fake-adapter.js";
import { rejectionOf } from "@fleet/testing";

let adapter: FakeAdapter;
let client: AdapterClient;
const tenantId = randomUUID();
const otherTenantId = randomUUID();

beforeAll(async () => {
  adapter = await startFakeAdapter();
  client = createAdapterClient(adapter.address, { deadlineMs: 2000 });
});

beforeEach(() => adapter.reset());

afterAll(async () => {
  client?.close();
  await adapter?.stop();
});


const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe("adapter client: bots", () => {
  it("creates a bot and answers it with provider and state names and secret names, never values", async () => {
    const bot = await client.configureBot({
      tenantId,
      displayName: "Tenis Lupita",
      providers: [
        { kind: "meta", settings: { phone_number_id: "106540352242922" }, secrets: { access_token: "EAAG-secret-token" } },
        { kind: "twilio", settings: { from_number: "+15550001234" }, secrets: { auth_token: "twilio-secret" } },
      ],
    });

    expect(bot).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      tenantId,
      displayName: "Tenis Lupita",
      providers: [
        { kind: "meta", settings: { phone_number_id: "106540352242922" }, secretNames: ["access_token"] },
        { kind: "twilio", settings: { from_number: "+15550001234" }, secretNames: ["auth_token"] },
      ],
      createdAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
      connection: { state: "connected" },
    });
    expect(JSON.stringify(bot)).not.toMatch(/EAAG-secret-token|twilio-secret/);
    expect(adapter.configures[0]?.request).toMatchObject({ tenantId, botId: "", providers: [{ kind: ProviderKind.META }, { kind: ProviderKind.TWILIO }] });
  });

  it("updates a bot when given its id, keeping the secrets the update leaves out", async () => {
    const created = await client.configureBot({ tenantId, displayName: "Before", providers: [{ kind: "meta", settings: { phone_number_id: "1065" }, secrets: { access_token: "EAAG-kept" } }] });

    const updated = await client.configureBot({ tenantId, botId: created.id, displayName: "After", providers: [{ kind: "meta", settings: { phone_number_id: "1066" } }] });

    expect(updated).toMatchObject({ id: created.id, displayName: "After", providers: [{ kind: "meta", settings: { phone_number_id: "1066" }, secretNames: ["access_token"] }] });
    expect(adapter.configures[1]?.request).toMatchObject({ botId: created.id, providers: [{ secrets: {} }] });
    expect(adapter.botsOf(tenantId)[0]?.providers[0]?.secrets).toEqual({ access_token: "EAAG-kept" });
  });

  it("lists the tenant's bots a page at a time, with a null token on the last page", async () => {
    const ids = ["One", "Two", "Three"].map((displayName) => adapter.addBot(tenantId, { displayName, providers: [{ kind: ProviderKind.BAILEYS, settings: {}, secrets: {} }] }).id);
    adapter.addBot(otherTenantId, { displayName: "Not yours", providers: [] });

    const first = await client.listBots({ tenantId, pageSize: 2 });
    const second = await client.listBots({ tenantId, pageSize: 2, pageToken: first.nextPageToken ?? "" });

    expect(first.bots.map((bot) => bot.id)).toEqual(ids.slice(0, 2));
    expect(first.nextPageToken).not.toBeNull();
    expect(second).toMatchObject({ bots: [{ id: ids[2], displayName: "Three", providers: [{ kind: "baileys", secretNames: [] }] }], nextPageToken: null });
    expect(second.bots[0]?.connection).toEqual({ state: "disconnected", detail: expect.any(String) });
    expect(adapter.lists.map((call) => call.request.tenantId)).toEqual([tenantId, tenantId]);
  });

  it("gets one bot, and names a provider kind newer than this build null instead of failing", async () => {
    const stored = adapter.addBot(tenantId, { displayName: "Future", providers: [{ kind: 42 as ProviderKind, settings: {}, secrets: {} }] });

    const bot = await client.getBot({ tenantId, botId: stored.id });

    expect(bot).toMatchObject({ id: stored.id, displayName: "Future", providers: [{ kind: null, settings: {}, secretNames: [] }] });
    expect(bot.createdAt).toBe(stored.createdAt.toISOString());
  });

  it("deletes a bot; a second delete answers not_found BOT_NOT_FOUND", async () => {
    const stored = adapter.addBot(tenantId, { displayName: "Doomed", providers: [] });

    await expect(client.deleteBot({ tenantId, botId: stored.id })).resolves.toBeUndefined();

    expect(adapter.botsOf(tenantId)).toEqual([]);
    expect(await rejectionOf(client.deleteBot({ tenantId, botId: stored.id }))).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
  });

  it("passes on not_found BOT_NOT_FOUND when a tenant gets, updates or deletes another tenant's bot, which stays as it was", async () => {
    const stored = adapter.addBot(otherTenantId, { displayName: "Theirs", providers: [{ kind: ProviderKind.META, settings: {}, secrets: { access_token: "theirs" } }] });

    const errors = await Promise.all([
      rejectionOf(client.getBot({ tenantId, botId: stored.id })),
      rejectionOf(client.configureBot({ tenantId, botId: stored.id, displayName: "Hijacked", providers: [{ kind: "meta", settings: {}, secrets: { access_token: "mine" } }] })),
      rejectionOf(client.deleteBot({ tenantId, botId: stored.id })),
    ]);

    for (const error of errors) expect(error).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
    expect((await client.listBots({ tenantId })).bots).toEqual([]);
    expect(adapter.botsOf(otherTenantId)).toMatchObject([{ id: stored.id, displayName: "Theirs", providers: [{ secrets: { access_token: "theirs" } }] }]);
  });

  it("passes on the adapter's invalid_argument with its details", async () => {
    const error = await rejectionOf(client.configureBot({ tenantId, displayName: " ", providers: [] }));

    expect(error).toMatchObject({ kind: "invalid_argument", code: "INVALID_BOT_CONFIG" });
    expect(JSON.stringify(error.details)).toContain("providers");
  });

  it("reports an adapter nobody answers for as unavailable, without its address", async () => {
    const port = await freePort();
    const absent = createAdapterClient(`127.0.0.1:${port}`, { deadlineMs: 2000 });
    try {
      const error = await rejectionOf(absent.listBots({ tenantId }));

      expect(error.kind).toBe("unavailable");
      expect(error.message).not.toContain(String(port));
    } finally {
      absent.close();
    }
  });
});
