import { describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { runUntilExit } from "@fleet/testing";
import { describeServiceProcess } from "@fleet/testing/service-suite";
import { OrchestratorService } from "@fleet/contracts/orchestrator";
import { createServiceClient } from "@fleet/grpc-bridge";

const entry = new URL("../dist/main.js", import.meta.url);
const secret = () => randomBytes(32).toString("hex");

describeServiceProcess({
  name: "bot-orchestrator",
  entry,
  dependencies: { postgres: "up", redis: "up" },
  env: { SECRETS_ENCRYPTION_KEY: secret() },
  grpcCallWithoutToken: (address) => createServiceClient(OrchestratorService, address, { defaultDeadlineMs: 5000 }).listFlows({ tenantId: "00000000-0000-4000-8000-000000000001" }),
});

describe("bot-orchestrator configuration", () => {
  it("refuses to start with invalid stream settings, naming each variable", async () => {
    const { code, stderr } = await runUntilExit(entry, { SECRETS_ENCRYPTION_KEY: secret(), PARTITION_LEASE_TTL_MS: "soon", CONSUMER_NAME: "has spaces" });
    expect(code).toBe(1);
    expect(stderr).toContain("PARTITION_LEASE_TTL_MS");
    expect(stderr).toContain("CONSUMER_NAME");
  });

  it("refuses to start without SECRETS_ENCRYPTION_KEY, naming it", async () => {
    const { code, stderr } = await runUntilExit(entry, {});
    expect(code).toBe(1);
    expect(stderr).toContain("SECRETS_ENCRYPTION_KEY is required");
  });
});
