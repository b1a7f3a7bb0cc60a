// nginx edge: the rendered configs pass `nginx -t`, and a real nginx in front of fake upstreams
// routes /api, /ws, /webhooks and / as the fleet needs (raw webhook bodies, request ids, no
// public /metrics or /health), logging JSON lines without query strings, spreading webhooks over
// adapter replicas, and serving the dashboard even from a checkout other users cannot read.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { once } from "node:events";
import { chmodSync, closeSync, cpSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from "node:fs";
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, list, rawRequest, readYaml, record, repoPath, run } from "./support.js";

const RENDER = repoPath("nginx/render.sh");

/** A prefix directory for `nginx -p`. Run as root, nginx's workers drop to `nobody`, which must
 * be able to reach the temp directories inside it. */
function makePrefix(): string {
  const prefix = mkdtempSync(join(tmpdir(), "fleet-nginx-"));
  chmodSync(prefix, 0o755);
  return prefix;
}

/** A copy of nginx/static in a directory only its owner can enter, like a checkout cloned under
 * /root (mode 0700): nginx's workers (nobody, when the tests run as root) cannot read it. */
function makePrivateStaticRoot(): { root: string; static: string } {
  const root = mkdtempSync(join(tmpdir(), "fleet-private-checkout-"));
  chmodSync(root, 0o700);
  const copy = join(root, "static");
  cpSync(repoPath("nginx/static"), copy, { recursive: true });
  return { root, static: copy };
}

const runsAsRoot = process.getuid?.() === 0;

/** `nginx -t`, with stdout on a file: the compose config logs to /dev/stdout, which nginx cannot
 * open when stdout is the socket pair node gives a child (in a container it is a pipe). */
async function nginxTest(prefix: string, conf: string): Promise<{ code: number | null; stderr: string }> {
  const stdout = openSync(join(prefix, "nginx-t.stdout"), "w");
  try {
    const child = spawn("nginx", ["-t", "-p", prefix, "-c", conf], { stdio: ["ignore", stdout, "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, "close")) as [number | null];
    return { code, stderr };
  } finally {
    closeSync(stdout);
  }
}

/** Starts nginx in the foreground. Under setpriv's parent-death signal, nginx shuts down even when
 * the test process is killed before afterAll can stop it (no orphaned nginx on a shared machine). */
function startNginx(prefix: string, conf: string): ChildProcess {
  const nginxArgs = ["-p", prefix, "-c", conf, "-g", "daemon off;"];
  return existsSync("/usr/bin/setpriv")
    ? spawn("/usr/bin/setpriv", ["--pdeathsig", "TERM", "nginx", ...nginxArgs], { stdio: ["ignore", "ignore", "pipe"] })
    : spawn("nginx", nginxArgs, { stdio: ["ignore", "ignore", "pipe"] });
}

describe("nginx config rendering", () => {
  const prefixes: string[] = [];
  afterAll(() => {
    for (const prefix of prefixes) rmSync(prefix, { recursive: true, force: true });
  });

  it("renders the local run's config (loopback upstreams, everything under the prefix) and nginx -t accepts it", async () => {
    const prefix = makePrefix();
    prefixes.push(prefix);
    const conf = join(prefix, "nginx.conf");
    await run("bash", [RENDER, "--out", conf, "--listen", "127.0.0.1:8080", "--gateway", "127.0.0.1:3000", "--adapter", "127.0.0.1:3001"]);
    expect(await nginxTest(prefix, conf)).toEqual({ code: 0, stderr: expect.stringContaining("test is successful") });
    const text = readFileSync(conf, "utf8");
    expect(text).not.toMatch(/__[A-Z_]+__/);
    // pid, logs and temp files are relative, i.e. under the prefix, never /var/lib/nginx or /run.
    expect(text).toMatch(/^pid nginx\.pid;$/m);
    expect(text).not.toMatch(/^\s*[a-z_]*(_temp_path|_log|pid)\s+\/(?!dev\/)/m);
    for (const dir of ["client_body_temp", "proxy_temp"]) expect(existsSync(join(prefix, dir))).toBe(true);
  });

  it("renders exactly what the compose nginx service runs, and nginx -t accepts it", async () => {
    const command = list(record(record(readYaml("docker-compose.yml").services, "services").nginx, "nginx").command, "nginx.command").map(String);
    const script = command.at(-1) ?? "";
    const [renderPart = "", startPart = ""] = script.split("&&");
    const args = renderPart.trim().split(/\s+/).slice(2); // drop `bash <path>/render.sh`
    expect(args).toEqual(expect.arrayContaining(["--gateway", "gateway:3000", "--adapter", "whatsapp-adapter:3001", "--resolver", "127.0.0.11", "--stdio-logs"]));
    const out = args[args.indexOf("--out") + 1];
    expect(startPart).toContain(`-c ${out} `);

    const prefix = makePrefix();
    prefixes.push(prefix);
    const conf = join(prefix, "compose.conf");
    // The image's dashboard (/etc/fleet/dashboard, built into fleet/edge): any directory of static files stands in for it.
    const local = args.map((arg) => (arg === out ? conf : arg.replace("/etc/fleet/nginx", repoPath("nginx")).replace("/etc/fleet/dashboard", repoPath("nginx/static"))));
    await run("bash", [RENDER, ...local]);
    expect(await nginxTest(prefix, conf)).toEqual({ code: 0, stderr: expect.stringContaining("test is successful") });
    expect(readFileSync(conf, "utf8")).toContain("resolver 127.0.0.11 valid=10s ipv6=off;");
  });

  it("refuses an upstream host name without a resolver (nginx could not resolve it at request time)", async () => {
    const prefix = makePrefix();
    prefixes.push(prefix);
    await expect(
      run("bash", [RENDER, "--out", join(prefix, "x.conf"), "--listen", "8080", "--gateway", "gateway:3000", "--adapter", "127.0.0.1:3001"]),
    ).rejects.toMatchObject({ stderr: expect.stringContaining("--resolver") });
    expect(existsSync(join(prefix, "x.conf"))).toBe(false);
  });

  it("renders the local demo's config: replicas in one upstream group, static files staged beside it, logs elsewhere", async () => {
    const prefix = makePrefix();
    prefixes.push(prefix);
    const logs = join(prefix, "logs-elsewhere");
    const conf = join(prefix, "nginx.conf");
    await run("bash", [
      RENDER, "--out", conf, "--listen", "127.0.0.1:8080",
      "--gateway", "127.0.0.1:3000", "--gateway", "127.0.0.1:3100",
      "--adapter", "127.0.0.1:3001", "--adapter", "127.0.0.1:3101", "--adapter", "127.0.0.1:3201",
      "--copy-static", "--log-dir", logs,
    ]);
    expect(await nginxTest(prefix, conf)).toEqual({ code: 0, stderr: expect.stringContaining("test is successful") });
    const text = readFileSync(conf, "utf8");
    expect(text).toContain("upstream fleet_gateway { server 127.0.0.1:3000; server 127.0.0.1:3100; keepalive 32; }");
    expect(text).toContain("upstream fleet_adapter { server 127.0.0.1:3001; server 127.0.0.1:3101; server 127.0.0.1:3201; keepalive 64; }");
    expect(text).toContain(`root ${prefix}/static;`);
    expect(readFileSync(join(prefix, "static/index.html"), "utf8")).toBe(readFileSync(repoPath("nginx/static/index.html"), "utf8"));
    expect(statSync(join(prefix, "static/index.html")).mode & 0o004).toBe(0o004);
    expect(text).toContain(`access_log ${logs}/access.log fleet_json;`);
    expect(text).toMatch(new RegExp(`^error_log ${logs}/error\\.log warn;$`, "m"));
  });

  it("refuses several replicas with a resolver (one name resolves to all of them)", async () => {
    const prefix = makePrefix();
    prefixes.push(prefix);
    await expect(
      run("bash", [RENDER, "--out", join(prefix, "x.conf"), "--listen", "8080", "--gateway", "gateway:3000", "--adapter", "a:3001", "--adapter", "b:3001", "--resolver", "127.0.0.11"]),
    ).rejects.toMatchObject({ stderr: expect.stringContaining("one --gateway and one --adapter") });
  });

  (runsAsRoot ? it : it.skip)("refuses to stage the static files where nginx's workers could not reach them", async () => {
    const closed = mkdtempSync(join(tmpdir(), "fleet-closed-"));
    prefixes.push(closed);
    chmodSync(closed, 0o700);
    await expect(
      run("bash", [RENDER, "--out", join(closed, "prefix/nginx.conf"), "--listen", "8080", "--gateway", "127.0.0.1:3000", "--adapter", "127.0.0.1:3001", "--copy-static"]),
    ).rejects.toMatchObject({ stderr: expect.stringContaining(`'${closed}' is closed to other users`) });
    expect(existsSync(join(closed, "prefix/nginx.conf"))).toBe(false);
  });
});

// ---- a real nginx in front of fake upstreams -----------------------------------------------------

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface FakeUpstream {
  port: number;
  seen: Seen[];
  close(): Promise<void>;
}

/** Records every request with its raw body bytes and answers with a JSON echo; accepts
 * WebSocket upgrades and echoes tunnelled bytes prefixed with its name. Like the services, it
 * sets its own X-Request-Id and X-Powered-By, which nginx must not pass on. */
async function startFakeUpstream(name: string): Promise<FakeUpstream> {
  const seen: Seen[] = [];
  const tunnels = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => {
      const entry = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) };
      seen.push(entry);
      const payload = req.url === "/api/large" ? { items: Array.from({ length: 100 }, (_, id) => ({ id, name: `product ${id}` })) } : { upstream: name, url: entry.url };
      res.writeHead(200, { "content-type": "application/json", "x-request-id": `${name}-own-id`, "x-powered-by": "Express" });
      res.end(JSON.stringify(payload));
    });
  });
  server.on("upgrade", (req: IncomingMessage, socket: Socket) => {
    tunnels.add(socket);
    socket.once("close", () => tunnels.delete(socket));
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.alloc(0) });
    const accept = createHash("sha1").update(`${String(req.headers["sec-websocket-key"])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.on("data", (data: Buffer) => socket.write(Buffer.concat([Buffer.from(`${name}:`), data])));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: async () => {
      for (const socket of tunnels) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function waitUntilServing(port: number, nginx: ChildProcess, errors: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited with ${nginx.exitCode}: ${errors()}`);
    try {
      await rawRequest(port, { path: "/" });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`nginx did not start listening on ${port}: ${errors()}`);
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopNginx(nginx: ChildProcess): Promise<void> {
  if (nginx.exitCode !== null || nginx.signalCode !== null) return;
  const exited = once(nginx, "exit");
  nginx.kill("SIGTERM");
  const timer = setTimeout(() => nginx.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

const json = (body: Buffer): Record<string, unknown> => record(JSON.parse(body.toString("utf8")), "response body");
const HEX_ID = /^[0-9a-f]{32}$/;

describe("nginx in front of the fleet (real nginx, fake upstreams)", () => {
  let gateway: FakeUpstream;
  let adapter: FakeUpstream;
  let nginx: ChildProcess;
  let prefix: string;
  let checkout: { root: string; static: string };
  let port: number;
  let workers: number[] = [];
  let stderr = "";

  const lastSeen = (upstream: FakeUpstream, url: string): Seen | undefined => upstream.seen.filter((entry) => entry.url === url).at(-1);
  const allUrls = (): string[] => [...gateway.seen, ...adapter.seen].map((entry) => entry.url);

  beforeAll(async () => {
    gateway = await startFakeUpstream("gateway");
    adapter = await startFakeUpstream("adapter");
    port = await freePort();
    prefix = makePrefix();
    checkout = makePrivateStaticRoot();
    const conf = join(prefix, "nginx.conf");
    // As the local demo and the e2e harness do: the static files of a (possibly private) checkout
    // are served from a world-readable copy in the prefix.
    await run("bash", [
      RENDER, "--out", conf, "--listen", `127.0.0.1:${port}`, "--gateway", `127.0.0.1:${gateway.port}`, "--adapter", `127.0.0.1:${adapter.port}`,
      "--static-root", checkout.static, "--copy-static",
    ]);
    nginx = startNginx(prefix, conf);
    nginx.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const errorLog = () => `${stderr}${existsSync(join(prefix, "error.log")) ? readFileSync(join(prefix, "error.log"), "utf8") : ""}`;
    await waitUntilServing(port, nginx, errorLog);
    workers = nginx.pid === undefined ? [] : childPids(nginx.pid);
  });

  afterAll(async () => {
    if (nginx) await stopNginx(nginx);
    await gateway?.close();
    await adapter?.close();
    if (prefix) rmSync(prefix, { recursive: true, force: true });
    if (checkout) rmSync(checkout.root, { recursive: true, force: true });
  });

  it("proxies /api/... and /api to the gateway with the original path and query", async () => {
    const res = await rawRequest(port, { path: "/api/orders?status=open&page=2" });
    expect(res.status).toBe(200);
    expect(json(res.body)).toEqual({ upstream: "gateway", url: "/api/orders?status=open&page=2" });
    expect(json((await rawRequest(port, { path: "/api" })).body)).toEqual({ upstream: "gateway", url: "/api" });
    expect(json((await rawRequest(port, { path: "/api/health" })).body)).toEqual({ upstream: "gateway", url: "/api/health" });
  });

  it("sets X-Forwarded-For/Proto/Host, overwriting a client-supplied X-Forwarded-For", async () => {
    await rawRequest(port, { path: "/api/whoami", headers: { host: "shop.example", "x-forwarded-for": "203.0.113.9" } });
    expect(lastSeen(gateway, "/api/whoami")?.headers).toMatchObject({
      host: "shop.example",
      "x-forwarded-for": "127.0.0.1",
      "x-real-ip": "127.0.0.1",
      "x-forwarded-proto": "http",
      "x-forwarded-host": "shop.example",
    });
  });

  it("forwards a well-formed incoming X-Request-Id unchanged and returns exactly that one", async () => {
    const res = await rawRequest(port, { path: "/api/orders", headers: { "x-request-id": "req-42.abc:7_Z" } });
    expect(lastSeen(gateway, "/api/orders")?.headers["x-request-id"]).toBe("req-42.abc:7_Z");
    expect(res.headers["x-request-id"]).toBe("req-42.abc:7_Z");
  });

  it("generates an X-Request-Id when there is none (or a malformed one), forwards and returns it", async () => {
    const res = await rawRequest(port, { path: "/api/no-id" });
    const forwarded = lastSeen(gateway, "/api/no-id")?.headers["x-request-id"];
    expect(forwarded).toMatch(HEX_ID);
    expect(res.headers["x-request-id"]).toBe(forwarded);

    const malformed = await rawRequest(port, { path: "/api/bad-id", headers: { "x-request-id": "x".repeat(129) } });
    expect(lastSeen(gateway, "/api/bad-id")?.headers["x-request-id"]).toMatch(HEX_ID);
    expect(malformed.headers["x-request-id"]).toBe(lastSeen(gateway, "/api/bad-id")?.headers["x-request-id"]);
    expect(malformed.headers).not.toHaveProperty("x-powered-by");
  });

  it("passes a webhook body to the adapter byte for byte, so its signature still verifies", async () => {
    const body = Buffer.from('{ "object" :"whatsapp_business_account",\n\t"entry":[ {"text":"olá 👋 — ünïcødé \\u00e9 ✓",  "n": 1.0e0 } ] }  \r\n', "utf8");
    const signature = `sha256=${createHmac("sha256", "app-secret").update(body).digest("hex")}`;
    const res = await rawRequest(port, {
      method: "POST",
      path: "/webhooks/meta",
      headers: { "content-type": "application/json", "content-length": body.length, "x-hub-signature-256": signature, "x-request-id": "wh-1" },
      body,
    });
    expect(json(res.body)).toEqual({ upstream: "adapter", url: "/webhooks/meta" });
    const seen = lastSeen(adapter, "/webhooks/meta");
    expect(seen?.body.equals(body)).toBe(true);
    expect(seen?.headers).toMatchObject({ "content-type": "application/json", "content-length": String(body.length), "x-hub-signature-256": signature, "x-request-id": "wh-1" });
    expect(`sha256=${createHmac("sha256", "app-secret").update(seen?.body ?? Buffer.alloc(0)).digest("hex")}`).toBe(signature);
    expect(gateway.seen.some((entry) => entry.url.startsWith("/webhooks"))).toBe(false);
  });

  it("buffers a chunked webhook and hands the adapter the same bytes with a Content-Length", async () => {
    const parts = [Buffer.from('{"entry":[{"id":"'), Buffer.from("ü".repeat(3000)), Buffer.from('"}]}\n')];
    await rawRequest(port, { method: "POST", path: "/webhooks/twilio", headers: { "content-type": "application/json" }, body: parts });
    const seen = lastSeen(adapter, "/webhooks/twilio");
    expect(seen?.body.equals(Buffer.concat(parts))).toBe(true);
    expect(seen?.headers["content-length"]).toBe(String(Buffer.concat(parts).length));
    expect(seen?.headers).not.toHaveProperty("transfer-encoding");
  });

  it("accepts webhook bodies above the 1 MB default up to 5 MB, intact, and refuses larger ones", async () => {
    const large = randomBytes(3 * 1024 * 1024);
    const res = await rawRequest(port, { method: "POST", path: "/webhooks/evolution", headers: { "content-length": large.length }, body: large });
    expect(res.status).toBe(200);
    expect(lastSeen(adapter, "/webhooks/evolution")?.body.equals(large)).toBe(true);

    const tooLarge = await rawRequest(port, { method: "POST", path: "/webhooks/too-large", headers: { "content-length": 6 * 1024 * 1024 }, body: Buffer.alloc(6 * 1024 * 1024) });
    expect(tooLarge.status).toBe(413);
    expect(json(tooLarge.body)).toEqual({ error: { code: "PAYLOAD_TOO_LARGE", message: expect.any(String), requestId: tooLarge.headers["x-request-id"] } });
    expect(allUrls()).not.toContain("/webhooks/too-large");
  });

  it("upgrades /ws to a WebSocket tunnel to the gateway, and strips Upgrade elsewhere", async () => {
    const key = randomBytes(16).toString("base64");
    const { response, socket } = await new Promise<{ response: IncomingMessage; socket: Socket }>((resolve, reject) => {
      const req = request({
        host: "127.0.0.1",
        port,
        path: "/ws",
        agent: false,
        headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-key": key, "sec-websocket-version": "13" },
      });
      req.once("upgrade", (res: IncomingMessage, tunnel: Socket) => resolve({ response: res, socket: tunnel }));
      req.once("response", (res: IncomingMessage) => reject(new Error(`expected 101, got ${res.statusCode}`)));
      req.once("error", reject);
      req.end();
    });
    try {
      expect(response.statusCode).toBe(101);
      expect(lastSeen(gateway, "/ws")?.headers).toMatchObject({ upgrade: "websocket", connection: "upgrade", "sec-websocket-key": key });
      socket.write("ping");
      const [echo] = (await once(socket, "data")) as [Buffer];
      expect(echo.toString()).toBe("gateway:ping");
    } finally {
      socket.destroy();
    }

    await rawRequest(port, { path: "/api/not-a-socket", headers: { connection: "Upgrade", upgrade: "websocket" } });
    expect(lastSeen(gateway, "/api/not-a-socket")?.headers).not.toHaveProperty("upgrade");
  });

  it("serves the static placeholder at / (and for unknown dashboard routes), even from a checkout other users cannot read", async () => {
    const home = await rawRequest(port, { path: "/" });
    expect(home.status).toBe(200);
    expect(home.headers["content-type"]).toMatch(/^text\/html/);
    expect(home.body.toString()).toContain("The dashboard comes later");
    expect(home.headers["x-request-id"]).toMatch(HEX_ID);
    expect((await rawRequest(port, { path: "/orders/42" })).body.equals(home.body)).toBe(true);
    expect(home.headers).not.toHaveProperty("server", expect.stringMatching(/\d/));
  });

  it("never proxies the services' /metrics or /health from the public side", async () => {
    for (const path of ["/metrics", "/health", "/metrics/", "/webhooks/../metrics", "/api/../health", "/webhooks/%2e%2e/metrics"]) {
      const res = await rawRequest(port, { path });
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
    }
    expect(allUrls().filter((url) => /metrics|\/health$/.test(url) && url !== "/api/health")).toEqual([]);
  });

  it("gzips JSON for clients that accept it", async () => {
    const res = await rawRequest(port, { path: "/api/large", headers: { "accept-encoding": "gzip" } });
    expect(res.status).toBe(200);
    expect(res.headers["content-encoding"]).toBe("gzip");
  });

  it("logs one JSON line per request with request id, status and upstream time, but no query string", async () => {
    await rawRequest(port, { path: "/webhooks/meta?hub.mode=subscribe&hub.verify_token=SECRET-TOKEN&hub.challenge=1", headers: { "x-request-id": "log-check-1" } });
    const log = readFileSync(join(prefix, "access.log"), "utf8");
    expect(log).not.toContain("SECRET-TOKEN");
    const lines = log.trim().split("\n").map((line) => record(JSON.parse(line), "log line"));
    expect(lines.find((line) => line.request_id === "log-check-1")).toMatchObject({
      method: "GET",
      path: "/webhooks/meta",
      status: 200,
      upstream_response_time: expect.stringMatching(/^\d+\.\d{3}$/),
    });
  });

  // Runs after every test that needs the gateway: it takes the fake gateway down.
  it("answers with the fleet's JSON error body, request id included, when the gateway is unreachable", async () => {
    await gateway.close();
    const res = await rawRequest(port, { path: "/api/orders", headers: { "x-request-id": "gateway-down-1" } });
    expect(res.status).toBe(502);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(json(res.body)).toEqual({ error: { code: "UNAVAILABLE", message: expect.any(String), requestId: "gateway-down-1" } });
  });

  it("stops on SIGTERM and leaves no nginx process behind", async () => {
    expect(workers.length).toBeGreaterThan(0);
    await stopNginx(nginx);
    expect(nginx.pid !== undefined && isAlive(nginx.pid)).toBe(false);
    expect(workers.filter(isAlive)).toEqual([]);
    expect(existsSync(join(prefix, "nginx.pid"))).toBe(false);
  });
});

describe("nginx in front of several adapter replicas (real nginx, fake upstreams)", () => {
  let gateway: FakeUpstream;
  let adapters: FakeUpstream[];
  let nginx: ChildProcess;
  let prefix: string;
  let port: number;
  let stderr = "";

  // One kept-alive client connection, so one nginx worker (each worker keeps its own round robin).
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const webhook = (id: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const body = Buffer.from(`{"id":"${id}"}`);
      const req = request(
        { host: "127.0.0.1", port, method: "POST", path: "/webhooks/meta", agent, headers: { "content-type": "application/json", "content-length": body.length, "x-request-id": id } },
        (res) => {
          res.resume();
          res.once("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.once("error", reject);
      req.end(body);
    });
  const receivedBy = (upstream: FakeUpstream, idPrefix: string): number => upstream.seen.filter((entry) => entry.headers["x-request-id"]?.toString().startsWith(idPrefix)).length;

  beforeAll(async () => {
    gateway = await startFakeUpstream("gateway");
    adapters = [await startFakeUpstream("adapter-0"), await startFakeUpstream("adapter-1")];
    port = await freePort();
    prefix = makePrefix();
    const conf = join(prefix, "nginx.conf");
    await run("bash", [
      RENDER, "--out", conf, "--listen", `127.0.0.1:${port}`, "--gateway", `127.0.0.1:${gateway.port}`,
      ...adapters.flatMap((adapter) => ["--adapter", `127.0.0.1:${adapter.port}`]), "--copy-static",
    ]);
    nginx = startNginx(prefix, conf);
    nginx.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await waitUntilServing(port, nginx, () => stderr);
  });

  afterAll(async () => {
    agent.destroy();
    if (nginx) await stopNginx(nginx);
    await gateway?.close();
    for (const adapter of adapters ?? []) await adapter.close();
    if (prefix) rmSync(prefix, { recursive: true, force: true });
  });

  it("spreads webhooks over every adapter replica", async () => {
    for (let i = 0; i < 8; i++) expect(await webhook(`spread-${i}`)).toBe(200);
    expect(adapters.map((adapter) => receivedBy(adapter, "spread-"))).toEqual([4, 4]);
  });

  // Runs last: it takes a replica down.
  it("hands a webhook to another replica when one is down, so the provider gets its 200", async () => {
    await adapters[0]?.close();
    for (let i = 0; i < 6; i++) expect(await webhook(`failover-${i}`)).toBe(200);
    expect(adapters[1] && receivedBy(adapters[1], "failover-")).toBe(6);
  });
});
