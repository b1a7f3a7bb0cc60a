// The gateway caches who a token belongs to and the tenant's bots; with two
// replicas on one database and Redis, a change made through one must take
// effect on the other at once (Redis pub/sub invalidation), not after a TTL.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { ProviderKind } from "@fleet/contracts/adapter";
import request from "supertest";
import { startFakeAdapter, type FakeAdapter } from "./fake-adapter.js";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";

let adapter: FakeAdapter;
let gateway: GatewayHarness;
let replicaB: ReturnType<GatewayHarness["replica"]>;
let owner: SeededUser;

async function eventually(check: () => Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("not within the time allowed");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  adapter = await startFakeAdapter();
  gateway = await startGateway({ adapterAddress: adapter.address, replicas: true });
  replicaB = gateway.replica();
  owner = await gateway.createUser({ tenant: "dos-replicas", email: "duena@dos.test", role: "owner" });
});

afterAll(async () => {
  await gateway?.close();
  await adapter?.stop();
  expect(replicaB?.violations ?? []).toEqual([]);
});

describe("caches shared by gateway replicas", () => {
  it("ends a disabled user's access on the other replica at once, though it had the user cached", async () => {
    const seller = await gateway.createUser({ tenant: "dos-replicas", email: "vendedor@dos.test", role: "agent" });
    const sellerToken = await tokenFor(gateway, seller);
    expect((await request(replicaB.app).get(`/api/users/${seller.id}`).set("authorization", `Bearer ${sellerToken}`)).status).toBe(200);
    const disabled = await request(gateway.app).patch(`/api/users/${seller.id}`).set("authorization", `Bearer ${await tokenFor(gateway, owner)}`).send({ disabled: true });
    expect(disabled.status).toBe(200);
    await eventually(async () => (await request(replicaB.app).get(`/api/users/${seller.id}`).set("authorization", `Bearer ${sellerToken}`)).status === 401, 500);
  });

  it("shows a bot renamed through one replica in the other's cached list at once", async () => {
    const auth = { authorization: `Bearer ${await tokenFor(gateway, owner)}` };
    const bot = adapter.addBot(owner.tenantId, { displayName: "Antes", providers: [{ kind: ProviderKind.META, settings: { phone_number_id: "321000111" }, secrets: { access_token: "EAAGx" } }] });
    const names = async () => ((await request(replicaB.app).get("/api/bots").set(auth)).body.bots as { displayName: string }[]).map((b) => b.displayName);
    expect(await names()).toEqual(["Antes"]);
    const renamed = await request(gateway.app).put(`/api/bots/${bot.id}`).set(auth).send({ displayName: "Después", providers: [{ kind: "meta", settings: { phone_number_id: "321000111" } }] });
    expect(renamed.status).toBe(200);
    await eventually(async () => (await names()).join() === "Después", 500);
  });
});
