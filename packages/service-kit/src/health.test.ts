import { describe, it, expect } from "@jest/globals";
import { createHealth } from "./health.js";

describe("createHealth", () => {
  it("probes dependencies concurrently, so two slow checks cost one timeout, not two", async () => {
    const slow = () => new Promise<void>((resolve) => setTimeout(resolve, 200));
    const health = createHealth({ service: "svc", version: "1.0.0", checks: { postgres: slow, redis: slow }, timeoutMs: 1000 });

    const started = Date.now();
    const report = await health();

    expect(report.dependencies).toEqual({ postgres: "up", redis: "up" });
    expect(Date.now() - started).toBeLessThan(390);
  });

  it("reports a check that throws synchronously as down instead of failing the probe", async () => {
    const health = createHealth({
      service: "svc",
      version: "1.0.0",
      checks: {
        redis: () => {
          throw new Error("client is closed");
        },
      },
    });

    const report = await health();

    expect(report).toMatchObject({ status: "degraded", dependencies: { redis: "down" }, details: { redis: "client is closed" } });
  });

  it("gives up on a hanging check after timeoutMs and says so", async () => {
    const health = createHealth({ service: "svc", version: "1.0.0", checks: { mongo: () => new Promise(() => {}) }, timeoutMs: 30 });

    const started = Date.now();
    const report = await health();

    expect(Date.now() - started).toBeLessThan(500);
    expect(report).toMatchObject({ status: "degraded", dependencies: { mongo: "down" }, details: { mongo: "no answer within 30 ms" } });
  });

  it("is healthy with no dependencies at all and reports who is answering", async () => {
    const report = await createHealth({ service: "svc", version: "2.3.4", checks: {} })();

    expect(report).toMatchObject({ status: "ok", service: "svc", version: "2.3.4", dependencies: {} });
    expect(Number.isInteger(report.uptime_s)).toBe(true);
    expect(Number.isInteger(report.memory_mb)).toBe(true);
    expect(report.memory_mb).toBeGreaterThan(0);
  });
});
