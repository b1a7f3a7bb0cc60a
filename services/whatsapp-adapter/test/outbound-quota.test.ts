// A tenant's outbound quota over the real composition: messages over it wait
// (and past the caller's deadline fail retryably, nothing sent), other tenants
// are not held back, and removing the quota lets the tenant send again.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import request from "supertest";
import { configureMetaBot, newTenant, rejectionOf, startAdapterHarness, type AdapterHarness } from "./harness.js";

const NUMBERS = { limited: "420000000000001", other: "420000000000002" };
let h: AdapterHarness;

beforeAll(async () => {
  h = await startAdapterHarness({ phoneNumberIds: Object.values(NUMBERS) });
});

afterAll(async () => {
  await h.close();
});

const send = (tenantId: string, botId: string, deadlineMs = 10_000) =>
  h.client.sendMessage(
    { tenantId, botId, recipient: "34600123456", content: { kind: { case: "text", value: { body: "Hola", previewUrl: false } } }, idempotencyKey: randomUUID() },
    { deadlineMs },
  );

async function waitingGauge(): Promise<number> {
  const line = (await request(h.app).get("/metrics")).text.split("\n").find((l) => /^adapter_tenant_quota_waiting[ {]/.test(l));
  return Number(line?.split(" ").pop());
}

describe("SetOutboundQuota", () => {
  it("holds a tenant to its messages per minute across all its bots, without holding back other tenants", async () => {
    const tenantId = newTenant();
    const botId = await configureMetaBot(h.client, { tenantId, phoneNumberId: NUMBERS.limited, accessToken: h.accessToken });
    const otherTenant = newTenant();
    const otherBot = await configureMetaBot(h.client, { tenantId: otherTenant, phoneNumberId: NUMBERS.other, accessToken: h.accessToken });
    await h.client.setOutboundQuota({ tenantId, messagesPerMinute: 3 });

    for (let i = 0; i < 3; i++) expect((await send(tenantId, botId)).providerMessageId).not.toBe("");
    // The fourth waits for a slot; its caller gives up first: retryable, and nothing went out.
    const refused = await rejectionOf(send(tenantId, botId, 1_500));
    expect(["TENANT_QUOTA_DEADLINE", "GRPC_DEADLINE_EXCEEDED"]).toContain(refused.code);
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.limited })).toHaveLength(3);
    expect((await send(otherTenant, otherBot)).providerMessageId).not.toBe("");

    // The abandoned wait ends on the adapter within a poll.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await waitingGauge()).toBe(0);

    await h.client.setOutboundQuota({ tenantId, messagesPerMinute: 0 });
    expect((await send(tenantId, botId)).providerMessageId).not.toBe("");
    expect(h.sandbox.store.sent({ phoneNumberId: NUMBERS.limited })).toHaveLength(4);
  });

  it("refuses a malformed quota with INVALID_QUOTA", async () => {
    expect((await rejectionOf(h.client.setOutboundQuota({ tenantId: "not-a-uuid", messagesPerMinute: 10 }))).code).toBe("INVALID_QUOTA");
    expect((await rejectionOf(h.client.setOutboundQuota({ tenantId: newTenant(), messagesPerMinute: -1 }))).code).toBe("INVALID_QUOTA");
  });
});
