// The services' V8 settings (NODE_OPTIONS) are the same wherever they run: the image (and so
// compose and Kubernetes, which run it), the systemd unit, the local run and the processes the
// tests and benchmarks start. And they take effect: V8's young generation stays within its cap.
import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { SERVICE_NODE_OPTIONS } from "@fleet/testing";
import { repoPath, run } from "./support.js";

const read = (path: string): string => readFileSync(repoPath(path), "utf8");

describe("the services' NODE_OPTIONS", () => {
  it("are the same in the image, the systemd unit, the local run and the test processes", () => {
    const runtimeStage = read("deploy/Dockerfile").split(/^FROM .* AS runtime$/m)[1] ?? "";
    expect(/^\s+NODE_OPTIONS=(\S+)/m.exec(runtimeStage)?.[1]).toBe(SERVICE_NODE_OPTIONS);
    expect(/^Environment=NODE_OPTIONS=(.+)$/m.exec(read("deploy/systemd/fleet-service.service.in"))?.[1]).toBe(SERVICE_NODE_OPTIONS);
    const localRun = /NODE_OPTIONS=(\S+) node "services\/\$service\/dist\/main\.js"/.exec(read("scripts/run-fleet.sh"));
    expect(localRun?.[1]).toBe(SERVICE_NODE_OPTIONS);
  });

  it("cap V8's young generation: allocation that grows it to 16 MiB per half by default stays within 2 MiB", async () => {
    // Objects that survive scavenges (as a service's start-up makes) are what grows the young generation.
    const probe = `
      const kept = [];
      for (let i = 0; i < 400000; i++) kept.push({ i, s: "x" + i });
      const space = require("node:v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
      console.log(space.space_size);`;
    const youngBytes = async (nodeOptions: string): Promise<number> =>
      Number((await run(process.execPath, ["-e", probe], { env: { PATH: process.env.PATH ?? "", NODE_OPTIONS: nodeOptions } })).stdout.trim());
    const MiB = 1024 * 1024;
    expect(await youngBytes("")).toBeGreaterThan(8 * MiB);
    expect(await youngBytes(SERVICE_NODE_OPTIONS)).toBeLessThanOrEqual(4 * MiB);
  });
});
