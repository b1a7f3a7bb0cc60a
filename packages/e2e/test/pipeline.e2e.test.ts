// The walking skeleton end to end: signed Cloud API webhooks through real
// nginx → adapter → inbound partition → orchestrator → adapter gRPC → sandbox.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { DEFAULT_INBOUND_PARTITIONS, inboundStream } from "@fleet/contracts";
import { messageWebhook, newWamid, postToFleet, startFleet, type Fleet } from "../src/index.js";

const CONTACT = "5215512345678";
const NAME = "Ana";

function say(fleet: Fleet, from: string, text: string, id?: string): string {
  return messageWebhook(fleet, [{ from, text, name: NAME, id }]);
}

function answer(text: string): string {
  return `Hello ${NAME}! You said: "${text}"`;
}

function repliesTo(fleet: Fleet, to: string): string[] {
  return fleet.sandbox.store.sent({ to }).map((send) => {
    const body = send.body as { text?: { body?: string } };
    return body.text?.body ?? "";
  });
}

async function settle(ms = 1000): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitForReplies(fleet: Fleet, to: string, count: number, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  while (repliesTo(fleet, to).length < count && Date.now() < deadline) await settle(50);
  return repliesTo(fleet, to);
}

const PARTITIONS = Array.from({ length: DEFAULT_INBOUND_PARTITIONS }, (_, p) => inboundStream(p));

async function pendingInGroup(fleet: Fleet): Promise<number> {
  let total = 0;
  for (const stream of PARTITIONS) {
    const summary = (await fleet.redisClient.xpending(stream, "bot-orchestrator").catch(() => [0])) as [number, ...unknown[]];
    total += summary[0];
  }
  return total;
}

async function inboundLength(fleet: Fleet): Promise<number> {
  let total = 0;
  for (const stream of PARTITIONS) total += await fleet.redisClient.xlen(stream);
  return total;
}

describe("a customer's message through the whole fleet", () => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet({ env: { "bot-orchestrator": { PARTITION_LEASE_TTL_MS: "1500" } } });
  }, 60_000);

  afterAll(async () => {
    await fleet?.stop();
  }, 30_000);

  it("gets exactly one reply at the sandbox, to the right number, answering the text", async () => {
    const contact = "5215510000001";
    const response = await postToFleet(fleet, say(fleet, contact, "hola"));
    expect(response.status).toBe(200);
    const replies = await waitForReplies(fleet, contact, 1);
    await settle();
    expect(repliesTo(fleet, contact)).toEqual([answer("hola")]);
    expect(replies).toHaveLength(1);
    const [send] = fleet.sandbox.store.sent({ to: contact });
    expect(send?.phoneNumberId).toBe(fleet.phoneNumberId);
  });

  it("answers a webhook the provider delivered three times only once", async () => {
    const contact = "5215510000002";
    const body = say(fleet, contact, "retry me", newWamid());
    for (let i = 0; i < 3; i++) expect((await postToFleet(fleet, body)).status).toBe(200);
    await waitForReplies(fleet, contact, 1);
    await settle(1500);
    expect(repliesTo(fleet, contact)).toHaveLength(1);
  });

  it("rejects a bad signature: no reply and nothing enqueued", async () => {
    const contact = "5215510000003";
    const before = await inboundLength(fleet);
    const response = await postToFleet(fleet, say(fleet, contact, "forged"), `sha256=${"0".repeat(64)}`);
    expect([401, 403]).toContain(response.status);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: "SIGNATURE_INVALID" } });
    await settle();
    expect(await inboundLength(fleet)).toBe(before);
    expect(repliesTo(fleet, contact)).toHaveLength(0);
  });

  it("answers 50 quick messages from one contact in the order they were sent", async () => {
    const texts = Array.from({ length: 50 }, (_, i) => `message ${i + 1}`);
    for (const text of texts) expect((await postToFleet(fleet, say(fleet, CONTACT, text))).status).toBe(200);
    const replies = await waitForReplies(fleet, CONTACT, 50, 30_000);
    expect(replies).toEqual(texts.map(answer));
  }, 40_000);

  it("answers exactly once a message whose handler was killed (-9) after reading it and before acking it", async () => {
    const contact = "5215510000004";
    // The reply reaches the sandbox at once, but its answer takes 3 s: the orchestrator dies waiting for it.
    fleet.sandbox.setResponseDelay(3000);
    try {
      const accepted = fleet.sandbox.store.waitFor((send) => send.to === contact, 10_000);
      expect((await postToFleet(fleet, say(fleet, contact, "crash test"))).status).toBe(200);
      await accepted;
      expect(await pendingInGroup(fleet)).toBeGreaterThanOrEqual(1);
      await fleet.services["bot-orchestrator"].stop("SIGKILL");
    } finally {
      fleet.sandbox.setResponseDelay(0);
    }
    await fleet.start("bot-orchestrator");
    const deadline = Date.now() + 20_000;
    while ((await pendingInGroup(fleet)) > 0 && Date.now() < deadline) await settle(200);
    expect(await pendingInGroup(fleet)).toBe(0);
    await settle();
    expect(repliesTo(fleet, contact)).toEqual([answer("crash test")]);
  }, 60_000);

  it("recovers from a Redis restart without restarting services and loses no accepted message", async () => {
    const contact = "5215510000005";
    const bodies = Array.from({ length: 10 }, (_, i) => say(fleet, contact, `around restart ${i}`));
    for (const body of bodies.slice(0, 5)) expect((await postToFleet(fleet, body)).status).toBe(200);
    await fleet.redis.stop();
    // While Redis is down the adapter refuses (5xx) and the provider retries later, as Meta does.
    const refused = await postToFleet(fleet, bodies[5] ?? "");
    expect(refused.status).toBeGreaterThanOrEqual(500);
    await fleet.redis.start();
    for (const body of bodies.slice(5)) {
      let status = 0;
      const deadline = Date.now() + 15_000;
      while (status !== 200 && Date.now() < deadline) {
        status = (await postToFleet(fleet, body)).status;
        if (status !== 200) await settle(200);
      }
      expect(status).toBe(200);
    }
    const replies = await waitForReplies(fleet, contact, 10, 30_000);
    await settle();
    expect([...replies].sort()).toEqual(Array.from({ length: 10 }, (_, i) => answer(`around restart ${i}`)).sort());
    for (const service of Object.values(fleet.services)) expect(service.child.exitCode).toBeNull();
  }, 60_000);
});
