// ConfigureBot over a real gRPC client on real Postgres: write-only secrets
// (never returned, encrypted at rest, kept when an update omits them),
// settings validation, one bot per provider number, tenant scoping.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import { randomBytes, randomUUID } from "node:crypto";
import { ProviderKind } from "@fleet/contracts/adapter";
import { configureMetaBot, newTenant, rejectionOf, startAdapterHarness, type AdapterHarness } from "./harness.js";

const NUMBERS = {
  rotated: "300000000000099",
  summary: "300000000000001",
  atRest: "300000000000002",
  update: "300000000000003",
  taken: "300000000000004",
  scoped: "300000000000005",
  paced: "300000000000006",
  invalid: "300000000000007",
} as const;

const CUSTOMER = "5215512345678";

let h: AdapterHarness;
const tenantId = newTenant();

beforeAll(async () => {
  h = await startAdapterHarness({ phoneNumberIds: Object.values(NUMBERS) });
});

afterAll(async () => {
  await h.close();
});

function sendHello(botId: string, tenant = tenantId) {
  return h.client.sendMessage({
    tenantId: tenant,
    botId,
    recipient: CUSTOMER,
    content: { kind: { case: "text", value: { body: "Hola", previewUrl: false } } },
    idempotencyKey: `test:${randomUUID()}`,
  });
}

describe("ConfigureBot", () => {
  it("answers with the bot's settings and the names of its secrets, never their values", async () => {
    const response = await h.client.configureBot({
      tenantId,
      displayName: "Tenis Lupita",
      providers: [{ kind: ProviderKind.META, settings: { phone_number_id: NUMBERS.summary, waba_id: "102290129340398" }, secrets: { access_token: h.accessToken } }],
    });

    expect(response.bot).toMatchObject({ tenantId, displayName: "Tenis Lupita" });
    expect(response.bot?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.bot?.providers).toHaveLength(1);
    expect(response.bot?.providers[0]).toMatchObject({ kind: ProviderKind.META, settings: { phone_number_id: NUMBERS.summary, waba_id: "102290129340398" }, secretNames: ["access_token"] });
    // Timestamps hold bigint seconds, which JSON.stringify refuses without a replacer.
    expect(JSON.stringify(response, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value))).not.toContain(h.accessToken);
  });

  it("stores provider credentials encrypted: the token's bytes appear nowhere in the bot's rows", async () => {
    const botId = await configureMetaBot(h.client, { tenantId, phoneNumberId: NUMBERS.atRest, accessToken: h.accessToken });

    const { rows } = await h.pool.query<{ secrets: Buffer | null; settings: string }>("SELECT secrets, settings::text AS settings FROM adapter.bot_providers WHERE bot_id = $1", [botId]);

    expect(rows).toHaveLength(1);
    const stored = rows[0]?.secrets;
    expect(Buffer.isBuffer(stored)).toBe(true);
    expect(stored?.length).toBeGreaterThan(0);
    expect(stored?.includes(Buffer.from(h.accessToken, "utf8"))).toBe(false);
    expect(stored?.toString("latin1")).not.toContain("access_token");
    expect(rows[0]?.settings).not.toContain(h.accessToken);
    // Still usable: the adapter decrypts it to send.
    await sendHello(botId);
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.atRest })).toHaveLength(1);
  });

  it("keeps the stored token when an update omits secrets, and replaces it when an update carries one", async () => {
    const botId = await configureMetaBot(h.client, { tenantId, phoneNumberId: NUMBERS.update, accessToken: h.accessToken });

    const renamed = await h.client.configureBot({ tenantId, botId, displayName: "Renamed shop", providers: [{ kind: ProviderKind.META, settings: { phone_number_id: NUMBERS.update }, secrets: {} }] });

    expect(renamed.bot).toMatchObject({ id: botId, displayName: "Renamed shop" });
    expect(renamed.bot?.providers[0]?.secretNames).toEqual(["access_token"]);
    await sendHello(botId);
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.update })).toHaveLength(1);

    await h.client.configureBot({ tenantId, botId, displayName: "Renamed shop", providers: [{ kind: ProviderKind.META, settings: { phone_number_id: NUMBERS.update }, secrets: { access_token: "EAAGa-token-meta-no-longer-accepts" } }] });

    expect(await rejectionOf(sendHello(botId))).toMatchObject({ kind: "failed_precondition", code: "PROVIDER_CREDENTIALS_INVALID" });
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.update })).toHaveLength(1);
  });

  it("accepts messages_per_second for a Meta number", async () => {
    const response = await h.client.configureBot({
      tenantId,
      displayName: "Paced shop",
      providers: [{ kind: ProviderKind.META, settings: { phone_number_id: NUMBERS.paced, messages_per_second: "20" }, secrets: { access_token: h.accessToken } }],
    });

    expect(response.bot?.providers[0]?.settings).toEqual({ phone_number_id: NUMBERS.paced, messages_per_second: "20" });
  });

  it.each([
    ["an unknown setting key", { phone_number_id: NUMBERS.invalid, colour: "blue" }, { access_token: "EAAGtoken" }, "colour"],
    ["a phone_number_id that is not digits", { phone_number_id: "+52 55 1234" }, { access_token: "EAAGtoken" }, "phone_number_id"],
    ["a missing access_token", { phone_number_id: NUMBERS.invalid }, {}, "access_token"],
    ["a secret Meta does not use", { phone_number_id: NUMBERS.invalid }, { access_token: "EAAGtoken", api_key: "k-123" }, "api_key"],
    ["a messages_per_second that is not a number", { phone_number_id: NUMBERS.invalid, messages_per_second: "fast" }, { access_token: "EAAGtoken" }, "messages_per_second"],
  ])("rejects %s with invalid_argument INVALID_BOT_CONFIG whose details name it", async (_name, settings, secrets, named) => {
    const error = await rejectionOf(h.client.configureBot({ tenantId, displayName: "Broken shop", providers: [{ kind: ProviderKind.META, settings, secrets }] }));

    expect(error).toMatchObject({ kind: "invalid_argument", code: "INVALID_BOT_CONFIG" });
    expect(Array.isArray(error.details)).toBe(true);
    expect(JSON.stringify(error.details)).toContain(named);
    const { rows } = await h.pool.query("SELECT 1 FROM adapter.bot_providers WHERE routing_key = $1", [NUMBERS.invalid]);
    expect(rows).toHaveLength(0);
  });

  it("refuses a base_url outside the provider kind's allowlist, so a bot's token can never be sent to another host", async () => {
    for (const [kind, settings, secrets] of [
      [ProviderKind.META, { phone_number_id: NUMBERS.invalid, base_url: "https://collector.example.net" }, { access_token: h.accessToken }],
      [ProviderKind.META, { phone_number_id: NUMBERS.invalid, base_url: "https://graph.facebook.com.evil.net" }, { access_token: h.accessToken }],
      [ProviderKind.META, { phone_number_id: NUMBERS.invalid, base_url: "https://user:pass@127.0.0.1" }, { access_token: h.accessToken }],
      [ProviderKind.OFFICIAL, { phone_number_id: NUMBERS.invalid, base_url: "https://169.254.169.254" }, { api_key: "k" }],
      [ProviderKind.TWILIO, { account_sid: `AC${"0a".repeat(16)}`, from_number: "+15550001999", base_url: "https://twilio.example.org" }, { auth_token: "t" }],
      // No Evolution host is allowed until the operator lists the shops' servers (none in this harness).
      [ProviderKind.EVOLUTION, { base_url: "https://evolution.shop.example", instance: "shop" }, { api_key: "k" }],
    ] as const) {
      const rejection = await rejectionOf(h.client.configureBot({ tenantId, displayName: "Exfiltration", providers: [{ kind, settings, secrets }] }));
      expect({ kind, code: rejection.code, details: rejection.details }).toEqual({ kind, code: "INVALID_BOT_CONFIG", details: [expect.stringMatching(/base_url/)] });
    }
  });

  it("answers conflict PROVIDER_NUMBER_IN_USE when a second bot claims a phone_number_id already in use", async () => {
    const firstBot = await configureMetaBot(h.client, { tenantId, phoneNumberId: NUMBERS.taken, accessToken: h.accessToken });

    const error = await rejectionOf(configureMetaBot(h.client, { tenantId: newTenant(), phoneNumberId: NUMBERS.taken, accessToken: h.accessToken }));

    expect(error).toMatchObject({ kind: "conflict", code: "PROVIDER_NUMBER_IN_USE" });
    const { rows } = await h.pool.query<{ bot_id: string }>("SELECT bot_id FROM adapter.bot_providers WHERE routing_key = $1", [NUMBERS.taken]);
    expect(rows.map((r) => r.bot_id)).toEqual([firstBot]);
  });

  it("answers not_found BOT_NOT_FOUND when updating a bot id the tenant does not have", async () => {
    const error = await rejectionOf(
      h.client.configureBot({ tenantId, botId: randomUUID(), displayName: "Ghost", providers: [{ kind: ProviderKind.META, settings: { phone_number_id: "300000000000099" }, secrets: { access_token: h.accessToken } }] }),
    );

    expect(error).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
  });

  it("answers not_found to a tenant updating another tenant's bot, and leaves that bot as it was", async () => {
    const botId = await configureMetaBot(h.client, { tenantId, phoneNumberId: NUMBERS.scoped, accessToken: h.accessToken, displayName: "Owner's shop" });

    const error = await rejectionOf(
      h.client.configureBot({ tenantId: newTenant(), botId, displayName: "Hijacked", providers: [{ kind: ProviderKind.META, settings: { phone_number_id: NUMBERS.scoped }, secrets: { access_token: "EAAGattacker-token" } }] }),
    );

    expect(error).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
    const { rows } = await h.pool.query<{ display_name: string }>("SELECT display_name FROM adapter.bots WHERE id = $1", [botId]);
    expect(rows.map((r) => r.display_name)).toEqual(["Owner's shop"]);
    await sendHello(botId);
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.scoped })).toHaveLength(1);
  });

  it("treats secrets sealed with another key as missing (not an internal error) until the bot is configured again", async () => {
    const botId = await configureMetaBot(h.client, { tenantId, phoneNumberId: NUMBERS.rotated, accessToken: h.accessToken });
    // What a rotated SECRETS_ENCRYPTION_KEY looks like from here: a valid-looking box that does not open.
    await h.pool.query("UPDATE adapter.bot_providers SET secrets = $2 WHERE bot_id = $1", [botId, Buffer.concat([Buffer.from([1]), randomBytes(60)])]);

    const error = await rejectionOf(
      h.client.sendMessage({ tenantId, botId, recipient: "5215512345678", idempotencyKey: `k-${randomUUID()}`, content: { kind: { case: "text", value: { body: "Hola" } } } }),
    );
    expect(error).toMatchObject({ kind: "failed_precondition", code: "PROVIDER_NOT_CONFIGURED" });

    await h.client.configureBot({ tenantId, botId, displayName: "Shop bot", providers: [{ kind: ProviderKind.META, settings: { phone_number_id: NUMBERS.rotated }, secrets: { access_token: h.accessToken } }] });
    const sent = await h.client.sendMessage({ tenantId, botId, recipient: "5215512345678", idempotencyKey: `k-${randomUUID()}`, content: { kind: { case: "text", value: { body: "Hola" } } } });
    expect(sent.providerMessageId).toMatch(/^wamid\./);
  });
});
