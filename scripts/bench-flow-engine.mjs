#!/usr/bin/env node
// Flow engine benchmark (a script, not a test): the engine in this process, no network — the
// documented shop flow (menu → capture → catalogue, with its fallback), N contacts at once, each
// sending "hola" and then, once answered, "2". Every turn loads the contact's state from memory as
// JSON, runs the engine and stores the new state as JSON (what the Redis store costs in CPU, without
// the round trip), like BuilderBot's MemoryDB keeps it in memory. Prints messages per second,
// latency percentiles (from the moment a contact sends to the moment its replies are decided) and
// the peak RSS, for each size. Every round runs in a fresh process (warmed up with 300 other
// contacts first, as a running service is), so a size's RSS is its own.
//
//   node scripts/bench-flow-engine.mjs [--sizes 1,100,1000,10000] [--rounds 3]
//
// Needs a build (pnpm build).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runTurn } from "../services/bot-orchestrator/dist/flows/engine/engine.js";
import { shopMenuFlow } from "../services/bot-orchestrator/dist/flows/language/flow-examples.js";
import { validateFlow } from "../services/bot-orchestrator/dist/flows/language/validate-flow.js";
import { exampleActions } from "../services/bot-orchestrator/dist/flows/language/flow-examples.js";

const { values } = parseArgs({ options: { sizes: { type: "string", default: "1,100,1000,10000" }, rounds: { type: "string", default: "3" }, child: { type: "string" } } });
const sizes = values.sizes.split(",").map(Number);
const rounds = Number(values.rounds);

const checked = validateFlow(shopMenuFlow, { actions: exampleActions });
if (!checked.ok) throw new Error("the example flow does not validate");
const flow = { id: "bench-flow", version: 1, document: checked.flow };

/** Contacts of the warm-up round each process runs before it measures (the JIT compiles the engine). */
const WARM_UP_CONTACTS = 300;
const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 10);

function run(size) {
  const store = new Map();
  const latencies = [];
  let replies = 0;
  let entry = 0;

  async function handle(contact, text) {
    const sentAt = performance.now();
    // A message arrives as an event: the engine runs on a later tick, as it would after a read.
    await new Promise((resolve) => setImmediate(resolve));
    const raw = store.get(contact);
    const state = raw === undefined ? null : JSON.parse(raw);
    entry += 1;
    const turn = runTurn({
      state,
      flow: state ? flow : null,
      entry: flow,
      resolveFlow: () => undefined,
      input: { type: "message", kind: "text", text },
      entryId: `bench:${entry}`,
      context: { now: Date.now(), contact: { phone: contact, name: "Cliente Prueba", isNew: state === null }, bot: {}, tenant: { timezone: "America/Mexico_City" } },
    });
    if (turn.status !== "done") throw new Error("the benchmark flow made a call on this path");
    if (turn.state) store.set(contact, JSON.stringify(turn.state));
    replies += turn.effects.filter((e) => e.type === "send").length;
    latencies.push(performance.now() - sentAt);
  }

  return async () => {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: size }, async (_, i) => {
        const contact = `52155${String(i).padStart(8, "0")}`;
        await handle(contact, "hola");
        await handle(contact, "2");
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return { messages: size * 2, seconds, replies, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
  };
}

if (values.child !== undefined) {
  // One round of one size, in this fresh process, after a warm-up (other contacts, dropped), as a
  // running service would be: print the figures as JSON for the parent.
  await run(WARM_UP_CONTACTS)();
  const result = await run(Number(values.child))();
  clearInterval(sampler);
  console.log(JSON.stringify({ ...result, peakRss }));
  process.exit(0);
}
clearInterval(sampler);

console.log(`flow engine, in process: ${checked.flow.id} (${Object.keys(checked.flow.steps).length} steps), each contact sends "hola" then "2"; best of ${rounds} rounds, each in a fresh process`);
console.log("contacts  msgs/s     p50 ms   p99 ms   replies  peak RSS MiB");
const script = fileURLToPath(import.meta.url);
for (const size of sizes) {
  let best;
  for (let round = 0; round < rounds; round += 1) {
    const result = JSON.parse(execFileSync(process.execPath, [script, "--child", String(size)], { encoding: "utf8" }).trim().split("\n").at(-1));
    if (!best || result.messages / result.seconds > best.messages / best.seconds) best = result;
  }
  const rate = best.messages / best.seconds;
  console.log(`${String(size).padEnd(9)} ${rate.toFixed(0).padStart(8)}  ${best.p50.toFixed(2).padStart(7)}  ${best.p99.toFixed(2).padStart(7)}  ${String(best.replies).padStart(7)}  ${(best.peakRss / 1048576).toFixed(0).padStart(6)}`);
}
