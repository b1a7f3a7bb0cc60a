#!/usr/bin/env node
// Catalogue benchmark (a script, not a test): a tenant with 10,000 products imported through
// POST /api/products/import (and, timed apart in a second tenant, 5,000 products with one variant
// each: 10,000 rows), then
//   1. the shopper search (GET /api/products/search?q=…) over typical shopper phrases — typos,
//      price phrases, quality words, English — p50/p99 per phrase and overall, sequentially and
//      under concurrency (the search cache is dropped before each run by a no-op catalogue write,
//      so these are database searches, not cache hits);
//   2. a cached GET /api/products?limit=25 under autocannon against an express hello-world in the
//      same run with the same load generator, in alternating slices (--list-rounds; the median
//      ratio; the goal is ≥ 0.6× hello-world).
// Prints figures only.
//
//   node scripts/bench-catalogue.mjs [--connections 32] [--seconds 10] [--rounds 30] [--concurrency 16] [--list-rounds 5] [--pin] [--gateway-node-options=--max-semi-space-size=32]
//
// --pin keeps the load generator off the servers' core (as in bench-gateway.mjs): the servers
// start on CPU 0, then this process moves to the other cores.
//
// Needs a build (pnpm build) and local Postgres/Redis (./scripts/test.sh sets them up).
import os from "node:os";
import { parseArgs } from "node:util";
import { fmt, percentile, run, startBenchServers, versusHelloWorld } from "./lib/bench.mjs";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "32" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "30" },
    concurrency: { type: "string", default: "16" },
    "list-rounds": { type: "string", default: "5" },
    pin: { type: "boolean", default: false },
    "gateway-node-options": { type: "string", default: "" },
  },
});
const connections = Number(values.connections);
const duration = Number(values.seconds);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);
const listRounds = Number(values["list-rounds"]);

const PHRASES = [
  "anillo de oro",
  "anio de oro",
  "cadena barata",
  "pulsera de plata entre 500 y 1000",
  "aretes premium",
  "collar",
  "ring gold",
  "anillo compromiso",
  "dije corazon plata",
  "cadena oro menos de 2000",
  "brazalete",
  "silver earrings",
];

const KINDS = [
  ["anillo", "anillos", ["compromiso", "boda", "solitario", "ring"]],
  ["cadena", "cadenas", ["collar", "tejido", "chain", "necklace"]],
  ["pulsera", "pulseras", ["brazalete", "esclava", "bracelet"]],
  ["aretes", "aretes", ["arracadas", "broqueles", "earrings"]],
  ["dije", "dijes", ["corazon", "medalla", "pendant"]],
  ["collar", "collares", ["gargantilla", "perlas", "necklace"]],
];
const MATERIALS = [
  ["oro", ["gold", "14k"]],
  ["plata", ["silver", "925"]],
  ["acero", ["steel"]],
  ["oro blanco", ["white gold"]],
];
const ADJECTIVES = ["clásico", "fino", "elegante", "sencillo", "premium", "artesanal", "moderno", "vintage", "delicado", "grueso"];

/** 10,000 jewellery products as the import's CSV (deterministic, so runs compare). */
function catalogueCsv(count) {
  const lines = ["sku,name,description,category,material,price,cost,currency,stock,stock_min,stock_max,active,keywords,image_urls"];
  for (let i = 0; i < count; i++) {
    const [noun, category, kindWords] = KINDS[i % KINDS.length];
    const [material, materialWords] = MATERIALS[Math.floor(i / KINDS.length) % MATERIALS.length];
    const adjective = ADJECTIVES[Math.floor(i / (KINDS.length * MATERIALS.length)) % ADJECTIVES.length];
    const priceMinor = 15_000 + ((i * 7919) % 2_000_000);
    const price = `${Math.floor(priceMinor / 100)}.${String(priceMinor % 100).padStart(2, "0")}`;
    const keywords = [...kindWords.slice(0, 2), ...materialWords].join("|");
    lines.push(`BENCH-${String(i).padStart(5, "0")},${noun} de ${material} ${adjective} ${i},${noun} ${adjective} de ${material},${category},${material},${price},,,${i % 40},2,,true,${keywords},`);
  }
  return lines.join("\n");
}

/** 5,000 products each followed by one size variant (10,000 rows) in the import's columns with variants. */
function variantsCsv(count) {
  const lines = ["sku,name,description,category,material,price,cost,currency,stock,stock_min,stock_max,active,keywords,image_urls,variant_of,size,colour"];
  for (let i = 0; i < count; i++) {
    const sku = `BENCHV-${String(i).padStart(5, "0")}`;
    lines.push(`${sku},anillo ${i},anillo de oro,anillos,oro,${150 + (i % 900)}.00,,,${i % 40},2,,true,anillo|oro,,,,`);
    lines.push(`${sku}-7,,,,,,,,${i % 9},1,,true,,,${sku},7,oro`);
  }
  return lines.join("\n");
}

const load = (url, options = {}) => run(url, { connections, duration, ...options });

const ms = (value) => `${value.toFixed(1).padStart(6)} ms`;



const { cores, fleet, hello, stop } = await startBenchServers({ pin: values.pin, gatewayNodeOptions: values["gateway-node-options"] });
try {
  const gateway = fleet.services.gateway.httpUrl;
  const gatewayPid = fleet.services.gateway.child.pid;
  const password = "bench-password-Zq8!rT4#wL";
  const slug = `bench-catalogue-${Date.now()}`;
  const registered = await fetch(`${gateway}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenantName: "Bench jewellery", tenantSlug: slug, email: `owner@${slug}.test`, password }),
  });
  if (!registered.ok) throw new Error(`register answered ${registered.status}: ${await registered.text()}`);
  const { accessToken } = await registered.json();
  const headers = { authorization: `Bearer ${accessToken}` };
  const variantSlug = `${slug}-variants`;
  const registeredVariants = await fetch(`${gateway}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenantName: "Bench jewellery variants", tenantSlug: variantSlug, email: `owner@${variantSlug}.test`, password }),
  });
  if (!registeredVariants.ok) throw new Error(`register answered ${registeredVariants.status}: ${await registeredVariants.text()}`);
  const variantHeaders = { authorization: `Bearer ${(await registeredVariants.json()).accessToken}` };

  const importStarted = performance.now();
  const imported = await fetch(`${gateway}/api/products/import?dryRun=false`, { method: "POST", headers: { ...headers, "content-type": "text/csv" }, body: catalogueCsv(10_000) });
  const importMs = performance.now() - importStarted;
  if (!imported.ok) throw new Error(`import answered ${imported.status}: ${(await imported.text()).slice(0, 500)}`);
  const report = await imported.json();

  const variantsStarted = performance.now();
  const importedVariants = await fetch(`${gateway}/api/products/import?dryRun=false`, { method: "POST", headers: { ...variantHeaders, "content-type": "text/csv" }, body: variantsCsv(5_000) });
  const variantsMs = performance.now() - variantsStarted;
  if (!importedVariants.ok) throw new Error(`variants import answered ${importedVariants.status}: ${(await importedVariants.text()).slice(0, 500)}`);
  const variantsReport = await importedVariants.json();

  /** A no-op write (an empty import) drops the tenant's cached reads, so the next searches hit Postgres. */
  const dropCache = async () => {
    const response = await fetch(`${gateway}/api/products/import?dryRun=false`, { method: "POST", headers: { ...headers, "content-type": "text/csv" }, body: "sku,name,price\n" });
    if (!response.ok) throw new Error(`cache drop answered ${response.status}`);
  };
  const search = async (phrase) => {
    const started = performance.now();
    const response = await fetch(`${gateway}/api/products/search?q=${encodeURIComponent(phrase)}&limit=10`, { headers });
    const body = await response.json();
    if (!response.ok) throw new Error(`search "${phrase}" answered ${response.status}`);
    return { ms: performance.now() - started, hits: body.products.length };
  };

  // Warm-up (connections, plans), not counted.
  for (const phrase of PHRASES) await search(phrase);

  const perPhrase = new Map(PHRASES.map((phrase) => [phrase, { times: [], hits: 0 }]));
  for (let round = 0; round < rounds; round++) {
    await dropCache();
    for (const phrase of PHRASES) {
      const { ms: took, hits } = await search(phrase);
      const entry = perPhrase.get(phrase);
      entry.times.push(took);
      entry.hits = hits;
    }
  }
  const concurrent = [];
  const concurrentStarted = performance.now();
  for (let round = 0; round < rounds; round++) {
    await dropCache();
    const queue = Array.from({ length: concurrency * 4 }, (_, i) => PHRASES[i % PHRASES.length]);
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let phrase = queue.shift(); phrase !== undefined; phrase = queue.shift()) concurrent.push((await search(phrase)).ms);
      }),
    );
  }
  const concurrentSeconds = (performance.now() - concurrentStarted) / 1000;

  // The cached list against hello-world.
  const listUrl = `${gateway}/api/products?limit=25`;
  const check = await fetch(listUrl, { headers });
  if (!check.ok) throw new Error(`GET /api/products answered ${check.status}`);
  await load(hello.url, { duration: 2 });
  await load(listUrl, { duration: 2, headers });
  const { baseline, result: list, ratio, cpuRatio, ratios } = await versusHelloWorld({ hello, target: { pid: gatewayPid, url: listUrl }, rounds: listRounds, seconds: duration, connections, options: { headers } });

  console.log(`machine: ${cores} cores (${os.cpus()[0]?.model ?? "unknown"}), node ${process.version}${values.pin ? "; servers on CPU 0, load generator on the rest" : ""}`);
  console.log(`import of 10,000 products: ${importMs.toFixed(0)} ms (created ${report.created}, updated ${report.updated})`);
  console.log(`import of 5,000 products with one variant each (10,000 rows): ${variantsMs.toFixed(0)} ms (created ${variantsReport.created}, updated ${variantsReport.updated})`);
  console.log(`shopper search, sequential, cache dropped before each round (${rounds} rounds):`);
  const all = [];
  for (const [phrase, { times, hits }] of perPhrase) {
    const sorted = [...times].sort((a, b) => a - b);
    all.push(...sorted);
    console.log(`  ${JSON.stringify(phrase).padEnd(38)} p50 ${ms(percentile(sorted, 0.5))}  p99 ${ms(percentile(sorted, 0.99))}  (${hits} results)`);
  }
  all.sort((a, b) => a - b);
  console.log(`  ${"overall".padEnd(38)} p50 ${ms(percentile(all, 0.5))}  p99 ${ms(percentile(all, 0.99))}  (${all.length} searches)`);
  concurrent.sort((a, b) => a - b);
  console.log(`shopper search, ${concurrency} concurrent: p50 ${ms(percentile(concurrent, 0.5))}  p99 ${ms(percentile(concurrent, 0.99))}  ${(concurrent.length / concurrentSeconds).toFixed(0)} searches/s (${concurrent.length} searches, cache dropped every ${concurrency * 4})`);
  console.log(`autocannon, ${connections} connections, ${listRounds} alternating slices of ${Math.max(1, Math.round(duration / listRounds))} s each (medians):`);
  console.log(`  express hello-world              ${fmt(baseline)}`);
  console.log(`  GET /api/products?limit=25 (cached) ${fmt(list)}   → ${ratio.toFixed(2)}× hello-world (CPU per request: ${cpuRatio.toFixed(2)}×; rounds ${ratios.map((r) => r.toFixed(2)).join(" ")})`);
} finally {
  await stop();
}
