// The container image recipe (no Docker engine here): deploy/Dockerfile keeps pnpm and Node in step
// with the workspace and runs the local command as a non-root user, the build context leaves
// secrets and host builds out, and the HEALTHCHECK probe really tells 200 from 503 from silence.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { once } from "node:events";
import { freePort, record, repoPath, run } from "./support.js";

const dockerfile = readFileSync(repoPath("deploy/Dockerfile"), "utf8");
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));

describe("deploy/Dockerfile", () => {
  it("builds on Node 20 slim (bookworm) with the workspace's pinned pnpm", () => {
    const rootManifest = record(JSON.parse(readFileSync(repoPath("package.json"), "utf8")), "package.json");
    const pnpm = /^pnpm@(.+)$/.exec(String(rootManifest.packageManager))?.[1];
    expect(pnpm).toBeDefined();
    expect(dockerfile).toContain(`pnpm@${pnpm}`);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(dockerfile).toMatch(/pnpm install --frozen-lockfile/);
    expect(dockerfile).toMatch(/pnpm run build/);
    expect(dockerfile).toMatch(/--prod .*deploy \/deploy/s);
  });

  it("runs the service as `node`, in production mode, with a HEALTHCHECK and the local run's command", () => {
    expect(runtimeStage).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/m);
    expect(runtimeStage).toMatch(/^USER node$/m);
    expect(runtimeStage).toMatch(/NODE_ENV=production/);
    expect(runtimeStage).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \["node", "deploy\/healthcheck\.mjs"\]$/m);
    expect(runtimeStage).toContain('exec node \\"services/${FLEET_SERVICE}/dist/main.js\\"');
    // Only the assembled output of the deploy stage: no sources, no dev dependencies, no store.
    expect(runtimeStage.match(/^COPY .*$/gm)).toEqual(["COPY --from=deploy /out/ /app/"]);
  });

  it("assembles the tree deploy/vps/build-release.sh does, which deploy/test/release.test.ts starts as nobody", () => {
    const releaseScript = readFileSync(repoPath("deploy/vps/build-release.sh"), "utf8");
    // The same `pnpm deploy` (production dependencies, workspace packages injected as real directories)...
    for (const flag of ["--prod", "--config.inject-workspace-packages=true deploy"]) {
      expect({ flag, dockerfile: dockerfile.includes(flag), release: releaseScript.includes(flag) }).toEqual({ flag, dockerfile: true, release: true });
    }
    // ...and the same layout around it: the migration script, the probe, the node_modules link migrate.mjs imports through.
    expect(dockerfile).toContain("cp scripts/migrate.mjs /out/scripts/");
    expect(releaseScript).toContain('cp "$ROOT/scripts/migrate.mjs" "$OUT/scripts/"');
    expect(dockerfile).toContain("cp deploy/healthcheck.mjs /out/deploy/");
    expect(releaseScript).toContain('cp "$ROOT/deploy/healthcheck.mjs" "$OUT/deploy/"');
    expect(dockerfile).toContain('ln -s "services/${SERVICE}/node_modules" /out/node_modules');
    expect(releaseScript).toContain('ln -s services/gateway/node_modules "$OUT/node_modules"');
  });

  it("keeps node_modules, dist, .git and .env out of the build context", () => {
    const ignored = readFileSync(repoPath("deploy/Dockerfile.dockerignore"), "utf8").split("\n").map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(["**/node_modules", "**/dist", ".git", ".env", ".env.*"]));
    expect(ignored).toContain("!deploy/healthcheck.mjs");
  });
});

describe("deploy/healthcheck.mjs", () => {
  let server: Server;
  let port: number;
  let status = 200;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.url === "/health" ? status : 404, { "content-type": "application/json" });
      res.end(JSON.stringify({ status: status === 200 ? "ok" : "degraded" }));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const probe = async (env: Record<string, string>): Promise<number> => {
    try {
      await run("node", [repoPath("deploy/healthcheck.mjs")], { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 10_000 });
      return 0;
    } catch (error) {
      const code = record(error, "probe error").code;
      return typeof code === "number" ? code : -1;
    }
  };

  it("exits 0 when /health answers 200", async () => {
    status = 200;
    expect(await probe({ HTTP_PORT: String(port) })).toBe(0);
  });

  it("exits 1 when /health answers 503 (degraded)", async () => {
    status = 503;
    expect(await probe({ HTTP_PORT: String(port) })).toBe(1);
  });

  it("exits 1 when nothing listens, and when it cannot tell which port to probe", async () => {
    expect(await probe({ HTTP_PORT: String(await freePort()) })).toBe(1);
    expect(await probe({ FLEET_SERVICE: "unknown" })).toBe(1);
  });
});
