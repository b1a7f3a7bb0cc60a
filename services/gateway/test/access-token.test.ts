// The Bearer token check in front of every non-public route: only tokens the
// gateway itself issued (HS256, its issuer and audience, not expired) for a
// user who is still active get through; roles are enforced per route.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import request from "supertest";
import { startFakeAdapter, type FakeAdapter } from "./fake-adapter.js";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";

let adapter: FakeAdapter;
let gateway: GatewayHarness;
let agent: SeededUser;
let viewer: SeededUser;
const botId = randomUUID();
const connectionPath = `/api/bots/${botId}/connection`;

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

async function expectUnauthenticated(token: string | undefined) {
  const call = request(gateway.app).get(connectionPath);
  const response = await (token === undefined ? call : call.set("authorization", `Bearer ${token}`));
  expect(response.status).toBe(401);
  expect(response.body.error).toMatchObject({ code: "UNAUTHENTICATED" });
  expect(response.headers["www-authenticate"]).toMatch(/^Bearer/);
  expect(adapter.getConnections).toHaveLength(0);
}

beforeAll(async () => {
  adapter = await startFakeAdapter();
  gateway = await startGateway({ adapterAddress: adapter.address });
  agent = await gateway.createUser({ tenant: "acme", email: "agent@acme.test", role: "agent" });
  viewer = await gateway.createUser({ tenant: "acme", email: "viewer@acme.test", role: "viewer" });
});

beforeEach(() => adapter.reset());

afterAll(async () => {
  await gateway?.close();
  await adapter?.stop();
});

describe("access tokens", () => {
  it("lets a token issued by the login through", async () => {
    const login = await request(gateway.app).post("/api/auth/login").send({ email: agent.email, password: agent.password });
    expect(login.status).toBe(200);
    const response = await request(gateway.app).get(connectionPath).set("authorization", `Bearer ${String(login.body.accessToken)}`);
    expect(response.status).toBe(200);
    expect(adapter.getConnections).toHaveLength(1);
  });

  it("rejects a request without a token, or with another scheme", async () => {
    await expectUnauthenticated(undefined);
    const basic = await request(gateway.app).get(connectionPath).set("authorization", `Basic ${Buffer.from("a:b").toString("base64")}`);
    expect(basic.status).toBe(401);
  });

  it("rejects an expired token", async () => {
    const token = await gateway.signToken({ sub: agent.id, tid: agent.tenantId, role: agent.role }, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    await expectUnauthenticated(token);
  });

  it("accepts a token that expired within the 5 s clock tolerance", async () => {
    const token = await gateway.signToken({ sub: agent.id, tid: agent.tenantId, role: agent.role }, { expiresIn: Math.floor(Date.now() / 1000) - 2 });
    const response = await request(gateway.app).get(connectionPath).set("authorization", `Bearer ${token}`);
    expect(response.status).toBe(200);
  });

  it("rejects a token signed with another key", async () => {
    await expectUnauthenticated(await gateway.signToken({ sub: agent.id, tid: agent.tenantId, role: agent.role }, { secret: "another-secret-of-at-least-32-characters!!" }));
  });

  it("rejects an unsigned token (alg none)", async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ sub: agent.id, tid: agent.tenantId, role: "owner", iss: "fleet-gateway", aud: "fleet-dashboard", iat: now, exp: now + 600 })}.`;
    await expectUnauthenticated(token);
  });

  it("rejects a token signed with the right key but another algorithm (HS512)", async () => {
    await expectUnauthenticated(await gateway.signToken({ sub: agent.id, tid: agent.tenantId, role: agent.role }, { alg: "HS512" }));
  });

  it("rejects a token for another audience or from another issuer", async () => {
    await expectUnauthenticated(await gateway.signToken({ sub: agent.id, tid: agent.tenantId, role: agent.role }, { audience: "fleet-internal" }));
    await expectUnauthenticated(await gateway.signToken({ sub: agent.id, tid: agent.tenantId, role: agent.role }, { issuer: "someone-else" }));
  });

  it("rejects a token without the tenant claim, or for a user who is not in that tenant", async () => {
    await expectUnauthenticated(await gateway.signToken({ sub: agent.id, role: agent.role }));
    const other = await gateway.createUser({ tenant: "other-shop", email: "boss@other.test", role: "owner" });
    await expectUnauthenticated(await tokenFor(gateway, agent, { tid: other.tenantId }));
  });

  it("stops accepting a user's token as soon as the user is disabled (the cached identity is dropped)", async () => {
    const leaver = await gateway.createUser({ tenant: "acme", email: "leaver@acme.test", role: "agent" });
    const boss = await gateway.createUser({ tenant: "acme", email: "boss-of-leaver@acme.test", role: "owner" });
    const token = await tokenFor(gateway, leaver);
    expect((await request(gateway.app).get(connectionPath).set("authorization", `Bearer ${token}`)).status).toBe(200);
    adapter.reset();
    const disabled = await request(gateway.app).patch(`/api/users/${leaver.id}`).set("authorization", `Bearer ${await tokenFor(gateway, boss)}`).send({ disabled: true });
    expect(disabled.status).toBe(200);
    await expectUnauthenticated(token);
  });
});

describe("roles", () => {
  const send = (token: string) =>
    request(gateway.app).post(`/api/bots/${botId}/messages`).set("authorization", `Bearer ${token}`).set("idempotency-key", "key-12345678").send({ to: "5215512345678", text: "hola" });

  it("forbids a viewer to send a message (403 FORBIDDEN) and nothing reaches the adapter", async () => {
    const response = await send(await tokenFor(gateway, viewer));
    expect(response.status).toBe(403);
    expect(response.body.error).toMatchObject({ code: "FORBIDDEN" });
    expect(adapter.sends).toHaveLength(0);
  });

  it("uses the stored role, not the one in the token: a viewer's token claiming owner is still a viewer", async () => {
    const response = await send(await tokenFor(gateway, viewer, { role: "owner" }));
    expect(response.status).toBe(403);
    expect(adapter.sends).toHaveLength(0);
  });

  it("lets an agent send", async () => {
    const response = await send(await tokenFor(gateway, agent));
    expect(response.status).toBe(202);
    expect(adapter.sends).toHaveLength(1);
  });

  it("lets a viewer read a bot's connection", async () => {
    const response = await request(gateway.app).get(connectionPath).set("authorization", `Bearer ${await tokenFor(gateway, viewer)}`);
    expect(response.status).toBe(200);
  });
});
