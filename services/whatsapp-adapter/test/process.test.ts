import { describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { runUntilExit } from "@fleet/testing";
import { describeServiceProcess } from "@fleet/testing/service-suite";
import { AdapterService } from "@fleet/contracts/adapter";
import { createServiceClient } from "@fleet/grpc-bridge";

const entry = new URL("../dist/main.js", import.meta.url);
const secret = () => randomBytes(32).toString("hex");

describeServiceProcess({
  name: "whatsapp-adapter",
  entry,
  dependencies: { postgres: "up", redis: "up" },
  env: { SECRETS_ENCRYPTION_KEY: secret(), META_APP_SECRET: secret(), META_VERIFY_TOKEN: secret() },
  grpcCallWithoutToken: (address) => createServiceClient(AdapterService, address, { defaultDeadlineMs: 5000 }).listBots({ tenantId: "00000000-0000-4000-8000-000000000001" }),
});

describe("whatsapp-adapter configuration", () => {
  it("refuses to start without its secrets, naming every missing one and nothing else", async () => {
    const { code, stderr } = await runUntilExit(entry, { META_VERIFY_TOKEN: secret() });
    expect(code).toBe(1);
    expect(stderr).toContain("SECRETS_ENCRYPTION_KEY is required");
    expect(stderr).toContain("META_APP_SECRET is required");
    expect(stderr).not.toContain("META_VERIFY_TOKEN");
  });
});
