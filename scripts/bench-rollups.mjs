#!/usr/bin/env node
// Live rollups benchmark (a script, not a test): folds synthetic events (mixed types, 100 tenants,
// a few duplicates) into the analytics rollups on the local Redis, through the real code, under a
// private key prefix that is deleted afterwards. Two paths, each printing events folded per second:
//   - repository: the fold use case and its one-script-per-event repository, `--concurrency` folds
//     in flight (the consumer holds two batches: 2 × ROLLUPS_BATCH_SIZE = 400 by default);
//   - consumer: the events appended to the `events` stream first, then the RollupsConsumer reading
//     them in its group (XREADGROUP, fold, XACK) until every entry is acknowledged.
// The goal is at least 5 × the pipeline's message rate, i.e. ≥ 1,500 events/s.
//
//   node scripts/bench-rollups.mjs [--events 50000] [--concurrency 400] [--batch 200]
//
// Needs a build (pnpm build) and the local Redis (./scripts/test.sh sets it up; REDIS_URL to change).
import { parseArgs } from "node:util";
import { STREAMS } from "@fleet/contracts";
import { appendToStream, createRedisClient } from "@fleet/service-kit";
import { createTestRedis, memoryLogger } from "@fleet/testing";

const worker = new URL("../services/analytics-worker/dist/", import.meta.url);
const { createRollupsRepository } = await import(new URL("rollups/rollups.repository.js", worker).href);
const { createFoldIntoRollups } = await import(new URL("rollups/fold-into-rollups.use-case.js", worker).href);
const { RollupsConsumer, ROLLUPS_GROUP } = await import(new URL("consumers/rollups.consumer.js", worker).href);
const { createAnalyticsMetrics } = await import(new URL("metrics.js", worker).href);
const { Registry } = await import(new URL("../services/analytics-worker/node_modules/prom-client/index.js", import.meta.url).href);

const { values } = parseArgs({ options: { events: { type: "string", default: "50000" }, concurrency: { type: "string", default: "400" }, batch: { type: "string", default: "200" } } });
const total = Number(values.events);
const concurrency = Math.max(1, Number(values.concurrency));
const batchSize = Math.max(1, Number(values.batch));

// Roughly a shop's mix: mostly messages, some conversations, orders, hand-offs; 1 in 50 a duplicate.
const MIX = [
  ...Array(8).fill("message.received"),
  ...Array(8).fill("message.sent"),
  "message.send_failed", "conversation.started", "conversation.ended", "order.created", "handoff.requested",
  "seller.assigned", "stock.low", "error", "message.status",
];

function syntheticEvents(run) {
  const now = Date.now();
  const events = [];
  for (let i = 0; i < total; i++) {
    if (i > 0 && i % 50 === 0) {
      events.push(events[i - 7]);
      continue;
    }
    const type = MIX[i % MIX.length];
    const attributes = type === "message.sent" ? { provider: "meta", response_ms: (i * 37) % 4000 } : type === "order.created" ? { totalMinor: 1000 + (i % 90_000), currency: i % 3 ? "MXN" : "USD" } : {};
    events.push({
      v: 1,
      id: `bench-${run}-${i}`,
      tenantId: `tenant-${i % 100}`,
      // Spread over the last two days: several hour and day buckets per tenant.
      occurredAt: new Date(now - ((i * 7919) % (48 * 3600 * 1000))).toISOString(),
      type,
      source: type === "order.created" || type === "stock.low" ? "gateway" : "bot-orchestrator",
      botId: `bot-${i % 300}`,
      contact: `52155${String(i % 10_000).padStart(8, "0")}`,
      attributes,
    });
  }
  return events;
}

const test = await createTestRedis();
const { logger } = memoryLogger("bench-rollups", "error");
const redis = createRedisClient({ url: test.url, keyPrefix: test.prefix, logger, name: "bench-rollups" });
const blocking = createRedisClient({ url: test.url, keyPrefix: test.prefix, logger, name: "bench-rollups-read", blocking: true });
const fold = createFoldIntoRollups({ repository: createRollupsRepository(redis), logger });
const line = (label, count, seconds) => console.log(`${label.padEnd(11)} ${String(count).padStart(7)} events in ${seconds.toFixed(2)} s: ${Math.round(count / seconds).toLocaleString("en")} events/s`);

try {
  // Repository path, after a small warm-up (script loaded, connection up).
  await Promise.all(syntheticEvents("warm").slice(0, 500).map((event) => fold(event)));
  const events = syntheticEvents("repo");
  const counts = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < events.length) {
        const outcome = await fold(events[next++]);
        counts[outcome] = (counts[outcome] ?? 0) + 1;
      }
    }),
  );
  line("repository", events.length, (performance.now() - started) / 1000);
  console.log(`            outcomes ${JSON.stringify(counts)}`);

  // Consumer path: the stream filled first, so the time measured is reading and folding only.
  const streamed = syntheticEvents("stream");
  for (let i = 0; i < streamed.length; i += 1000) await Promise.all(streamed.slice(i, i + 1000).map((event) => appendToStream(redis, STREAMS.events, event)));
  const metrics = createAnalyticsMetrics(new Registry());
  const consumer = new RollupsConsumer({ redis, blockingRedis: blocking, fold, logger, metrics, consumerName: "bench", batchSize, blockMs: 100, claimIdleMs: 60_000 });
  const consumerStarted = performance.now();
  consumer.start();
  for (;;) {
    const handled = (await metrics.rollupEvents.get()).values.reduce((sum, { value }) => sum + value, 0);
    if (handled >= streamed.length) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const seconds = (performance.now() - consumerStarted) / 1000;
  await consumer.stop();
  const [pending] = await redis.xpending(STREAMS.events, ROLLUPS_GROUP);
  line("consumer", streamed.length, seconds);
  console.log(`            outcomes ${JSON.stringify(Object.fromEntries((await metrics.rollupEvents.get()).values.map(({ labels, value }) => [labels.outcome, value])))}, left pending ${pending}`);
  console.log("goal: ≥ 1,500 events/s (5 × the pipeline's message rate)");
} finally {
  redis.disconnect();
  blocking.disconnect();
  await test.cleanup();
}
