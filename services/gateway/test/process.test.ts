import { describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { runUntilExit } from "@fleet/testing";
import { describeServiceProcess } from "@fleet/testing/service-suite";
import { CommerceService } from "@fleet/contracts/commerce";
import { createServiceClient } from "@fleet/grpc-bridge";

const entry = new URL("../dist/main.js", import.meta.url);

describeServiceProcess({
  name: "gateway",
  entry,
  dependencies: { postgres: "up", redis: "up" },
  env: { JWT_SECRET: randomBytes(32).toString("hex") },
  grpcCallWithoutToken: (address) => createServiceClient(CommerceService, address, { defaultDeadlineMs: 5000 }).getBusinessHours({ tenantId: "00000000-0000-4000-8000-000000000001" }),
});

describe("gateway configuration", () => {
  it("refuses to start without a JWT secret or with a placeholder one, naming the variable", async () => {
    const missing = await runUntilExit(entry, { HTTP_PORT: "0", GRPC_PORT: "0" });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("JWT_SECRET is required");

    const placeholder = await runUntilExit(entry, { JWT_SECRET: "changeme-changeme-changeme-changeme", ACCESS_TOKEN_TTL_S: "60" });
    expect(placeholder.code).toBe(1);
    expect(placeholder.stderr).toMatch(/JWT_SECRET is a placeholder/);
    expect(placeholder.stderr).toContain("ACCESS_TOKEN_TTL_S");
  });
});
