// What the HTTP benchmarks share: an express hello-world to compare against, autocannon runs with
// the server's CPU per request, an open-loop paced load, CPU pinning, percentiles and one line per result.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
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
 *
 * The client is raw sockets writing prepared request bytes and reading only the status line and
 * the body's length: Node's own HTTP client costs the generator more per request than the servers
 * it measures, and at a few thousand requests per second its pauses showed up as the servers'
 * latency (p99 of hundreds of milliseconds against the hello-world).
 */
export async function paced(target, { rate, seconds, connections = 32, headers = {} }) {
  const urlOf = typeof target === "function" ? target : () => target;
  const first = new URL(urlOf(0));
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  const requestBytes = (url) => {
    const { pathname, search } = new URL(url);
    return Buffer.from(`GET ${pathname}${search} HTTP/1.1\r\nhost: ${first.host}\r\n${extra}\r\n`, "latin1");
  };
  const fixed = typeof target === "function" ? null : requestBytes(target);
  const latencies = [];
  let errors = 0;
  const total = Math.floor(rate * seconds);
  const waiting = [];
  const idle = [];
  const sockets = [];
  let answered = 0;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  const settle = (plannedAt, ok) => {
    if (!ok) errors++;
    latencies.push(performance.now() - plannedAt);
    if (++answered === total) finish();
  };

  const connection = () => {
    const socket = net.connect({ host: first.hostname, port: Number(first.port), noDelay: true });
    sockets.push(socket);
    let pending = null;
    let buffered = Buffer.alloc(0);
    const self = {
      send(job) {
        pending = job;
        socket.write(job.bytes);
      },
    };
    const next = () => {
      pending = null;
      const job = waiting.shift();
      if (job) self.send(job);
      else idle.push(self);
    };
    socket.on("data", (chunk) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf("\r\n\r\n");
        if (end === -1 || pending === null) return;
        const head = buffered.toString("latin1", 0, end);
        const status = Number(head.slice(9, 12));
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        let size;
        if (length) size = end + 4 + Number(length[1]);
        else {
          const last = buffered.indexOf("\r\n0\r\n\r\n", end);
          if (last === -1) return;
          size = last + 7;
        }
        if (buffered.length < size) return;
        buffered = buffered.subarray(size);
        settle(pending.plannedAt, status === 200);
        next();
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      if (pending) settle(pending.plannedAt, false);
      const index = idle.indexOf(self);
      if (index !== -1) idle.splice(index, 1);
    });
    socket.once("connect", next);
  };
  for (let i = 0; i < connections; i++) connection();
  await new Promise((resolve) => setTimeout(resolve, 100));

  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    for (; sent < due; sent++) {
      const job = { bytes: fixed ?? requestBytes(urlOf(sent)), plannedAt: started + (sent / rate) * 1000 };
      const free = idle.pop();
      if (free) free.send(job);
      else waiting.push(job);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  const elapsed = (performance.now() - started) / 1000;
  for (const socket of sockets) socket.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => Math.round(percentile(latencies, q));
  return { rps: latencies.length / elapsed, requests: latencies.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), errors: errors + (total - answered) };
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

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * A server against the hello-world, in alternating slices: `rounds` × (hello-world for seconds/rounds,
 * then the server for as long), so both see the same machine. A shared machine's other load comes
 * and goes over seconds; back-to-back runs of several seconds each could catch one quiet and the
 * other busy, while alternating slices share whatever the machine is doing. Returns the summaries
 * summed over the slices, and the median of the per-round ratios (req/s and CPU per request).
 */
export async function versusHelloWorld({ hello, target, rounds, seconds, connections, options = {} }) {
  const slice = Math.max(1, Math.round(seconds / rounds));
  const ratios = [];
  const cpuRatios = [];
  const baselines = [];
  const results = [];
  for (let round = 0; round < rounds; round++) {
    const baseline = summary(await measured(hello.pid, hello.url, { connections, duration: slice }));
    const result = summary(await measured(target.pid, target.url, { connections, duration: slice, ...options }));
    baselines.push(baseline);
    results.push(result);
    ratios.push(result.rps / baseline.rps);
    cpuRatios.push(baseline.cpuUs / result.cpuUs);
  }
  const combined = (list) => ({ rps: median(list.map((s) => s.rps)), p50: median(list.map((s) => s.p50)), p99: median(list.map((s) => s.p99)), errors: list.reduce((sum, s) => sum + s.errors, 0), cpuUs: median(list.map((s) => s.cpuUs)) });
  return { baseline: combined(baselines), result: combined(results), ratio: median(ratios), cpuRatio: median(cpuRatios), ratios };
}
