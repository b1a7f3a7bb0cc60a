// Canary and rollback at the edge: nginx's split_clients sends a share of client addresses to a
// canary gateway, each client stays on its version, and a rollback (share 0, `nginx -s reload`)
// brings everyone back to the stable gateway without a single failed request.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { rmSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { freePort, record, run } from "./support.js";
import { RENDER, makePrefix, startNginx, startStubUpstream, type RunningNginx, type StubUpstream } from "./nginx-harness.js";

/** Distinct client addresses: the whole 127.0.0.0/8 is loopback on Linux, so each can be bound. */
const clients = (count: number, offset = 0): string[] => Array.from({ length: count }, (_, i) => `127.0.${Math.floor((i + offset) / 250) + 1}.${((i + offset) % 250) + 1}`);

interface Answer {
  status: number;
  version: string;
}

/** GET /api/version from `address`, on a new connection (as a fresh client would). */
function getVersion(port: number, address: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/api/version", localAddress: address, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.once("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const version = res.statusCode === 200 ? String(record(JSON.parse(body), "answer").version) : `status ${res.statusCode ?? 0}`;
        resolve({ status: res.statusCode ?? 0, version });
      });
      res.once("error", reject);
    });
    req.once("error", reject);
    req.end();
  });
}

describe("canary gateway behind nginx (split_clients by client address)", () => {
  let stable: StubUpstream;
  let canary: StubUpstream;
  let nginx: RunningNginx;
  let port: number;
  let prefix: string;
  const render = (percent: string) =>
    run("bash", [
      RENDER, "--out", join(prefix, "nginx.conf"), "--listen", `127.0.0.1:${port}`,
      "--gateway", `127.0.0.1:${stable.port}`, "--adapter", `127.0.0.1:${stable.port}`,
      "--canary-gateway", `127.0.0.1:${canary.port}`, "--canary-percent", percent, "--copy-static",
    ]);

  beforeAll(async () => {
    stable = await startStubUpstream("stable");
    canary = await startStubUpstream("canary");
    port = await freePort();
    prefix = makePrefix("canary");
    await render("20");
    nginx = await startNginx(prefix, join(prefix, "nginx.conf"), port);
  });

  afterAll(async () => {
    await nginx?.stop();
    await stable?.close();
    await canary?.close();
    if (prefix) rmSync(prefix, { recursive: true, force: true });
  });

  it("sends about 20% of 500 distinct clients to the canary", async () => {
    const answers = await Promise.all(clients(500).map((address) => getVersion(port, address)));
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    const onCanary = answers.filter((answer) => answer.version === "canary").length;
    // split_clients hashes the address (MurmurHash2): a deterministic ~20%, not an exact one.
    expect(onCanary).toBeGreaterThanOrEqual(75);
    expect(onCanary).toBeLessThanOrEqual(125);
  });

  it("keeps each client on its version, request after request", async () => {
    for (const address of clients(40, 1000)) {
      const versions = new Set<string>();
      for (let i = 0; i < 5; i++) versions.add((await getVersion(port, address)).version);
      expect({ address, versions: [...versions] }).toEqual({ address, versions: [expect.stringMatching(/^(stable|canary)$/)] });
    }
  });

  it("rolls back: share 0 and `nginx -s reload` put every client on stable, with no failed request during the reload", async () => {
    const onCanaryBefore: string[] = [];
    for (const address of clients(500)) if ((await getVersion(port, address)).version === "canary") onCanaryBefore.push(address);
    expect(onCanaryBefore.length).toBeGreaterThan(0);

    // Clients keep calling while the operator rolls back.
    let calling = true;
    const during: Answer[] = [];
    const callers = clients(8, 2000).map(async (address) => {
      while (calling) {
        during.push(await getVersion(port, address).catch((error: unknown) => ({ status: 0, version: String(error) })));
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await render("0");
    expect(readFileSync(join(prefix, "nginx.conf"), "utf8")).not.toContain("split_clients");
    await nginx.reload();
    await new Promise((resolve) => setTimeout(resolve, 200));
    calling = false;
    await Promise.all(callers);

    expect(during.length).toBeGreaterThan(20);
    expect(during.filter((answer) => answer.status !== 200)).toEqual([]);
    const after = await Promise.all(onCanaryBefore.map((address) => getVersion(port, address)));
    expect(new Set(after.map((answer) => answer.version))).toEqual(new Set(["stable"]));
  });
});

describe("render.sh canary options", () => {
  const prefix = makePrefix("canary-render");
  afterAll(() => rmSync(prefix, { recursive: true, force: true }));
  const render = (...extra: string[]) =>
    run("bash", [RENDER, "--out", join(prefix, "nginx.conf"), "--listen", "127.0.0.1:8080", "--gateway", "127.0.0.1:3000", "--adapter", "127.0.0.1:3001", ...extra]);

  it("refuses a share without a canary gateway, and a share that is not 0-100", async () => {
    await expect(render("--canary-percent", "10")).rejects.toMatchObject({ stderr: expect.stringContaining("needs a --canary-gateway") });
    for (const bad of ["101", "-5", "12.345", "ten"]) {
      await expect(render("--canary-gateway", "127.0.0.1:3100", "--canary-percent", bad)).rejects.toMatchObject({ stderr: expect.stringContaining("--canary-percent must be a number from 0 to 100") });
    }
  });

  it("takes the share from CANARY_PERCENT, and sends everyone to the canary at 100", async () => {
    await run("bash", [RENDER, "--out", join(prefix, "env.conf"), "--listen", "127.0.0.1:8080", "--gateway", "127.0.0.1:3000", "--adapter", "127.0.0.1:3001", "--canary-gateway", "127.0.0.1:3100"], {
      env: { ...process.env, CANARY_PERCENT: "12.5" },
    });
    expect(readFileSync(join(prefix, "env.conf"), "utf8")).toContain('split_clients "$remote_addr" $fleet_gateway_target { 12.5% fleet_gateway_canary; * fleet_gateway; }');
    await render("--canary-gateway", "127.0.0.1:3100", "--canary-percent", "100");
    expect(readFileSync(join(prefix, "nginx.conf"), "utf8")).toContain("{ * fleet_gateway_canary; }");
  });

  it("with a resolver (compose), splits between the two service names", async () => {
    await run("bash", [RENDER, "--out", join(prefix, "dns.conf"), "--listen", "8080", "--gateway", "gateway:3000", "--adapter", "whatsapp-adapter:3001", "--resolver", "127.0.0.11", "--canary-gateway", "gateway-canary:3000", "--canary-percent", "5"]);
    const text = readFileSync(join(prefix, "dns.conf"), "utf8");
    expect(text).toContain('split_clients "$remote_addr" $fleet_gateway_target { 5% gateway-canary:3000; * gateway:3000; }');
    expect(text).toContain("set $gateway_upstream $fleet_gateway_target;");
  });
});
