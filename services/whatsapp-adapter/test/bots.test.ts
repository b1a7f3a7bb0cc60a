// Managing bots end to end over a real gRPC client on real Postgres and Redis:
// ListBots, GetBot, DeleteBot and ConfigureBot updates, tenant isolation of
// all four, provider rows that keep their identity across updates, and the
// bot cache following updates and deletes on this replica and on another.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import { randomUUID } from "node:crypto";
import request from "supertest";
import { AdapterService, ConnectionState, ProviderKind, type Bot } from "@fleet/contracts/adapter";
import { createServiceClient, startGrpcServer, type RunningGrpcServer } from "@fleet/grpc-bridge";
import { buildMessagesWebhook, newWamid, signWebhookBody } from "@fleet/provider-sandbox";
import { createLogger, createMetrics } from "@fleet/service-kit";
import { configureMetaBot, inboundMark, inboundSince, newTenant, rejectionOf, startAdapterHarness, type AdapterHarness } from "./harness.js";

const NUMBERS = {
  listed: "500000000000001",
  listedOther: "500000000000002",
  isolated: "500000000000003",
  official: "500000000000004",
  deleted: "500000000000005",
  reused: "500000000000006",
  kept: "500000000000007",
  keptOfficial: "500000000000008",
  replica: "500000000000009",
  renamed: "500000000000010",
  owned: "500000000000011",
} as const;

const CUSTOMER = "5215512345678";
/** Twilio settings for a sender number of its own (one bot per provider number). */
const twilio = (fromNumber: string) => ({ account_sid: `AC${"0a".repeat(16)}`, from_number: fromNumber });

let h: AdapterHarness;

beforeAll(async () => {
  h = await startAdapterHarness({ phoneNumberIds: Object.values(NUMBERS) });
});

afterAll(async () => {
  await h.close();
});

function sendHello(tenantId: string, botId: string, client = h.client) {
  return client.sendMessage({ tenantId, botId, recipient: CUSTOMER, content: { kind: { case: "text", value: { body: "Hola" } } }, idempotencyKey: `test:${randomUUID()}` });
}

/** Milliseconds since the epoch of a google.protobuf.Timestamp. */
function millis(timestamp: Bot["createTime"]): number {
  if (!timestamp) throw new Error("the bot has no timestamp");
  return Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1_000_000);
}

/** Every bot of the tenant, page after page. */
async function listAll(tenantId: string, pageSize: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pageToken = "";
  let pages = 0;
  do {
    const page = await h.client.listBots({ tenantId, pageSize, pageToken });
    ids.push(...page.bots.map((bot) => bot.id));
    pageToken = page.nextPageToken;
    pages++;
  } while (pageToken !== "" && pages < 50);
  return { ids, pages };
}

async function insertBots(tenantId: string, createdAt: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [index, at] of createdAt.entries()) {
    const { rows } = await h.pool.query<{ id: string }>("INSERT INTO adapter.bots (tenant_id, display_name, created_at) VALUES ($1, $2, $3) RETURNING id", [tenantId, `Bot ${index}`, at]);
    const id = rows[0]?.id;
    if (!id) throw new Error("insert returned no id");
    ids.push(id);
  }
  return ids;
}

describe("ListBots", () => {
  it("lists only the tenant's bots, oldest first, with providers in fallback order, settings and secret names but never secret values", async () => {
    const tenantId = newTenant();
    const first = await configureMetaBot(h.client, { tenantId, phoneNumberId: NUMBERS.listed, accessToken: h.accessToken, displayName: "Tenis Lupita" });
    const second = await h.client.configureBot({
      tenantId,
      displayName: "Zapatería Centro",
      providers: [
        { kind: ProviderKind.TWILIO, settings: twilio("+15550001001"), secrets: { auth_token: "twilio-secret-0001" } },
        { kind: ProviderKind.META, settings: { phone_number_id: NUMBERS.listedOther }, secrets: { access_token: h.accessToken } },
      ],
    });
    await configureMetaBot(h.client, { tenantId: newTenant(), phoneNumberId: NUMBERS.isolated, accessToken: h.accessToken, displayName: "Another shop" });

    const response = await h.client.listBots({ tenantId });

    expect(response.nextPageToken).toBe("");
    expect(response.bots.map((bot) => [bot.id, bot.displayName])).toEqual([
      [first, "Tenis Lupita"],
      [second.bot?.id, "Zapatería Centro"],
    ]);
    const [meta, fallback] = response.bots;
    expect(meta).toMatchObject({ tenantId, connectionState: ConnectionState.CONNECTED, connectionDetail: "" });
    expect(meta?.providers).toEqual([expect.objectContaining({ kind: ProviderKind.META, settings: { phone_number_id: NUMBERS.listed }, secretNames: ["access_token"] })]);
    expect(fallback?.providers.map((p) => [p.kind, p.secretNames])).toEqual([
      [ProviderKind.TWILIO, ["auth_token"]],
      [ProviderKind.META, ["access_token"]],
    ]);
    expect(fallback?.providers[0]?.settings).toEqual(twilio("+15550001001"));
    // The primary provider decides the state: a Twilio account with its auth token is ready to send.
    expect(fallback).toMatchObject({ connectionState: ConnectionState.CONNECTED, connectionDetail: "" });
    expect(millis(meta?.createTime)).toBeGreaterThan(Date.now() - 60_000);
    expect(millis(meta?.updateTime)).toBeGreaterThanOrEqual(millis(meta?.createTime));
    const text = JSON.stringify(response, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
    expect(text).not.toContain(h.accessToken);
    expect(text).not.toContain("twilio-secret-0001");
  });

  it("answers an empty list to a tenant without bots", async () => {
    await expect(h.client.listBots({ tenantId: newTenant() })).resolves.toMatchObject({ bots: [], nextPageToken: "" });
  });

  it("pages through the tenant's bots, each exactly once, even when several were created in the same microsecond", async () => {
    const tenantId = newTenant();
    // Instants a JS Date cannot tell apart (same millisecond) and exact ties (ordered by id).
    const ids = await insertBots(tenantId, [
      "2026-01-05 10:00:00.000100+00",
      "2026-01-05 10:00:00.000200+00",
      "2026-01-05 10:00:00.000200+00",
      "2026-01-05 10:00:00.000200+00",
      "2026-01-05 10:00:00.000900+00",
      "2026-01-05 10:00:00.001000+00",
      "2026-01-05 10:00:00.001000+00",
    ]);
    const [a, b, c, d, e, f, g] = ids;
    const expected = [a, ...[b, c, d].sort(), e, ...[f, g].sort()];

    const { ids: listed, pages } = await listAll(tenantId, 2);

    expect(listed).toEqual(expected);
    expect(pages).toBe(4);
  });

  it("answers at most 50 bots by default and at most 100 when asked for more", async () => {
    const tenantId = newTenant();
    await h.pool.query("INSERT INTO adapter.bots (tenant_id, display_name) SELECT $1, 'Bot ' || g FROM generate_series(1, 101) g", [tenantId]);

    const byDefault = await h.client.listBots({ tenantId });
    const greedy = await h.client.listBots({ tenantId, pageSize: 1000 });

    expect(byDefault.bots).toHaveLength(50);
    expect(byDefault.nextPageToken).not.toBe("");
    expect(greedy.bots).toHaveLength(100);
    const rest = await h.client.listBots({ tenantId, pageSize: 1000, pageToken: greedy.nextPageToken });
    expect(rest.bots).toHaveLength(1);
    expect(rest.nextPageToken).toBe("");
  });

  it.each([
    ["a page token it did not issue", { pageToken: "not-a-token" }, "INVALID_PAGE_TOKEN"],
    ["a page token whose bot id was tampered with", { pageToken: Buffer.from(JSON.stringify({ createdAt: "2026-01-05T10:00:00.000100Z", id: "x" })).toString("base64url") }, "INVALID_PAGE_TOKEN"],
    ["a page token with an impossible date", { pageToken: Buffer.from(JSON.stringify({ createdAt: "2026-02-30T10:00:00.000100Z", id: randomUUID() })).toString("base64url") }, "INVALID_PAGE_TOKEN"],
    ["a negative page size", { pageSize: -1 }, "INVALID_LIST_REQUEST"],
  ])("answers invalid_argument to %s", async (_name, fields, code) => {
    const error = await rejectionOf(h.client.listBots({ tenantId: newTenant(), ...fields }));

    expect(error).toMatchObject({ kind: "invalid_argument", code });
  });

  it("answers invalid_argument to a tenant id that is not a UUID", async () => {
    const error = await rejectionOf(h.client.listBots({ tenantId: "tenant-1" }));

    expect(error).toMatchObject({ kind: "invalid_argument", code: "INVALID_LIST_REQUEST" });
  });
});

describe("GetBot", () => {
  it("answers the bot as ConfigureBot did, with its connection state (the BSP could not be reached to register the bot's webhook)", async () => {
    const tenantId = newTenant();
    const configured = await h.client.configureBot({
      tenantId,
      displayName: "Official shop",
      providers: [{ kind: ProviderKind.OFFICIAL, settings: { phone_number_id: NUMBERS.official }, secrets: { api_key: "d360-key-0001" } }],
    });
    const botId = configured.bot?.id ?? "";

    const response = await h.client.getBot({ tenantId, botId });

    expect(response.bot).toEqual(configured.bot);
    expect(response.bot).toMatchObject({ id: botId, tenantId, displayName: "Official shop", connectionState: ConnectionState.MISCONFIGURED, connectionDetail: expect.stringContaining("PROVIDER_UNREACHABLE") });
    expect(response.bot?.providers).toEqual([expect.objectContaining({ kind: ProviderKind.OFFICIAL, settings: { phone_number_id: NUMBERS.official }, secretNames: ["api_key"] })]);
  });

  it.each([
    ["an unknown bot id", () => randomUUID()],
    ["a bot id that is not a UUID", () => "bot-1"],
    ["an empty bot id", () => ""],
  ])("answers not_found BOT_NOT_FOUND (never internal) for %s", async (_name, botId) => {
    const error = await rejectionOf(h.client.getBot({ tenantId: newTenant(), botId: botId() }));

    expect(error).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
  });
});

describe("ConfigureBot updates", () => {
  it("renames a bot, reorders and adds providers, keeps omitted secrets, and moves update_time but not create_time", async () => {
    const tenantId = newTenant();
    const created = await h.client.configureBot({
      tenantId,
      displayName: "Before",
      providers: [{ kind: ProviderKind.META, settings: { phone_number_id: NUMBERS.renamed }, secrets: { access_token: h.accessToken } }],
    });
    const botId = created.bot?.id ?? "";

    const updated = await h.client.configureBot({
      tenantId,
      botId,
      displayName: "After",
      providers: [
        { kind: ProviderKind.TWILIO, settings: twilio("+15550001002"), secrets: { auth_token: "twilio-secret-0002" } },
        { kind: ProviderKind.META, settings: { phone_number_id: NUMBERS.renamed, messages_per_second: "20" }, secrets: {} },
      ],
    });

    expect(updated.bot).toMatchObject({ id: botId, displayName: "After" });
    expect(updated.bot?.providers.map((p) => [p.kind, p.secretNames])).toEqual([
      [ProviderKind.TWILIO, ["auth_token"]],
      [ProviderKind.META, ["access_token"]],
    ]);
    expect(millis(updated.bot?.createTime)).toBe(millis(created.bot?.createTime));
    expect(millis(updated.bot?.updateTime)).toBeGreaterThanOrEqual(millis(created.bot?.updateTime));
    expect((await h.client.getBot({ tenantId, botId })).bot).toEqual(updated.bot);

    // Back to Meta alone, still without a token: the one stored at creation is the one used.
    await h.client.configureBot({ tenantId, botId, displayName: "After", providers: [{ kind: ProviderKind.META, settings: { phone_number_id: NUMBERS.renamed }, secrets: {} }] });
    await sendHello(tenantId, botId);
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.renamed })).toHaveLength(1);
  });

  it("updates a provider's row in place (what references it survives) and deletes the row of a provider the update drops", async () => {
    const tenantId = newTenant();
    const botId = await configureMetaBot(h.client, { tenantId, phoneNumberId: NUMBERS.kept, accessToken: h.accessToken });
    // Stands in for state keyed by a bot's provider, such as a session, that must outlive a reconfiguration.
    await h.pool.query(
      `CREATE TABLE adapter.provider_state_probe (bot_id uuid NOT NULL, kind text NOT NULL,
         FOREIGN KEY (bot_id, kind) REFERENCES adapter.bot_providers (bot_id, kind) ON DELETE CASCADE)`,
    );
    await h.pool.query("INSERT INTO adapter.provider_state_probe VALUES ($1, 'meta')", [botId]);
    const probes = async () => (await h.pool.query<{ kind: string }>("SELECT kind FROM adapter.provider_state_probe WHERE bot_id = $1", [botId])).rows.map((r) => r.kind);

    // New token, and Meta moves from primary to fallback behind a new provider.
    await h.client.configureBot({
      tenantId,
      botId,
      displayName: "Shop bot",
      providers: [
        { kind: ProviderKind.OFFICIAL, settings: { phone_number_id: NUMBERS.keptOfficial }, secrets: { api_key: "d360-key-0002" } },
        { kind: ProviderKind.META, settings: { phone_number_id: NUMBERS.kept }, secrets: { access_token: h.accessToken } },
      ],
    });
    expect(await probes()).toEqual(["meta"]);
    const { rows } = await h.pool.query<{ kind: string; position: number }>("SELECT kind, position FROM adapter.bot_providers WHERE bot_id = $1 ORDER BY position", [botId]);
    expect(rows).toEqual([
      { kind: "official", position: 0 },
      { kind: "meta", position: 1 },
    ]);

    // Swapping the two back is allowed although positions are unique per bot.
    await h.client.configureBot({
      tenantId,
      botId,
      displayName: "Shop bot",
      providers: [
        { kind: ProviderKind.META, settings: { phone_number_id: NUMBERS.kept }, secrets: {} },
        { kind: ProviderKind.OFFICIAL, settings: { phone_number_id: NUMBERS.keptOfficial }, secrets: {} },
      ],
    });
    expect(await probes()).toEqual(["meta"]);

    await h.client.configureBot({ tenantId, botId, displayName: "Shop bot", providers: [{ kind: ProviderKind.OFFICIAL, settings: { phone_number_id: NUMBERS.keptOfficial }, secrets: {} }] });
    expect(await probes()).toEqual([]);
    const { rows: left } = await h.pool.query<{ kind: string }>("SELECT kind FROM adapter.bot_providers WHERE bot_id = $1", [botId]);
    expect(left.map((r) => r.kind)).toEqual(["official"]);
  });
});

describe("DeleteBot", () => {
  it("deletes the bot and its providers: it is no longer listed, got, sent through or routed to, and its number is free again", async () => {
    const tenantId = newTenant();
    const botId = await configureMetaBot(h.client, { tenantId, phoneNumberId: NUMBERS.deleted, accessToken: h.accessToken });
    // Warms this replica's bot cache, which the delete must empty (the first lookup may still be
    // overtaken by the cache's first look at the shared generation counter, hence two).
    await h.client.getConnection({ tenantId, botId });
    await h.client.getConnection({ tenantId, botId });
    await sendHello(tenantId, botId);

    await expect(h.client.deleteBot({ tenantId, botId })).resolves.toBeDefined();

    const { rows } = await h.pool.query("SELECT 1 FROM adapter.bot_providers WHERE bot_id = $1", [botId]);
    expect(rows).toHaveLength(0);
    expect((await h.client.listBots({ tenantId })).bots).toEqual([]);
    expect(await rejectionOf(h.client.getBot({ tenantId, botId }))).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
    expect(await rejectionOf(sendHello(tenantId, botId))).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.deleted })).toHaveLength(1);

    const mark = await inboundMark(h.redis, h.config.INBOUND_PARTITIONS);
    const webhook = JSON.stringify(buildMessagesWebhook({ phoneNumberId: NUMBERS.deleted, displayPhoneNumber: "15550001111" }, [{ from: CUSTOMER, id: newWamid(CUSTOMER), text: "hola" }]));
    const response = await request(h.app).post("/webhooks/meta").set("content-type", "application/json").set("x-hub-signature-256", signWebhookBody(h.appSecret, webhook)).send(webhook);
    expect(response.status).toBe(200);
    expect(await inboundSince(h.redis, mark, h.config.INBOUND_PARTITIONS)).toEqual([]);

    const again = await configureMetaBot(h.client, { tenantId: newTenant(), phoneNumberId: NUMBERS.deleted, accessToken: h.accessToken });
    expect(again).not.toBe(botId);
  });

  it("answers not_found BOT_NOT_FOUND to a second delete of the same bot", async () => {
    const tenantId = newTenant();
    const botId = await configureMetaBot(h.client, { tenantId, phoneNumberId: NUMBERS.reused, accessToken: h.accessToken });
    await h.client.deleteBot({ tenantId, botId });

    expect(await rejectionOf(h.client.deleteBot({ tenantId, botId }))).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
  });

  it.each([
    ["an unknown bot id", () => randomUUID()],
    ["a bot id that is not a UUID", () => "bot-1"],
  ])("answers not_found BOT_NOT_FOUND (never internal) for %s", async (_name, botId) => {
    const error = await rejectionOf(h.client.deleteBot({ tenantId: newTenant(), botId: botId() }));

    expect(error).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
  });
});

describe("tenant isolation", () => {
  it("keeps a tenant from listing, getting, updating or deleting another tenant's bot, which stays as it was", async () => {
    const owner = newTenant();
    const intruder = newTenant();
    const botId = await configureMetaBot(h.client, { tenantId: owner, phoneNumberId: NUMBERS.owned, accessToken: h.accessToken, displayName: "Owner's shop" });
    const before = (await h.client.getBot({ tenantId: owner, botId })).bot;

    expect((await h.client.listBots({ tenantId: intruder })).bots).toEqual([]);
    expect(await rejectionOf(h.client.getBot({ tenantId: intruder, botId }))).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
    expect(
      await rejectionOf(
        h.client.configureBot({ tenantId: intruder, botId, displayName: "Hijacked", providers: [{ kind: ProviderKind.META, settings: { phone_number_id: "500000000000099" }, secrets: { access_token: "EAAGattacker" } }] }),
      ),
    ).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
    expect(await rejectionOf(h.client.deleteBot({ tenantId: intruder, botId }))).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });

    expect((await h.client.getBot({ tenantId: owner, botId })).bot).toEqual(before);
    expect((await h.client.listBots({ tenantId: owner })).bots.map((bot) => bot.id)).toEqual([botId]);
  });
});

describe("bot cache across replicas", () => {
  it("makes another replica stop serving a deleted bot within about a second, not after BOT_CACHE_TTL_MS", async () => {
    const logger = createLogger({ service: "whatsapp-adapter", level: "error" });
    const replica = h.compose(h.config.REDIS_URL, h.config.REDIS_KEY_PREFIX);
    const server: RunningGrpcServer = await startGrpcServer({ host: "127.0.0.1", port: 0, logger, metrics: createMetrics("whatsapp-adapter"), services: [replica.grpcService] });
    const other = createServiceClient(AdapterService, `127.0.0.1:${server.port}`, { defaultDeadlineMs: 10_000 });
    try {
      expect(h.config.BOT_CACHE_TTL_MS).toBeGreaterThanOrEqual(10_000);
      const tenantId = newTenant();
      const botId = await configureMetaBot(h.client, { tenantId, phoneNumberId: NUMBERS.replica, accessToken: h.accessToken });
      // GetConnection reads through the bot cache: the other replica now holds the bot (twice, as its
      // very first look at the shared counter may empty its cache right after the first lookup).
      expect((await other.getConnection({ tenantId, botId })).state).toBe(ConnectionState.CONNECTED);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await other.getConnection({ tenantId, botId })).state).toBe(ConnectionState.CONNECTED);

      const deletedAt = Date.now();
      await h.client.deleteBot({ tenantId, botId });
      let stale = 0;
      for (;;) {
        const outcome = await other.getConnection({ tenantId, botId }).then(
          () => "found",
          (error: unknown) => error,
        );
        if (outcome !== "found") {
          expect(outcome).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
          break;
        }
        stale++;
        if (Date.now() - deletedAt > 5_000) throw new Error(`the other replica still served the deleted bot after 5 s (${stale} lookups)`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(Date.now() - deletedAt).toBeLessThan(3_000);
    } finally {
      other.close();
      await server.stop(100);
    }
  });
});
