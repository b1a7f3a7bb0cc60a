#!/usr/bin/env node
// Gateway benchmark (a script, not a test): an authenticated read of the API
// (GET /api/bots: JWT, the acting user, gRPC ListBots to the adapter) against
// an express hello-world, measured in the same run with the same load
// generator (autocannon). Prints req/s and latency percentiles of both, the
// ratio, and the authenticated read's p99 at half the rate it sustained —
// measured twice: with autocannon's own rate limit (which sends each second's
// quota in a burst at the start of the second, so its p99 is the p99 of a
// saturated server), and with evenly spaced requests from an open-loop
// generator here (latency counted from each request's planned start, so a
// stalled server is not excused by requests it delayed), next to the same
// open loop against the hello-world (what the generator and machine allow).
//
// The maximum rates are compared in alternating slices (--rounds of hello-world then the gateway,
// medians reported): on a shared machine, two back-to-back runs can see different machines.
//
//   node scripts/bench-gateway.mjs [--connections 32] [--seconds 10] [--rounds 5] [--pin] [--gateway-node-options=--max-semi-space-size=32]
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
import { fmt, measured, paced, run, startBenchServers, summary, versusHelloWorld } from "./lib/bench.mjs";

const { values } = parseArgs({ options: { connections: { type: "string", default: "32" }, seconds: { type: "string", default: "10" }, pin: { type: "boolean", default: false }, rounds: { type: "string", default: "5" }, "gateway-node-options": { type: "string", default: "" } } });
const connections = Number(values.connections);
const duration = Number(values.seconds);
const rounds = Number(values.rounds);


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

  const { baseline, result: api, ratio, cpuRatio, ratios } = await versusHelloWorld({ hello, target: { pid: gatewayPid, url: `${gateway}/api/bots` }, rounds, seconds: duration, connections, options: authed });
  // The goal's "half that load": half the rate the authenticated read itself sustained.
  const halfRate = Math.max(1, Math.floor(api.rps / 2));
  const atHalf = summary(await measure(gatewayPid, `${gateway}/api/bots`, { ...authed, overallRate: halfRate }));
  const atHalfPaced = await paced(`${gateway}/api/bots`, { rate: halfRate, seconds: duration, connections, ...authed });
  // The same evenly spaced load against the hello-world: what the generator itself allows.
  const helloPaced = await paced(hello.url, { rate: halfRate, seconds: duration, connections });

  console.log(`machine: ${cores} cores (${os.cpus()[0]?.model ?? "unknown"}), node ${process.version}; autocannon, ${connections} connections, ${duration} s each${values.pin ? "; servers on CPU 0, load generator on the rest" : ""}`);
  console.log(`alternating slices: ${rounds} × (hello-world, then the gateway), medians of the slices`);
  console.log(`express hello-world        ${fmt(baseline)}`);
  console.log(`GET /api/bots (authed)     ${fmt(api)}   → ${ratio.toFixed(2)}× hello-world (CPU per request: ${cpuRatio.toFixed(2)}×; rounds ${ratios.map((r) => r.toFixed(2)).join(" ")})`);
  console.log(`GET /api/bots at ${String(halfRate).padStart(5)}/s   ${fmt(atHalf)}   (autocannon: each second's requests in a burst)`);
  console.log(`GET /api/bots at ${String(halfRate).padStart(5)}/s   ${fmt(atHalfPaced)}   (evenly spaced, open loop)`);
  console.log(`hello-world at ${String(halfRate).padStart(5)}/s     ${fmt(helloPaced)}   (the same open loop: the generator's own floor)`);
} finally {
  await stop();
}
