#!/usr/bin/env node
// Pipeline benchmark (a script, not a test): N signed Cloud API webhooks sent
// through nginx at a target rate; for each, the time from webhook sent to the
// reply arriving at the sandbox. Prints sustained throughput, latency
// percentiles, lost and duplicated replies, each service's peak RSS and CPU
// (summed over its replicas).
//
//   node scripts/bench-pipeline.mjs [--count 3000] [--rate 500] [--contacts 300]
//                                   [--scale SERVICE=N]... [--redis server|cluster]
//                                   [--flow none|wait|both|shop] [--idle-s N]
//
// --scale runs N replicas of a service (as ./scripts/run-fleet.sh does; repeatable), --redis
// cluster a 3-master Redis Cluster instead of one redis-server. --flow chooses what answers: none,
// the stateless echo of a bot without a flow; wait, a flow run by the engine (each message is
// answered, then a durable wait is armed, so every message loads and commits the conversation's
// state, cancels and schedules a timer); both, the two one after the other on fresh fleets, with
// the difference per message at the end; shop, the default flows of a shop opened through the API
// (catalogue, sellers), each conversation walking the menu, a catalogue question and an order,
// over and over: every message reaches the flow engine and most call the shop's commerce.
// --idle-s N first measures the fleet with no traffic for N seconds (after the warm-up): what each
// process spends per second on its own (polling, leases, timers, heartbeats), which every message
// pays a share of at low rates.
// Needs a build (pnpm build) and local Postgres/Redis (./scripts/test.sh sets them up).
import { readFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";
import { SERVICES, activateFlow, messageWebhook, openShop, postToFleet, startFleet } from "@fleet/e2e";

function usageError(message) {
  console.error(`bench-pipeline: ${message}`);
  console.error("usage: node scripts/bench-pipeline.mjs [--count N] [--rate N] [--contacts N] [--drain-s N] [--scale SERVICE=N]... [--redis server|cluster] [--flow none|wait|both|shop] [--idle-s N]");
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      count: { type: "string", default: "3000" },
      rate: { type: "string", default: "500" },
      contacts: { type: "string", default: "300" },
      "drain-s": { type: "string", default: "30" },
      scale: { type: "string", multiple: true, default: [] },
      redis: { type: "string", default: "server" },
      flow: { type: "string", default: "none" },
      "idle-s": { type: "string", default: "0" },
    },
  }));
} catch (error) {
  usageError(error.message);
}
const count = Number(values.count);
const rate = Number(values.rate);
const contacts = Number(values.contacts);
const drainMs = Number(values["drain-s"]) * 1000;
const idleMs = Number(values["idle-s"]) * 1000;
if (!(idleMs >= 0)) usageError(`--idle-s takes a number of seconds, got '${values["idle-s"]}'`);
const scale = {};
for (const spec of values.scale) {
  const match = /^([a-z-]+)=(\d+)$/.exec(spec);
  if (!match) usageError(`--scale takes SERVICE=N, got '${spec}'`);
  if (!SERVICES.includes(match[1])) usageError(`--scale: unknown service '${match[1]}' (one of: ${SERVICES.join(", ")})`);
  if (Number(match[2]) < 1) usageError(`--scale ${match[1]}: at least 1 replica`);
  scale[match[1]] = Number(match[2]);
}
if (values.redis !== "server" && values.redis !== "cluster") usageError(`--redis is server or cluster, got '${values.redis}'`);
if (!["none", "wait", "both", "shop"].includes(values.flow)) usageError(`--flow is none, wait, both or shop, got '${values.flow}'`);

/**
 * What each conversation says in --flow shop, in a loop, and how many replies each message gets
 * from the default flows: the menu (a new conversation: greeting and menu), the catalogue, a
 * product question (matches, the top one's image, the choices), then an order taken to the end.
 */
const SHOP_SCRIPT = [
  { text: "menú", replies: 2 },
  { text: "2", replies: 2 },
  { text: "anillo de plata", replies: 3 },
  { text: "Hacer pedido", replies: 1 },
  { text: "1", replies: 1 },
  { text: "1", replies: 1 },
  { text: "Recoger en tienda", replies: 1 },
  { text: "Confirmar", replies: 2 },
];
const SHOP_SELLER = "5215519990001";
/** The contact of the uncounted warm-up messages. */
const WARMUP_CONTACT = "5215500000000";

/** The orchestrator's default ACTIVE_FLOW_CACHE_MS: how long a replica may answer with flows it read before. */
const ACTIVE_FLOW_CACHE_MS = 3000;

/**
 * Waits until the shop's own flows answer its number (not the echo of a bot without flows): its
 * default flows are installed in the background, and an orchestrator that looked before keeps
 * "no flows" for up to ACTIVE_FLOW_CACHE_MS.
 */
async function untilShopFlowsAnswer(fleet, phoneNumberId) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const since = new Date();
    await postToFleet(fleet, messageWebhook(fleet, [{ from: WARMUP_CONTACT, text: "menú", name: "Bench" }], { phoneNumberId }));
    const reply = await fleet.sandbox.store.waitFor((send) => send.to === WARMUP_CONTACT && new Date(send.receivedAt) >= since, 5_000).catch(() => null);
    if (reply && !String(reply.body?.text?.body ?? "").startsWith("Hello")) return;
    if (Date.now() > deadline) throw new Error("the shop's flows did not answer within 30 s");
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Answers every message with its text (so replies match their webhooks), then waits durably for the next. */
const benchFlow = {
  schemaVersion: 1,
  id: "bench",
  name: "Bench",
  start: "eco",
  triggers: [{ type: "regex", pattern: "^(#\\d+|warmup \\d+)$" }],
  steps: {
    eco: { kind: "message", text: 'Hello {{contact.first_name}}! You said: "{{input.text}}"', next: "espera" },
    espera: { kind: "wait", seconds: 3600, next: "fin", onReply: "eco" },
    fin: { kind: "end" },
  },
};

function procStats(pid) {
  try {
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    const cpuS = (Number(fields[11]) + Number(fields[12])) / 100;
    return { rss, cpuS };
  } catch {
    return { rss: 0, cpuS: 0 };
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const TITLES = { none: "no flow: stateless echo", wait: "flow with a durable wait (engine, state, timers)", shop: "the shop's default flows: menu, catalogue question, order" };


/** Counters of every replica's /metrics, summed: gRPC calls handled by method, Postgres queries by name. */
async function callCounters(fleet) {
  const totals = new Map();
  for (const [service, list] of Object.entries(fleet.replicas)) {
    for (const replica of list) {
      const text = await fetch(`${replica.httpUrl}/metrics`).then((response) => response.text(), () => "");
      for (const line of text.split("\n")) {
        const grpc = /^grpc_server_handled_total\{.*grpc_method="([^"]+)".*\} (\d+)/.exec(line);
        const db = /^db_query_duration_seconds_count\{[^}]*query="([^"]+)"[^}]*\} (\d+)/.exec(line);
        const match = grpc ?? db;
        if (!match) continue;
        const key = `${service} ${grpc ? "gRPC" : "Postgres"} ${match[1]}`;
        totals.set(key, (totals.get(key) ?? 0) + Number(match[2]));
      }
    }
  }
  return totals;
}

/** Redis commands served so far, by command (one redis-server; a cluster's nodes are not summed). */
async function redisCommands(fleet) {
  const totals = new Map();
  if (fleet.redisCluster) return totals;
  const info = await fleet.redisClient.info("commandstats");
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) totals.set(`Redis ${match[1]}`, Number(match[2]));
  // Each read is one batch of commands a client wrote (a round trip, however many commands it held).
  const reads = /^total_reads_processed:(\d+)/m.exec(await fleet.redisClient.info("stats"));
  if (reads) totals.set("reads processed by redis-server (client round trips)", Number(reads[1]));
  return totals;
}

/** What each message cost in calls between the parts: the counters' growth over the run, per message. */
function printCallsPerMessage(before, after, count) {
  const rows = [...after].map(([key, value]) => [key, (value - (before.get(key) ?? 0)) / count]).filter(([, perMessage]) => perMessage >= 0.01);
  rows.sort((a, b) => b[1] - a[1]);
  const sum = (prefix) => rows.filter(([key]) => key.includes(prefix)).reduce((total, [, n]) => total + n, 0);
  console.log(`calls per message: gRPC ${sum(" gRPC ").toFixed(2)}, Postgres queries ${sum(" Postgres ").toFixed(2)}, Redis commands ${sum("Redis ").toFixed(2)}`);
  for (const [key, perMessage] of rows.slice(0, 30)) console.log(`  ${perMessage.toFixed(2).padStart(6)}  ${key}`);
}

async function runOnce(mode) {
// The orchestrators keep their production settings: flows reach them through their cache of active
// flows (ACTIVE_FLOW_CACHE_MS, 3 s), which the bench waits out below rather than shortens.
const fleet = await startFleet({ ratePerSecond: 1000, scale, redis: values.redis, spareNumbers: 1 });
const onSigint = () => void fleet.stop().then(() => process.exit(130));
process.once("SIGINT", onSigint);
try {
if (mode === "wait") {
  await activateFlow(fleet, benchFlow);
  // Every replica's cache of active flows has then seen the activation (one answers like the echo).
  await new Promise((resolve) => setTimeout(resolve, ACTIVE_FLOW_CACHE_MS + 500));
}
/** The shop's bot number in --flow shop (its default flows answer); the fleet's echo bot otherwise. */
let phoneNumberId = fleet.phoneNumberId;
if (mode === "shop") {
  const [number] = fleet.spareNumbers;
  const shop = await openShop(fleet, {
    slug: "bench-shop",
    name: "Bench Shop",
    language: "es",
    number,
    providerSettings: { messages_per_second: "1000" },
    sellers: [{ name: "Ana Torres", phone: SHOP_SELLER, maxConcurrentCustomers: 1000 }],
    products: [
      { sku: "AN-PLA-001", name: "Anillo de plata 925 liso", category: "anillos", material: "plata", priceMinor: 45_000, stock: 1_000_000, imageUrls: ["https://images.example.com/an-pla-001.jpg"] },
      { sku: "AN-PLA-002", name: "Anillo de plata con circonia", category: "anillos", material: "plata", priceMinor: 69_000, stock: 1_000_000 },
      { sku: "CA-PLA-001", name: "Cadena de plata 925 veneciana", category: "cadenas", material: "plata", priceMinor: 38_000, stock: 1_000_000 },
    ],
  });
  phoneNumberId = shop.phoneNumberId;
  await untilShopFlowsAnswer(fleet, phoneNumberId);
}
console.log(`\n=== ${TITLES[mode]} ===`);
const children = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};
// Every replica's process id, per service: RSS and CPU are summed over a service's replicas.
const pids = Object.fromEntries(Object.entries(fleet.replicas).map(([name, list]) => [name, list.map((s) => s.child.pid)]));
const redisPids = fleet.redisCluster ? fleet.redisCluster.pids : [fleet.redis.pid];
const redisName = fleet.redisCluster ? `redis-cluster (${redisPids.length} nodes)` : "redis-server";
const others = { "nginx (workers)": children(fleet.nginxPid), [redisName]: redisPids };
const cpuOf = (list) => list.reduce((sum, pid) => sum + procStats(pid).cpuS, 0);
const rssOf = (list) => list.reduce((sum, pid) => sum + procStats(pid).rss, 0);
const peak = Object.fromEntries(Object.keys(pids).map((name) => [name, 0]));
const sampler = setInterval(() => {
  for (const [name, list] of Object.entries(pids)) peak[name] = Math.max(peak[name], rssOf(list));
}, 100);

const sentAt = new Map();
const webhookMs = [];
const latencies = [];
const replies = new Map();
let firstSend = 0;
let lastReply = 0;
let refused = 0;
// --flow shop: a contact's messages go out in order, each after the previous one's replies are
// due, so a reply belongs to the contact's oldest message still waiting for replies.
const waiting = new Map();
let sellerAlerts = 0;
const unsubscribe = fleet.sandbox.store.onRecord((record) => {
  if (record.outcome !== "accepted") return;
  const now = performance.now();
  if (mode === "shop") {
    if (record.to === SHOP_SELLER) return void sellerAlerts++;
    // The warm-up conversation's late replies are not part of the run.
    if (record.to === WARMUP_CONTACT) return;
    const queue = waiting.get(record.to);
    const turn = queue?.[0];
    if (!turn) return void replies.set(`extra:${record.to}:${now}`, 2);
    turn.left -= 1;
    if (!turn.answered) {
      turn.answered = true;
      replies.set(turn.key, 1);
      if (sentAt.has(turn.key)) latencies.push(now - sentAt.get(turn.key));
    }
    if (turn.left === 0) queue.shift();
    lastReply = now;
    return;
  }
  const text = record.body?.text?.body ?? "";
  const key = /#(\d+)"$/.exec(text)?.[1];
  if (key === undefined) return;
  replies.set(key, (replies.get(key) ?? 0) + 1);
  if (replies.get(key) === 1 && sentAt.has(key)) {
    latencies.push(now - sentAt.get(key));
    lastReply = now;
  }
});

// Warm up connections and JIT with a few messages, not counted.
for (let i = 0; i < 20; i++) {
  const text = mode === "shop" ? (SHOP_SCRIPT[i % SHOP_SCRIPT.length]?.text ?? "") : `warmup ${i}`;
  await postToFleet(fleet, messageWebhook(fleet, [{ from: WARMUP_CONTACT, text, name: "Bench" }], { phoneNumberId }));
}
await new Promise((resolve) => setTimeout(resolve, 1000));

if (idleMs > 0) {
  const all = { ...pids, ...others };
  const before = Object.fromEntries(Object.entries(all).map(([name, list]) => [name, cpuOf(list)]));
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  console.log(`idle (no traffic, ${idleMs / 1000} s): CPU ms per second / RSS MiB`);
  for (const [name, list] of Object.entries(all)) {
    console.log(`  ${name.padEnd(26)} ${(((cpuOf(list) - before[name]) * 1000) / (idleMs / 1000)).toFixed(1).padStart(6)} ms/s  ${rssOf(list).toFixed(1).padStart(6)} MiB`);
  }
}

// CPU is counted from here: the warm-up (connections, JIT, modules loaded on first use) is not part of the run.
const otherStart = Object.fromEntries(Object.entries(others).map(([name, list]) => [name, cpuOf(list)]));
const selfStart = process.cpuUsage();
const cpuStart = Object.fromEntries(Object.entries(pids).map(([name, list]) => [name, cpuOf(list)]));
const callsBefore = new Map([...(await callCounters(fleet)), ...(await redisCommands(fleet))]);
console.log(`sending ${count} webhooks at ${rate}/s over ${contacts} conversations...`);
firstSend = performance.now();
const inflight = [];
for (let i = 0; i < count; i++) {
  const due = firstSend + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
  const from = String(5215600000000 + (i % contacts));
  const key = String(i);
  const step = SHOP_SCRIPT[Math.floor(i / contacts) % SHOP_SCRIPT.length];
  if (mode === "shop" && step) {
    if (!waiting.has(from)) waiting.set(from, []);
    waiting.get(from).push({ key, left: step.replies, answered: false });
  }
  const body = messageWebhook(fleet, [{ from, text: mode === "shop" ? (step?.text ?? "") : `#${i}`, name: "Bench" }], { phoneNumberId });
  const started = performance.now();
  sentAt.set(key, started);
  inflight.push(
    postToFleet(fleet, body).then(
      (response) => {
        webhookMs.push(performance.now() - started);
        if (response.status !== 200) refused++;
      },
      // A connection the proxy dropped under overload: the provider would retry it later.
      () => refused++,
    ),
  );
}
const sendSeconds = (performance.now() - firstSend) / 1000;
await Promise.all(inflight);
const drainDeadline = performance.now() + drainMs;
while (latencies.length < count - refused && performance.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 100));
clearInterval(sampler);
unsubscribe();

const sorted = [...latencies].sort((a, b) => a - b);
const webhookSorted = [...webhookMs].sort((a, b) => a - b);
const duplicated = [...replies.values()].filter((n) => n > 1).length;
if (mode === "shop") {
  const unanswered = [...waiting.values()].reduce((sum, queue) => sum + queue.reduce((n, turn) => n + turn.left, 0), 0);
  console.log(`shop: ${sellerAlerts} order alerts to the seller; replies still missing: ${unanswered}`);
}
const lost = count - refused - latencies.length;
const spanS = (lastReply - firstSend) / 1000;
const cpu = Object.fromEntries(Object.entries(pids).map(([name, list]) => [name, cpuOf(list) - cpuStart[name]]));
const otherCpu = Object.fromEntries(Object.entries(others).map(([name, list]) => [name, cpuOf(list) - otherStart[name]]));
const self = process.cpuUsage(selfStart);
otherCpu["load generator + sandbox"] = (self.user + self.system) / 1e6;
const fmt = (n) => (Number.isFinite(n) ? n.toFixed(1) : "n/a");

console.log(`\nmachine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
console.log(`offered: ${count} webhooks at ${rate}/s (sent in ${sendSeconds.toFixed(2)} s)`);
console.log(`sustained: ${fmt(latencies.length / spanS)} replies/s (first webhook → last reply ${spanS.toFixed(2)} s)`);
console.log(`webhook → reply latency ms: p50 ${fmt(percentile(sorted, 50))}  p95 ${fmt(percentile(sorted, 95))}  p99 ${fmt(percentile(sorted, 99))}  max ${fmt(sorted.at(-1))}`);
console.log(`webhook answer (nginx → adapter → 200) ms: p50 ${fmt(percentile(webhookSorted, 50))}  p99 ${fmt(percentile(webhookSorted, 99))}`);
console.log(`refused webhooks (non-200 or connection dropped): ${refused}   lost replies: ${lost}   duplicated replies: ${duplicated}`);
console.log("per service, summed over its replicas (×N): peak RSS MiB / CPU seconds during the run (CPU ms per message)");
for (const name of Object.keys(pids)) {
  const replicas = pids[name].length;
  const perReplica = replicas > 1 ? `   per replica: ${fmt(peak[name] / replicas)} MiB, ${(cpu[name] / replicas).toFixed(2)} s` : "";
  console.log(`  ${name.padEnd(18)} ×${String(replicas).padEnd(2)} ${fmt(peak[name]).padStart(7)} MiB  ${cpu[name].toFixed(2).padStart(6)} s  (${fmt((cpu[name] * 1000) / count)} ms/msg)${perReplica}`);
}
console.log("rest of the pipeline: CPU seconds during the run (CPU ms per message)");
for (const [name, seconds] of Object.entries(otherCpu)) console.log(`  ${name.padEnd(26)} ${seconds.toFixed(2).padStart(6)} s  (${fmt((seconds * 1000) / count)} ms/msg)`);
const total = Object.values(cpu).reduce((a, b) => a + b, 0) + Object.values(otherCpu).reduce((a, b) => a + b, 0);
const fleetCpu = total - otherCpu["load generator + sandbox"];
console.log(`fleet CPU per message (services, nginx, Redis; not the load generator): ${fmt((fleetCpu * 1000) / count)} ms`);
// The load generator does the same work per message whatever the fleet's code: the ratio cancels
// most of a shared host's drift in speed between runs (seen here at ±12 %), for A/B comparisons.
console.log(`fleet CPU relative to the load generator's in the same run: ${(fleetCpu / otherCpu["load generator + sandbox"]).toFixed(2)}×`);
console.log(`total CPU per message: ${fmt((total * 1000) / count)} ms → at most ~${Math.round((os.cpus().length * count) / total)} msg/s on ${os.cpus().length} cores with every part on this machine`);
printCallsPerMessage(callsBefore, new Map([...(await callCounters(fleet)), ...(await redisCommands(fleet))]), count);
return fleetCpu / count;
} finally {
  process.off("SIGINT", onSigint);
  await fleet.stop();
}
}

const modes = values.flow === "both" ? ["none", "wait"] : [values.flow];
const perMessage = {};
for (const mode of modes) perMessage[mode] = await runOnce(mode);
if (modes.length === 2) {
  const delta = (perMessage.wait - perMessage.none) * 1000;
  console.log(`\nflow vs echo, same run: fleet CPU ${(perMessage.wait * 1000).toFixed(2)} vs ${(perMessage.none * 1000).toFixed(2)} ms per message (${delta >= 0 ? "+" : ""}${delta.toFixed(2)} ms)`);
}

