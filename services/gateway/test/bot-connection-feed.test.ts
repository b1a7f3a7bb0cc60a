// Linking a Baileys bot from the dashboard, end to end in one process: the
// real adapter composition (gRPC on port 0, Postgres, Redis) streams what its
// sessions publish through connection-updates; the gateway's dashboard socket
// turns it into frames a real `ws` client receives in order, and the QR route
// renders the latest QR as a PNG. The pairing-code route is also driven
// against the fake adapter for its happy path.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { Redis } from "ioredis";
import { ProviderKind } from "@fleet/contracts/adapter";
import { closeHttp, createMetrics, createRedisClient, type RedisClient } from "@fleet/service-kit";
import { memoryLogger } from "@fleet/testing";
import { createConnectionUpdates, connectionUpdatesChannel, type ConnectionUpdates } from "../../whatsapp-adapter/src/sessions/connection-updates.js";
import { startAdapterHarness, type AdapterHarness } from "../../whatsapp-adapter/test/harness.js";
import { createTokens } from "../src/auth/tokens.js";
import { createAdapterClient, type AdapterClient } from "../src/clients/adapter.client.js";
import { createUsersRepository } from "../src/repositories/users.repository.js";
import type { DashboardConnection } from "../src/ws/dashboard-messages.schema.js";
import { createDashboardSocket, type DashboardSocket } from "../src/ws/dashboard.socket.js";
import { connectDashboard, type DashboardClient } from "./dashboard-client.js";
import { startFakeAdapter, type FakeAdapter } from "./fake-adapter.js";
import { startGateway, tokenFor, type GatewayHarness, type SeededUser } from "./gateway.harness.js";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let adapter: AdapterHarness;
let gateway: GatewayHarness;
let adapterClient: AdapterClient;
let sessionSide: { subscriber: RedisClient; updates: ConnectionUpdates };
let server: Server;
let dashboard: DashboardSocket;
let dashboardSubscriber: RedisClient;
let wsUrl: string;
let owner: SeededUser;
let viewer: SeededUser;
let botId: string;
const sockets: DashboardClient[] = [];

beforeAll(async () => {
  adapter = await startAdapterHarness({ phoneNumberIds: ["400000000000077"] });
  gateway = await startGateway({ adapterAddress: adapter.grpcAddress });
  owner = await gateway.createUser({ tenant: "linked-shop", email: "owner@linked.test", role: "owner" });
  viewer = await gateway.createUser({ tenant: "linked-shop", email: "viewer@linked.test", role: "viewer" });
  const created = await adapter.client.configureBot({ tenantId: owner.tenantId, displayName: "Linked shop", providers: [{ kind: ProviderKind.BAILEYS, settings: {}, secrets: {} }] });
  botId = created.bot?.id ?? "";

  // What a Baileys session of the adapter does: publish each change of its link.
  const { logger } = memoryLogger("gateway", "error");
  const subscriber = createRedisClient({ url: adapter.config.REDIS_URL, keyPrefix: adapter.config.REDIS_KEY_PREFIX, logger, name: "session-side" });
  sessionSide = { subscriber, updates: createConnectionUpdates({ redis: adapter.redis, subscriber, keyPrefix: adapter.config.REDIS_KEY_PREFIX }) };

  // A gateway replica's dashboard socket, wired as main.ts does.
  server = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  wsUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
  adapterClient = createAdapterClient(adapter.grpcAddress, { deadlineMs: 2000 });
  dashboardSubscriber = createRedisClient({ url: gateway.testRedis.url, keyPrefix: gateway.testRedis.prefix, logger, name: "gateway-dashboard", blocking: true });
  dashboard = createDashboardSocket({
    server,
    tokens: createTokens({ secret: gateway.jwtSecret, ttlSeconds: 900 }),
    users: createUsersRepository(gateway.pool),
    subscriber: dashboardSubscriber,
    keyPrefix: gateway.testRedis.prefix,
    connections: { adapter: adapterClient, refreshMs: 200, retryMs: 50 },
    logger,
    registry: createMetrics("gateway").registry,
  });
});

afterAll(async () => {
  for (const socket of sockets) socket.ws.terminate();
  const closing = server?.listening ? closeHttp(server) : Promise.resolve();
  await dashboard?.close();
  await closing;
  adapterClient?.close();
  dashboardSubscriber?.disconnect();
  sessionSide?.subscriber.disconnect();
  await gateway?.close();
  await adapter?.close();
});

async function open(user: SeededUser): Promise<DashboardClient> {
  const socket = await connectDashboard(wsUrl, await tokenFor(gateway, user));
  sockets.push(socket);
  return socket;
}

function connectionFrames(socket: DashboardClient): DashboardConnection[] {
  return socket.messages.flatMap((message) => (message.kind === "connection" ? [message] : []));
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 250; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const publish = (update: Omit<Parameters<ConnectionUpdates["publish"]>[0], "botId" | "tenantId" | "at">) =>
  sessionSide.updates.publish({ botId, tenantId: owner.tenantId, at: Date.now(), ...update });

describe("the dashboard's live connection of a Baileys bot", () => {
  it("delivers QR updates to a WebSocket client of the gateway in order; viewers get the states without the QR", async () => {
    const ownerSocket = await open(owner);
    const viewerSocket = await open(viewer);
    // The bot has not reported yet: the first frame says so, from the adapter's stream.
    await until(() => connectionFrames(ownerSocket).length >= 1 && connectionFrames(viewerSocket).length >= 1, "the first connection frame");
    expect(connectionFrames(ownerSocket)[0]).toMatchObject({ kind: "connection", botId, state: "disconnected" });

    await publish({ state: "connecting" });
    await publish({ state: "awaiting_pairing", qr: "2@QR-A" });
    await publish({ state: "awaiting_pairing", qr: "2@QR-B" });
    await publish({ state: "connected" });

    await until(() => connectionFrames(ownerSocket).length >= 5 && connectionFrames(viewerSocket).length >= 5, "five connection frames");
    expect(connectionFrames(ownerSocket).map((frame) => [frame.state, frame.qr ?? null])).toEqual([
      ["disconnected", null],
      ["connecting", null],
      ["awaiting_pairing", "2@QR-A"],
      ["awaiting_pairing", "2@QR-B"],
      ["connected", null],
    ]);
    expect(connectionFrames(viewerSocket).map((frame) => frame.state)).toEqual(["disconnected", "connecting", "awaiting_pairing", "awaiting_pairing", "connected"]);
    expect(viewerSocket.raw.join("\n")).not.toContain("QR-A");
    for (const frame of connectionFrames(ownerSocket)) expect(Number.isNaN(Date.parse(frame.at))).toBe(false);

    // A dashboard that opens later starts from the bot's current state.
    const late = await open(owner);
    await until(() => connectionFrames(late).length >= 1, "the current frame for a late socket");
    expect(connectionFrames(late)).toEqual([expect.objectContaining({ botId, state: "connected" })]);
  });

  it("stops watching the tenant's bots once its last socket is gone", async () => {
    const raw = new Redis(adapter.config.REDIS_URL);
    try {
      const watchers = async () => Number((await raw.pubsub("NUMSUB", connectionUpdatesChannel(adapter.config.REDIS_KEY_PREFIX, botId)))[1]);
      await until(async () => (await watchers()) === 1, "the adapter's subscription to the bot");
      for (const socket of sockets.splice(0)) {
        socket.ws.close();
        await socket.closed;
      }
      await until(async () => (await watchers()) === 0, "the adapter to drop the bot's subscription");
    } finally {
      raw.disconnect();
    }
  });
});

describe("GET /api/bots/{botId}/connection/qr.png", () => {
  it("renders the bot's latest QR as a PNG that decodes", async () => {
    await publish({ state: "awaiting_pairing", qr: "2@QR-C,linking-payload" });
    const response = await request(gateway.app)
      .get(`/api/bots/${botId}/connection/qr.png`)
      .set("authorization", `Bearer ${await tokenFor(gateway, owner)}`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => done(null, Buffer.concat(chunks)));
      });
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("image/png");
    expect(response.headers["cache-control"]).toBe("no-store");
    const png = response.body as Buffer;
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    // The first chunk is IHDR: its width and height (big-endian) after the chunk's length and type.
    expect(png.subarray(12, 16).toString("latin1")).toBe("IHDR");
    expect({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) }).toEqual({ width: 320, height: 320 });
  });

  it("answers 404 QR_NOT_AVAILABLE once the bot is linked, 404 BOT_NOT_FOUND for another tenant, 403 for a viewer", async () => {
    await publish({ state: "connected" });
    const linked = await request(gateway.app).get(`/api/bots/${botId}/connection/qr.png`).set("authorization", `Bearer ${await tokenFor(gateway, owner)}`);
    expect(linked.status).toBe(404);
    expect(linked.body.error).toMatchObject({ code: "QR_NOT_AVAILABLE" });

    const stranger = await gateway.createUser({ tenant: "other-shop", email: "owner@other.test", role: "owner" });
    const other = await request(gateway.app).get(`/api/bots/${botId}/connection/qr.png`).set("authorization", `Bearer ${await tokenFor(gateway, stranger)}`);
    expect(other.status).toBe(404);
    expect(other.body.error).toMatchObject({ code: "BOT_NOT_FOUND" });

    const forbidden = await request(gateway.app).get(`/api/bots/${botId}/connection/qr.png`).set("authorization", `Bearer ${await tokenFor(gateway, viewer)}`);
    expect(forbidden.status).toBe(403);
  });
});

describe("POST /api/bots/{botId}/connection/pairing-code", () => {
  let fake: FakeAdapter;
  let fakeGateway: GatewayHarness;

  beforeAll(async () => {
    fake = await startFakeAdapter();
    fakeGateway = await startGateway({ adapterAddress: fake.address });
  });

  afterAll(async () => {
    await fakeGateway.close();
    await fake.stop();
  });

  it("answers the code the bot's session got for the phone number", async () => {
    const shopOwner = await fakeGateway.createUser({ tenant: "pairing-shop", email: "owner@pairing.test", role: "owner" });
    const bot = fake.addBot(shopOwner.tenantId, { displayName: "Pairing", providers: [{ kind: ProviderKind.BAILEYS, settings: {}, secrets: {} }] });
    fake.onRequestPairingCode = async ({ phoneNumber }) => ({ pairingCode: `CODE${phoneNumber.slice(-4)}` });
    const response = await request(fakeGateway.app)
      .post(`/api/bots/${bot.id}/connection/pairing-code`)
      .set("authorization", `Bearer ${await tokenFor(fakeGateway, shopOwner)}`)
      .send({ phoneNumber: "5215512345678" });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ pairingCode: "CODE5678" });
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(fake.pairingRequests.map((call) => call.request)).toEqual([expect.objectContaining({ tenantId: shopOwner.tenantId, botId: bot.id, phoneNumber: "5215512345678" })]);
  });

  it("refuses a phone number that is not digits with its country code before asking the adapter", async () => {
    const shopOwner = await fakeGateway.createUser({ tenant: "pairing-shop-2", email: "owner@pairing2.test", role: "owner" });
    const bot = fake.addBot(shopOwner.tenantId, { displayName: "Pairing", providers: [{ kind: ProviderKind.BAILEYS, settings: {}, secrets: {} }] });
    const before = fake.pairingRequests.length;
    for (const phoneNumber of ["+5215512345678", "55 1234", "", "0215512345678"]) {
      const response = await request(fakeGateway.app)
        .post(`/api/bots/${bot.id}/connection/pairing-code`)
        .set("authorization", `Bearer ${await tokenFor(fakeGateway, shopOwner)}`)
        .send({ phoneNumber });
      expect({ phoneNumber, status: response.status, code: response.body.error?.code }).toEqual({ phoneNumber, status: 400, code: "VALIDATION_FAILED" });
    }
    expect(fake.pairingRequests.length).toBe(before);
  });

  it("passes on the real adapter's refusal for a bot without Baileys as 412", async () => {
    const metaBot = await adapter.client.configureBot({
      tenantId: owner.tenantId,
      displayName: "Cloud bot",
      providers: [{ kind: ProviderKind.META, settings: { phone_number_id: "400000000000077" }, secrets: { access_token: "EAAGnot-used" } }],
    });
    const response = await request(gateway.app)
      .post(`/api/bots/${metaBot.bot?.id ?? ""}/connection/pairing-code`)
      .set("authorization", `Bearer ${await tokenFor(gateway, owner)}`)
      .send({ phoneNumber: "5215512345678" });
    expect(response.status).toBe(412);
    expect(response.body.error).toMatchObject({ code: "NO_LIVE_CONNECTION" });
  });
});
