// What the HTTP benchmarks share: an express hello-world to compare against, autocannon runs with
// the server's CPU per request, an open-loop paced load, CPU pinning, percentiles and one line per result.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import autocannon from "autocannon";
import { startFleet } from "@fleet/e2e";

/** An express hello-world in its own process, as the gateway runs in its own. */
export async function startHelloWorld() {
  const source = `
    const express = require(${JSON.stringify(new URL("../../services/gateway/node_modules/express", import.meta.url).pathname)});
    const app = express();
    app.get("/hello", (_req, res) => res.json({ hello: "world" }));
    const server = app.listen(0, "127.0.0.1", () => console.log(server.address().port));`;
  const child = spawn(process.execPath, ["-e", source], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once("data", (chunk) => resolve(Number(String(chunk).trim())));
    child.once("exit", (code) => reject(new Error(`hello-world exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/hello`, pid: child.pid, stop: () => child.kill("SIGTERM") };
}

/** One autocannon run. */
export function run(url, options) {
  return new Promise((resolve, reject) => {
    autocannon({ url, ...options }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/**
 * CPU time (user + system, milliseconds) a process has used so far, from /proc: divided by the
 * requests of a run it gives the server's CPU cost per request, a figure that other load on the
 * machine disturbs much less than req/s (which it lowers by taking the server's core).
 */
export function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** A run of autocannon with the CPU the server process `pid` spent per request (microseconds). */
export async function measured(pid, url, options) {
  const before = cpuMs(pid);
  const result = await run(url, options);
  return { ...result, cpuUsPerRequest: ((cpuMs(pid) - before) * 1000) / Math.max(1, result.requests.total) };
}

/**
 * Open loop at `rate` requests per second, evenly spaced, over at most `connections` keep-alive
 * sockets, for `seconds`: GET `target`, a URL or a function of the request's index giving its URL
 * (to vary each request). Latency is counted from each request's planned start, so a stalled server
 * is not excused by the requests it delayed. Errors: failed requests and answers other than 200.
 */
export async function paced(target, { rate, seconds, connections = 32, headers = {} }) {
  const urlOf = typeof target === "function" ? target : () => target;
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies = [];
  let errors = 0;
  const total = Math.floor(rate * seconds);
  const started = performance.now();
  const inFlight = new Set();
  const fire = (index, plannedAt) => {
    const done = new Promise((resolve) => {
      const req = http.get(urlOf(index), { agent, headers }, (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode !== 200) errors++;
          latencies.push(performance.now() - plannedAt);
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    for (; sent < due; sent++) fire(sent, started + (sent / rate) * 1000);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(inFlight);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => Math.round(percentile(latencies, q));
  return { rps: latencies.length / ((performance.now() - started) / 1000), requests: latencies.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), errors };
}

export const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
export const summary = (result) => ({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx, cpuUs: result.cpuUsPerRequest });
export const fmt = (s) => `${s.rps.toFixed(0).padStart(6)} req/s  p50 ${String(s.p50).padStart(4)} ms  p99 ${String(s.p99).padStart(4)} ms  errors/non-2xx ${s.errors}${s.cpuUs === undefined ? "" : `  CPU ${s.cpuUs.toFixed(0).padStart(4)} µs/req`}`;

/** Sets the CPU affinity of every thread of this process (children started afterwards inherit it). */
export function pinSelf(cpus) {
  execFileSync("taskset", ["-a", "-p", "-c", cpus, String(process.pid)], { stdio: "ignore" });
}

/**
 * The fleet (its gateway's rate limits raised: 100/min per tenant would answer most of the load 429)
 * and a hello-world. With `pin`, the servers run on CPU 0 and this process (the load generator) on
 * the other cores. `gatewayNodeOptions`: NODE_OPTIONS of the gateway alone (e.g.
 * "--max-semi-space-size=32"), to measure runtime settings.
 */
export async function startBenchServers({ pin, gatewayNodeOptions }) {
  const cores = os.cpus().length;
  if (pin) {
    if (cores < 2) throw new Error("--pin needs at least 2 cores");
    pinSelf("0");
  }
  const nodeOptions = gatewayNodeOptions ? { NODE_OPTIONS: gatewayNodeOptions } : {};
  const fleet = await startFleet({ env: { gateway: { RATE_LIMIT_PER_MINUTE: "100000000", RATE_LIMIT_PER_IP_PER_MINUTE: "100000000", ...nodeOptions } } });
  const hello = await startHelloWorld();
  if (pin) pinSelf(`1-${cores - 1}`);
  return {
    cores,
    fleet,
    hello,
    async stop() {
      hello.stop();
      await fleet.stop();
    },
  };
}
