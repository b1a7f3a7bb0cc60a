import { describe, expect, it } from "@jest/globals";
import { runUntilExit } from "@fleet/testing";
import { describeServiceProcess } from "@fleet/testing/service-suite";
import { AnalyticsService } from "@fleet/contracts/analytics";
import { createServiceClient } from "@fleet/grpc-bridge";

const entry = new URL("../dist/main.js", import.meta.url);

// No mongod runs on these machines: without MONGO_URL the worker must say "disabled", not pretend.
describeServiceProcess({
  name: "analytics-worker",
  entry,
  dependencies: { redis: "up", mongo: "disabled" },
  grpcCallWithoutToken: (address) => createServiceClient(AnalyticsService, address, { defaultDeadlineMs: 5000 }).listEvents({ tenantId: "00000000-0000-4000-8000-000000000001", limit: 1 }),
});

describe("analytics-worker configuration", () => {
  it("refuses a MONGO_URL that is not a MongoDB URL instead of starting without storage", async () => {
    const { code, stderr } = await runUntilExit(entry, { MONGO_URL: "http://mongo.example:27017" });
    expect(code).toBe(1);
    expect(stderr).toContain("MONGO_URL must be a mongodb:// URL");
  });

  it("refuses a KPI cache lifetime that does not outlast the KPI interval, which would leave gaps between runs", async () => {
    const { code, stderr } = await runUntilExit(entry, { KPI_INTERVAL_MS: "300000", KPI_CACHE_TTL_S: "300" });
    expect(code).toBe(1);
    expect(stderr).toContain("KPI_CACHE_TTL_S must be longer than KPI_INTERVAL_MS");
  });
});
