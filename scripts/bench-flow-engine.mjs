#!/usr/bin/env node
// Flow engine benchmark (a script, not a test): the engine in this process, no network — the
// documented shop flow (menu → capture → catalogue, with its fallback), N contacts at once, each
// sending "hola" and then, once answered, "2". Every turn loads the contact's state from memory as
// JSON, runs the engine and stores the new state as JSON (what the Redis store costs in CPU, without
// the round trip), like BuilderBot's MemoryDB keeps it in memory. Prints messages per second,
// latency percentiles (from the moment a contact sends to the moment its replies are decided) and
// the peak RSS, for each size.
//
//   node scripts/bench-flow-engine.mjs [--sizes 1,100,1000,10000] [--rounds 3]
//
// Needs a build (pnpm build).
import { parseArgs } from "node:util";
import { runTurn } from "../services/bot-orchestrator/dist/flows/engine/engine.js";
import { shopMenuFlow } from "../services/bot-orchestrator/dist/flows/language/flow-examples.js";
import { validateFlow } from "../services/bot-orchestrator/dist/flows/language/validate-flow.js";
import { exampleActions } from "../services/bot-orchestrator/dist/flows/language/flow-examples.js";

const { values } = parseArgs({ options: { sizes: { type: "string", default: "1,100,1000,10000" }, rounds: { type: "string", default: "3" } } });
const sizes = values.sizes.split(",").map(Number);
const rounds = Number(values.rounds);

const checked = validateFlow(shopMenuFlow, { actions: exampleActions });
if (!checked.ok) throw new Error("the example flow does not validate");
const flow = { id: "bench-flow", version: 1, document: checked.flow };

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

console.log(`flow engine, in process: ${checked.flow.id} (${Object.keys(checked.flow.steps).length} steps), each contact sends "hola" then "2"; best of ${rounds} rounds`);
console.log("contacts  msgs/s     p50 ms   p99 ms   replies  peak RSS MiB");
for (const size of sizes) {
  let best;
  for (let round = 0; round < rounds; round += 1) {
    const result = await run(size)();
    if (!best || result.messages / result.seconds > best.messages / best.seconds) best = result;
  }
  const rate = best.messages / best.seconds;
  console.log(`${String(size).padEnd(9)} ${rate.toFixed(0).padStart(8)}  ${best.p50.toFixed(2).padStart(7)}  ${best.p99.toFixed(2).padStart(7)}  ${String(best.replies).padStart(7)}  ${(peakRss / 1048576).toFixed(0).padStart(6)}`);
}
clearInterval(sampler);
