#!/usr/bin/env node
// Analytics read benchmark (a script, not a test): the KPI read latency of the gateway under load.
// Starts what bench-gateway starts (the fleet, rate limits raised), registers a shop, and fills its
// live rollups with 30 days of synthetic traffic (conversations with messages in and out, response
// times, failures, hand-offs, sellers, orders in MXN and USD, stock alerts, errors; more by day than
// by night in the shop's time zone, less at weekends) plus three other tenants, written through the
// analytics worker's own fold code (services/analytics-worker/dist: foldEvent + the rollups
// repository's script) on the fleet's Redis, as the worker would write them. Then, for
//   GET /api/analytics/metrics?range=24h | 7d | 30d
//   GET /api/analytics/timeseries?metric=messagesIn&bucket=day&range=30d
// it measures (a) cached reads: the same request repeated, which the gateway's per-tenant cache
// answers (it keeps an answer 5 s, so one request in 5 s computes), and (b) computed reads: the
// same span as a custom from/to that moves by a millisecond every request, so each one misses the
// cache (the cache has no bypass) and reads Redis; each at a paced rate (evenly spaced, open loop,
// latency from each request's planned start) and at saturation (autocannon, `--connections`
// connections). Prints req/s, p50/p90/p99, errors and the gateway's CPU per request, the machine
// and the goal (issue 13: cached reads under 10 ms).
//
//   node scripts/bench-analytics.mjs [--seconds 10] [--rate 200] [--connections 32] [--peak 40] [--pin]
//
// --peak: the shop's messages received in its busiest hour (the rest of the day follows a daily curve).
// --pin keeps the load generator off the servers' core (needs 2+ cores and taskset), as in bench-gateway.
//
// Needs a build (pnpm build) and local Postgres/Redis (./scripts/test.sh sets them up).
import os from "node:os";
import { parseArgs } from "node:util";
import { createRedisClient } from "@fleet/service-kit";
import { memoryLogger } from "@fleet/testing";
import { cpuMs, measured, paced, run, startBenchServers } from "./lib/bench.mjs";

const worker = new URL("../services/analytics-worker/dist/", import.meta.url);
const { createRollupsRepository } = await import(new URL("rollups/rollups.repository.js", worker).href);
const { createFoldIntoRollups } = await import(new URL("rollups/fold-into-rollups.use-case.js", worker).href);

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    rate: { type: "string", default: "200" },
    connections: { type: "string", default: "32" },
    peak: { type: "string", default: "40" },
    pin: { type: "boolean", default: false },
  },
});
const duration = Number(values.seconds);
const rate = Number(values.rate);
const connections = Number(values.connections);
const peak = Number(values.peak);
for (const [name, value] of Object.entries({ seconds: duration, rate, connections, peak })) {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got ${values[name]}`);
}

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const DAYS = 30;
/** Share of the busiest hour's traffic by local hour of day. */
const DAILY_CURVE = [0.1, 0.05, 0.03, 0.02, 0.02, 0.05, 0.15, 0.35, 0.6, 0.8, 0.95, 1, 1, 0.9, 0.8, 0.75, 0.8, 0.9, 1, 1, 0.85, 0.6, 0.35, 0.2];
/** Share by local day of week (Sunday first). */
const WEEK_CURVE = [0.6, 1, 1, 1, 1, 0.95, 0.8];

/** A small seeded generator (mulberry32): the same traffic on every run. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Events of one tenant over the last `days` days up to `now`, in time order. A conversation: the
 * contact writes 1–8 times, the bot answers each (1.5 % fail, 0.2 % ambiguous; response times mostly
 * 0.3–2 s, a tail to 40 s); one in ten asks for a person (most attended by a seller, some escalated),
 * about one in six orders.
 */
function trafficOf({ tenantId, timeZone, days, peakPerHour, seed, now }) {
  const next = random(seed);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const local = new Intl.DateTimeFormat("en-US", { timeZone, hour: "numeric", hourCycle: "h23", weekday: "short" });
  const weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const bots = ["a", "b", "c"].map((name) => `bot-${tenantId.slice(0, 8)}-${name}`);
  const contacts = Array.from({ length: 800 }, (_, i) => `52155${String(seed * 1000 + i).padStart(8, "0")}`);
  const start = now - days * DAY_MS;
  const events = [];
  let serial = 0;
  const emit = (type, at, source, extra = {}) => {
    if (at < start || at >= now) return;
    events.push({ v: 1, id: `bench-${tenantId}-${serial++}`, tenantId, occurredAt: new Date(at).toISOString(), type, source, attributes: {}, ...extra });
  };
  for (let hour = Math.floor(start / HOUR_MS) * HOUR_MS; hour < now; hour += HOUR_MS) {
    const parts = Object.fromEntries(local.formatToParts(new Date(hour)).map((part) => [part.type, part.value]));
    const weight = (DAILY_CURVE[Number(parts.hour)] ?? 0) * (WEEK_CURVE[weekdays.indexOf(parts.weekday)] ?? 1);
    // About 5 messages in per conversation.
    const conversations = Math.round((peakPerHour / 5) * weight * (0.7 + 0.6 * next()));
    for (let c = 0; c < conversations; c++) {
      const contact = pick(contacts);
      const botId = pick(bots);
      const common = { botId, contact };
      let at = hour + Math.floor(next() * HOUR_MS);
      emit("conversation.started", at, "bot-orchestrator", common);
      const turns = 1 + Math.floor(next() * 8);
      for (let t = 0; t < turns; t++) {
        emit("message.received", at, "whatsapp-adapter", { ...common, attributes: { provider: "meta" } });
        const roll = next();
        const responseMs = Math.round(roll < 0.9 ? 300 + next() * 1700 : roll < 0.98 ? 2000 + next() * 8000 : 10_000 + next() * 30_000);
        at += responseMs;
        const sent = next();
        if (sent < 0.015) emit("message.send_failed", at, "whatsapp-adapter", { ...common, attributes: { provider: "meta", code: "PROVIDER_UNAVAILABLE" } });
        else if (sent < 0.017) emit("message.send_ambiguous", at, "whatsapp-adapter", { ...common, attributes: { provider: "meta" } });
        else emit("message.sent", at, "whatsapp-adapter", { ...common, attributes: { provider: "meta", response_ms: responseMs } });
        at += 20_000 + Math.floor(next() * 100_000);
      }
      if (next() < 0.1) {
        emit("handoff.requested", at, "bot-orchestrator", { ...common, attributes: { reason: "asked_for_person" } });
        const outcome = next();
        if (outcome < 0.75) {
          emit("seller.assigned", at + 30_000, "gateway", { ...common, attributes: { seller_id: `seller-${Math.floor(next() * 4)}` } });
          emit("handoff.attended", at + 120_000, "bot-orchestrator", { ...common, attributes: { reason: "attended" } });
          emit("seller.released", at + 900_000, "gateway", common);
        } else if (outcome < 0.85) {
          emit("handoff.escalated", at + 600_000, "gateway", { ...common, attributes: { reason: "timeout" } });
        }
        if (next() < 0.3) emit("seller.alerted", at + 60_000, "gateway", { ...common, attributes: { priority: "high" } });
      }
      if (next() < 0.17) {
        at += 60_000 + Math.floor(next() * 600_000);
        const usd = next() < 0.1;
        emit("order.created", at, "gateway", { ...common, attributes: { totalMinor: usd ? 1500 + Math.floor(next() * 20_000) : 15_000 + Math.floor(next() * 250_000), currency: usd ? "USD" : "MXN" } });
      }
      emit("conversation.ended", at + 300_000, "bot-orchestrator", common);
    }
    if (next() < 0.03) emit("stock.low", hour + Math.floor(next() * HOUR_MS), "gateway", { attributes: { sku: "SKU-1", stock: 2, min: 5 } });
    if (next() < 0.02) emit("error", hour + Math.floor(next() * HOUR_MS), "bot-orchestrator", { botId: pick(bots), attributes: { code: "FLOW_FAILED" } });
  }
  return events.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0));
}

/** Folds events through the worker's code, `concurrency` at a time (the consumer holds two batches of 200). */
async function foldAll(fold, events, concurrency = 400) {
  const outcomes = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < events.length) {
        const outcome = await fold(events[next++]);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
    }),
  );
  return outcomes;
}

const figures = (s) =>
  `${s.rps.toFixed(0).padStart(6)} req/s  p50 ${String(s.p50).padStart(4)} ms  p90 ${String(s.p90).padStart(4)} ms  p99 ${String(s.p99).padStart(4)} ms  errors/non-2xx ${s.errors}  CPU ${s.cpuUs.toFixed(0).padStart(4)} µs/req`;

const { cores, fleet, stop } = await startBenchServers({ pin: values.pin });
const { logger } = memoryLogger("bench-analytics", "error");
const keyPrefix = fleet.redisClient.options.keyPrefix;
const redis = createRedisClient({ url: fleet.redis.url, keyPrefix, logger, name: "bench-analytics" });
try {
  const gateway = fleet.services.gateway.httpUrl;
  const gatewayPid = fleet.services.gateway.child.pid;
  const slug = `bench-${Date.now()}`;
  const registered = await fetch(`${gateway}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenantName: "Bench shop", tenantSlug: slug, email: `owner@${slug}.test`, password: "bench-password-Zq8!rT4#wL" }),
  });
  if (!registered.ok) throw new Error(`register answered ${registered.status}: ${await registered.text()}`);
  const { accessToken, tenant } = await registered.json();
  const headers = { authorization: `Bearer ${accessToken}` };
  const settings = await fetch(`${gateway}/api/settings`, { headers });
  if (!settings.ok) throw new Error(`GET /api/settings answered ${settings.status}: ${await settings.text()}`);
  const { timeZone } = await settings.json();

  // The rollups: the shop's 30 days, and three other tenants (not read, only there).
  const now = Date.now();
  const shop = trafficOf({ tenantId: tenant.id, timeZone, days: DAYS, peakPerHour: peak, seed: 1, now });
  const others = [2, 3, 4].flatMap((seed) => trafficOf({ tenantId: `00000000-0000-4000-8000-00000000000${seed}`, timeZone: "America/Bogota", days: DAYS, peakPerHour: Math.max(1, Math.round(peak / 3)), seed, now }));
  const fold = createFoldIntoRollups({ repository: createRollupsRepository(redis), logger });
  const foldStarted = performance.now();
  const outcomes = await foldAll(fold, [...shop, ...others]);
  const foldSeconds = (performance.now() - foldStarted) / 1000;
  const messagesIn = shop.filter((event) => event.type === "message.received").length;
  // KEYS takes the pattern as given: the client's key prefix is not added to it.
  const hourKeys = (await redis.keys(`${keyPrefix}analytics:{${tenant.id}}:h:*`)).length;
  console.log(
    `rollups: ${shop.length} events of the shop (${messagesIn} messages in, time zone ${timeZone}) and ${others.length} of 3 other tenants over ${DAYS} days, folded by the worker's code in ${foldSeconds.toFixed(1)} s ${JSON.stringify(outcomes)}; the shop has ${hourKeys} hour buckets`,
  );

  // Every computed read has its own cache key: `to` moves back a millisecond per request, over the whole run.
  let computedSerial = 0;
  const anchor = Date.now();
  const endpoints = [
    ["metrics range=24h", "/api/analytics/metrics", { range: "24h" }, DAY_MS],
    ["metrics range=7d", "/api/analytics/metrics", { range: "7d" }, 7 * DAY_MS],
    ["metrics range=30d", "/api/analytics/metrics", { range: "30d" }, 30 * DAY_MS],
    ["timeseries messagesIn/day 30d", "/api/analytics/timeseries", { metric: "messagesIn", bucket: "day", range: "30d" }, 30 * DAY_MS],
  ].map(([label, path, query, spanMs]) => {
    const rest = Object.fromEntries(Object.entries(query).filter(([key]) => key !== "range"));
    return {
      label,
      cached: () => `${path}?${new URLSearchParams(query)}`,
      computed: () => {
        const to = anchor - computedSerial++;
        return `${path}?${new URLSearchParams({ ...rest, from: new Date(to - spanMs).toISOString(), to: new Date(to).toISOString() })}`;
      },
    };
  });

  // The data is there and both kinds of read see it: the 30-day reads count every message folded.
  const [metrics30, computed30, series30] = await Promise.all(
    [endpoints[2].cached(), endpoints[2].computed(), endpoints[3].computed()].map(async (path) => {
      const answer = await fetch(`${gateway}${path}`, { headers });
      if (!answer.ok) throw new Error(`GET ${path} answered ${answer.status}: ${await answer.text()}`);
      return answer.json();
    }),
  );
  const seriesIn = series30.points.reduce((sum, point) => sum + point.value, 0);
  if (metrics30.messagesIn !== messagesIn || computed30.messagesIn !== messagesIn || seriesIn !== messagesIn) {
    throw new Error(`30-day messages in: folded ${messagesIn}, metrics ${metrics30.messagesIn} (cached) ${computed30.messagesIn} (from/to), series ${seriesIn}`);
  }
  console.log(
    `check: 30 d → ${messagesIn} messages in, ${metrics30.messagesOut} out, ${metrics30.conversations} conversations, ${metrics30.orders} orders, response p90 ${metrics30.responseMs.p90} ms, ${metrics30.activeBots} active bots, ${series30.points.length} daily points`,
  );

  /** autocannon at saturation; `path` is called for every request. */
  const saturated = async (path, seconds) => {
    const result = await measured(gatewayPid, `${gateway}${path()}`, { connections, duration: seconds, headers, requests: [{ setupRequest: (request) => ({ ...request, path: path() }) }] });
    return { rps: result.requests.average, p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, errors: result.errors + result.non2xx, cpuUs: result.cpuUsPerRequest };
  };
  const atRate = async (path) => {
    const before = cpuMs(gatewayPid);
    const result = await paced(() => `${gateway}${path()}`, { rate, seconds: duration, connections, headers });
    return { ...result, cpuUs: ((cpuMs(gatewayPid) - before) * 1000) / Math.max(1, result.requests) };
  };

  // Warm-up, not counted.
  await run(`${gateway}${endpoints[0].cached()}`, { connections, duration: 1, headers });
  for (const endpoint of endpoints) await saturated(endpoint.computed, 1);

  const rows = [];
  for (const endpoint of endpoints) {
    for (const kind of ["cached", "computed"]) {
      const result = await atRate(endpoint[kind]);
      // The run lasts until the last request is answered: fewer per second than asked means a growing queue.
      const over = result.rps < 0.95 * rate ? "  (above capacity: requests queued)" : "";
      rows.push([`${endpoint.label.padEnd(30)} ${kind.padEnd(8)} at ${String(rate).padStart(4)}/s  `, result, over]);
      rows.push([`${endpoint.label.padEnd(30)} ${kind.padEnd(8)} saturated  `, await saturated(endpoint[kind], duration)]);
    }
  }

  console.log(
    `machine: ${cores} cores (${os.cpus()[0]?.model ?? "unknown"}), node ${process.version}; ${duration} s each; paced: evenly spaced, open loop; saturated: autocannon, ${connections} connections${values.pin ? "; servers on CPU 0, load generator on the rest" : ""}`,
  );
  console.log("goal (issue 13): cached reads under 10 ms. cached = the same request repeated (the gateway keeps an answer 5 s); computed = a new from/to every request (Redis read and KPIs computed)");
  for (const [label, result, note = ""] of rows) console.log(`${label}${figures(result)}${note}`);
} finally {
  redis.disconnect();
  await stop();
}
