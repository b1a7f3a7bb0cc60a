#!/usr/bin/env node
// Cold start and idle memory of each service (a script, not a test): spawns
// every dist/main.js a few times, timing spawn → "listening" log line, reads
// RSS after a short idle period and times SIGTERM → exit.
//
//   pnpm build && node scripts/bench-startup.mjs [--runs 5]
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startServiceProcess } from "@fleet/testing";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, "idle-ms": { type: "string", default: "2000" } } });
const runs = Number(values.runs);
const idleMs = Number(values["idle-ms"]);
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

console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown"}), node ${process.version}; ${runs} runs each, medians`);
console.log("service              ready ms (min–max)   idle RSS MiB   SIGTERM → exit ms");
for (const name of ["gateway", "whatsapp-adapter", "bot-orchestrator", "analytics-worker"]) {
  const ready = [];
  const rss = [];
  const stop = [];
  for (let i = 0; i < runs; i++) {
    const service = await startServiceProcess(`${root}services/${name}/dist/main.js`, env);
    ready.push(service.startupMs);
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    rss.push(rssMiB(service.child.pid));
    const started = performance.now();
    const code = await service.stop("SIGTERM");
    stop.push(performance.now() - started);
    if (code !== 0) console.log(`  ${name} exited with ${code}`);
  }
  console.log(`${name.padEnd(20)} ${String(median(ready)).padStart(5)} (${Math.min(...ready)}–${Math.max(...ready)})   ${median(rss).toFixed(1).padStart(10)}   ${median(stop).toFixed(0).padStart(12)}`);
}
