#!/usr/bin/env node
// Gateway benchmark (a script, not a test): an authenticated read of the API
// (GET /api/bots: JWT, the acting user, gRPC ListBots to the adapter) against
// an express hello-world, measured in the same run with the same load
// generator (autocannon). Prints req/s and latency percentiles of both, the
// ratio, and the authenticated read's p99 at half the hello-world's rate —
// measured twice: with autocannon's own rate limit (which sends each second's
// quota in a burst at the start of the second, so its p99 is the p99 of a
// saturated server), and with evenly spaced requests from an open-loop
// generator here (latency counted from each request's planned start, so a
// stalled server is not excused by requests it delayed).
//
//   node scripts/bench-gateway.mjs [--connections 32] [--seconds 10] [--pin] [--gateway-node-options=--max-semi-space-size=32]
//
// --pin keeps the load generator off the servers' core (needs 2+ cores and taskset): the
// servers (hello-world and the whole fleet) are started on CPU 0, then this process, where
// autocannon runs, moves to the other cores. Without it the generator competes with the
// server it measures, and the server with the bigger answers (more bytes for the generator
// to parse) loses more.
//
// Needs a build (pnpm build) and local Postgres/Redis (./scripts/test.sh sets them up).
import os from "node:os";
import { parseArgs } from "node:util";
import { fmt, measured, paced, run, startBenchServers, summary } from "./lib/bench.mjs";

const { values } = parseArgs({ options: { connections: { type: "string", default: "32" }, seconds: { type: "string", default: "10" }, pin: { type: "boolean", default: false }, "gateway-node-options": { type: "string", default: "" } } });
const connections = Number(values.connections);
const duration = Number(values.seconds);


const load = (url, options = {}) => run(url, { connections, duration, ...options });
const measure = (pid, url, options = {}) => measured(pid, url, { connections, duration, ...options });





const { cores, fleet, hello, stop } = await startBenchServers({ pin: values.pin, gatewayNodeOptions: values["gateway-node-options"] });
try {
  const gateway = fleet.services.gateway.httpUrl;
  const gatewayPid = fleet.services.gateway.child.pid;
  const password = "bench-password-Zq8!rT4#wL";
  const slug = `bench-${Date.now()}`;
  const registered = await fetch(`${gateway}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenantName: "Bench shop", tenantSlug: slug, email: `owner@${slug}.test`, password }),
  });
  if (!registered.ok) throw new Error(`register answered ${registered.status}: ${await registered.text()}`);
  const { accessToken } = await registered.json();
  const authed = { headers: { authorization: `Bearer ${accessToken}` } };
  const check = await fetch(`${gateway}/api/bots`, authed);
  if (!check.ok) throw new Error(`GET /api/bots answered ${check.status}: ${await check.text()}`);

  // Warm-up of both, not counted.
  await load(hello.url, { duration: 2 });
  await load(`${gateway}/api/bots`, { duration: 2, ...authed });

  const baseline = summary(await measure(hello.pid, hello.url));
  const api = summary(await measure(gatewayPid, `${gateway}/api/bots`, authed));
  const halfRate = Math.max(1, Math.floor(baseline.rps / 2));
  const atHalf = summary(await measure(gatewayPid, `${gateway}/api/bots`, { ...authed, overallRate: halfRate }));
  const atHalfPaced = await paced(`${gateway}/api/bots`, { rate: halfRate, seconds: duration, connections, ...authed });

  console.log(`machine: ${cores} cores (${os.cpus()[0]?.model ?? "unknown"}), node ${process.version}; autocannon, ${connections} connections, ${duration} s each${values.pin ? "; servers on CPU 0, load generator on the rest" : ""}`);
  console.log(`express hello-world        ${fmt(baseline)}`);
  console.log(`GET /api/bots (authed)     ${fmt(api)}   → ${(api.rps / baseline.rps).toFixed(2)}× hello-world (CPU per request: ${(baseline.cpuUs / api.cpuUs).toFixed(2)}×)`);
  console.log(`GET /api/bots at ${String(halfRate).padStart(5)}/s   ${fmt(atHalf)}   (autocannon: each second's requests in a burst)`);
  console.log(`GET /api/bots at ${String(halfRate).padStart(5)}/s   ${fmt(atHalfPaced)}   (evenly spaced, open loop)`);
} finally {
  await stop();
}
