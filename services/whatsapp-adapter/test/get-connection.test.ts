// GetConnection over a real gRPC client: the state the dashboard shows for a bot.
import { describe, it, expect, beforeAll, afterAll } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { ConnectionState, ProviderKind } from "@fleet/contracts/adapter";
import { configureMetaBot, newTenant, rejectionOf, startAdapterHarness, type AdapterHarness } from "./harness.js";

const SHOP_NUMBER = "400000000000001";
const REVOKED_NUMBER = "400000000000002";

let h: AdapterHarness;
const tenantId = newTenant();
let botId: string;

beforeAll(async () => {
  h = await startAdapterHarness({ phoneNumberIds: [SHOP_NUMBER, REVOKED_NUMBER] });
  botId = await configureMetaBot(h.client, { tenantId, phoneNumberId: SHOP_NUMBER, accessToken: h.accessToken });
});

afterAll(async () => {
  await h.close();
});

describe("GetConnection", () => {
  it("reports a Meta bot with an access token as CONNECTED through META", async () => {
    const response = await h.client.getConnection({ tenantId, botId });

    expect(response.state).toBe(ConnectionState.CONNECTED);
    expect(response.provider).toBe(ProviderKind.META);
    expect(response.qr).toBe("");
  });

  it("reports MISCONFIGURED once Meta refused the bot's token, and CONNECTED again after new credentials", async () => {
    const revoked = await configureMetaBot(h.client, { tenantId, phoneNumberId: REVOKED_NUMBER, accessToken: "EAAGrevoked-token-0000000000" });
    expect((await h.client.getConnection({ tenantId, botId: revoked })).state).toBe(ConnectionState.CONNECTED);

    const error = await rejectionOf(
      h.client.sendMessage({ tenantId, botId: revoked, recipient: "5215512345678", idempotencyKey: "revoked-1", content: { kind: { case: "text", value: { body: "Hola" } } } }),
    );
    expect(error.code).toBe("PROVIDER_CREDENTIALS_INVALID");

    const broken = await h.client.getConnection({ tenantId, botId: revoked });
    expect(broken.state).toBe(ConnectionState.MISCONFIGURED);
    expect(broken.detail).toContain("PROVIDER_CREDENTIALS_INVALID");

    await h.client.configureBot({
      tenantId,
      botId: revoked,
      displayName: "Shop bot",
      providers: [{ kind: ProviderKind.META, settings: { phone_number_id: REVOKED_NUMBER }, secrets: { access_token: h.accessToken } }],
    });
    expect((await h.client.getConnection({ tenantId, botId: revoked })).state).toBe(ConnectionState.CONNECTED);
  });

  it("answers not_found BOT_NOT_FOUND for a bot that does not exist", async () => {
    const error = await rejectionOf(h.client.getConnection({ tenantId, botId: randomUUID() }));

    expect(error).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
  });

  it("answers not_found for another tenant's bot", async () => {
    const error = await rejectionOf(h.client.getConnection({ tenantId: newTenant(), botId }));

    expect(error).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
  });

  it("answers not_found (not INTERNAL) for a bot id that is not a UUID", async () => {
    const error = await rejectionOf(h.client.getConnection({ tenantId, botId: "bot-1" }));

    expect(error).toMatchObject({ kind: "not_found", code: "BOT_NOT_FOUND" });
  });
});
