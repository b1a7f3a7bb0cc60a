#!/usr/bin/env node
// Cold start and idle memory of each service (a script, not a test): spawns
// every dist/main.js a few times, timing spawn → "listening" log line, reads
// RSS 2 s after it and again once settled (--settle-s after it: by then an idle
// service has given back what V8 grew while starting, see the service kit's
// idle-memory.ts) and times SIGTERM → exit. Each run starts the four services one
// after the other (each start alone on the machine), lets them idle together,
// then stops them (last started first).
//
//   pnpm build && node scripts/bench-startup.mjs [--runs 5] [--settle-s 20]
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startServiceProcess } from "@fleet/testing";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, "idle-ms": { type: "string", default: "2000" }, "settle-s": { type: "string", default: "20" } } });
const runs = Number(values.runs);
const idleMs = Number(values["idle-ms"]);
const settleMs = Number(values["settle-s"]) * 1000;
const root = fileURLToPath(new URL("..", import.meta.url));
const secret = () => randomBytes(32).toString("hex");
const env = {
  DATABASE_URL: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
  REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  REDIS_KEY_PREFIX: `bench-startup:${randomBytes(3).toString("hex")}:`,
  JWT_SECRET: secret(),
  SECRETS_ENCRYPTION_KEY: secret(),
  FLEET_KEY: secret(),
  META_APP_SECRET: secret(),
  META_VERIFY_TOKEN: secret(),
};
const rssMiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const SERVICES = ["gateway", "whatsapp-adapter", "bot-orchestrator", "analytics-worker"];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const figures = Object.fromEntries(SERVICES.map((name) => [name, { ready: [], rss: [], settled: [], stop: [] }]));

console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown"}), node ${process.version}; ${runs} runs each, medians`);
for (let i = 0; i < runs; i++) {
  const running = [];
  for (const name of SERVICES) {
    const service = await startServiceProcess(`${root}services/${name}/dist/main.js`, env);
    const readyAt = performance.now();
    figures[name].ready.push(service.startupMs);
    await sleep(idleMs);
    figures[name].rss.push(rssMiB(service.child.pid));
    running.push({ name, service, readyAt });
  }
  for (const { name, service, readyAt } of running) {
    await sleep(readyAt + settleMs - performance.now());
    figures[name].settled.push(rssMiB(service.child.pid));
  }
  // Clients first: a server stopping under its peers' open gRPC connections waits for them.
  for (const { name, service } of running.reverse()) {
    const started = performance.now();
    const code = await service.stop("SIGTERM");
    figures[name].stop.push(performance.now() - started);
    if (code !== 0) console.log(`  ${name} exited with ${code}`);
  }
}
console.log(`service              ready ms (min–max)   RSS MiB ${idleMs / 1000} s after   settled (${settleMs / 1000} s)   SIGTERM → exit ms`);
for (const name of SERVICES) {
  const { ready, rss, settled, stop } = figures[name];
  console.log(
    `${name.padEnd(20)} ${String(median(ready)).padStart(5)} (${Math.min(...ready)}–${Math.max(...ready)})   ${median(rss).toFixed(1).padStart(16)}   ${median(settled).toFixed(1).padStart(14)}   ${median(stop).toFixed(0).padStart(17)}`,
  );
}
