// The pipeline on a local 3-master Redis Cluster: two orchestrator replicas
// sharing the partitions, every conversation answered once and in order, and
// the partitions' keys spread over the masters (each script's keys in one slot).
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Redis } from "ioredis";
import { messageWebhook, postToFleet, startFleet, type ClusterFleet } from "../src/index.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the pipeline on a Redis Cluster", () => {
  let fleet: ClusterFleet;

  beforeAll(async () => {
    fleet = await startFleet({ redis: "cluster", scale: { "bot-orchestrator": 2 }, env: { "bot-orchestrator": { PARTITION_LEASE_TTL_MS: "3000" } } });
  }, 90_000);

  afterAll(async () => {
    await fleet?.stop();
  }, 60_000);

  it("answers 30 conversations × 5 messages once each and in order, with the partitions spread over the masters", async () => {
    const conversations = 30;
    const contact = (c: number) => String(5215760000000 + c);
    for (let sequence = 1; sequence <= 5; sequence++) {
      for (let c = 0; c < conversations; c++) {
        const response = await postToFleet(fleet, messageWebhook(fleet, [{ from: contact(c), text: `c${c} #${sequence}`, name: "Ana" }]));
        expect(response.status).toBe(200);
      }
    }
    const replies = (c: number) => fleet.sandbox.store.sent({ to: contact(c) }).map((send) => Number(/#(\d+)"$/.exec((send.body as { text?: { body?: string } }).text?.body ?? "")?.[1]));
    const deadline = Date.now() + 60_000;
    while (Array.from({ length: conversations }, (_, c) => replies(c).length).reduce((a, b) => a + b, 0) < conversations * 5 && Date.now() < deadline) await sleep(100);
    await sleep(1000);
    for (let c = 0; c < conversations; c++) expect(replies(c)).toEqual([1, 2, 3, 4, 5]);

    // Every master holds some of the inbound partition streams.
    const streamsPerNode = await Promise.all(
      fleet.redisCluster.nodes.map(async ({ host, port }) => {
        const node = new Redis({ host, port, lazyConnect: true });
        await node.connect();
        try {
          return (await node.keys("fleet:wa.inbound.{inbound.*}")).length;
        } finally {
          node.disconnect();
        }
      }),
    );
    expect(streamsPerNode.filter((count) => count > 0).length).toBe(fleet.redisCluster.nodes.length);
  }, 120_000);
});
