import { describe, expect, it } from "@jest/globals";
import { runUntilExit } from "@fleet/testing";
import { describeServiceProcess } from "@fleet/testing/service-suite";

const entry = new URL("../dist/main.js", import.meta.url);

describeServiceProcess({ name: "bot-orchestrator", entry, dependencies: { postgres: "up", redis: "up" } });

describe("bot-orchestrator configuration", () => {
  it("refuses to start with invalid stream settings, naming each variable", async () => {
    const { code, stderr } = await runUntilExit(entry, { PARTITION_LEASE_TTL_MS: "soon", CONSUMER_NAME: "has spaces" });
    expect(code).toBe(1);
    expect(stderr).toContain("PARTITION_LEASE_TTL_MS");
    expect(stderr).toContain("CONSUMER_NAME");
  });
});
