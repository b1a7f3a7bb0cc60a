// The behaviour every service process must show (health that tells the truth,
// valid metrics, graceful stop), run against each service's real main.js.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "./postgres.js";
import { promtoolCheckMetrics } from "./promtool.js";
import { startRedisServer, type PrivateRedis } from "./redis-server.js";
import { startServiceProcess, type ServiceProcess } from "./service-process.js";

export interface ServiceSuiteOptions {
  name: string;
  entry: URL;
  /** Dependencies the health report must list, with their state when all is well. */
  dependencies: Record<string, "up" | "disabled">;
  /** Extra environment (secrets etc.); DATABASE_URL, REDIS_URL and REDIS_KEY_PREFIX are provided. */
  env?: Record<string, string>;
  /** One of the service's gRPC calls made without a service token: the process must refuse it (UNAUTHENTICATED). */
  grpcCallWithoutToken?: (grpcAddress: string) => Promise<unknown>;
}

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function describeServiceProcess({ name, entry, dependencies, env = {}, grpcCallWithoutToken }: ServiceSuiteOptions): void {
  describe(`${name} process`, () => {
    let database: TestDatabase;
    let redis: PrivateRedis;
    let service: ServiceProcess;

    beforeAll(async () => {
      [database, redis] = await Promise.all([createTestDatabase(), startRedisServer()]);
      service = await startServiceProcess(entry, {
        DATABASE_URL: database.url,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: `test:${randomBytes(4).toString("hex")}:`,
        ...env,
      });
    });

    afterAll(async () => {
      await service?.stop("SIGKILL");
      await Promise.all([redis?.destroy(), database?.drop()]);
    });

    it("reports healthy with version, uptime, memory and every dependency state", async () => {
      const { status, body } = await eventually(() => getJson(`${service.httpUrl}/health`), (r) => r.status === 200);
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: "ok", service: name, dependencies });
      expect(typeof body.version).toBe("string");
      expect(typeof body.uptime_s).toBe("number");
      expect(body.memory_mb).toEqual(expect.any(Number));
    });

    if (grpcCallWithoutToken) {
      it("refuses a gRPC call that carries no service token (UNAUTHENTICATED)", async () => {
        if (!service.grpcAddress) throw new Error(`${name} reported no gRPC address`);
        await expect(grpcCallWithoutToken(service.grpcAddress)).rejects.toMatchObject({ kind: "unauthenticated", code: "SERVICE_TOKEN_INVALID" });
      });
    }

    it("serves metrics that promtool accepts, labelled by route template", async () => {
      await fetch(`${service.httpUrl}/health`);
      await fetch(`${service.httpUrl}/no/such/page/unlisted-path-xq`);
      const text = await (await fetch(`${service.httpUrl}/metrics`)).text();
      const check = await promtoolCheckMetrics(text);
      expect(check).toEqual({ ok: true, output: expect.any(String) });
      expect(text).toMatch(/http_requests_total\{[^}]*endpoint="\/health"[^}]*\} \d+/);
      expect(text).toMatch(/http_requests_total\{[^}]*status="404"[^}]*endpoint="unmatched"/);
      expect(text).not.toContain("unlisted-path-xq");
      expect(text).toContain("process_resident_memory_bytes");
    });

    it("says Redis is down (503) while it is stopped, without crashing, and recovers when it returns", async () => {
      await redis.stop();
      const down = await eventually(() => getJson(`${service.httpUrl}/health`), (r) => r.status === 503);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: "degraded", dependencies: { redis: "down" } });
      expect(service.child.exitCode).toBeNull();

      await redis.start();
      const up = await eventually(() => getJson(`${service.httpUrl}/health`), (r) => r.status === 200, 15_000);
      expect(up.body).toMatchObject({ status: "ok", dependencies: { redis: "up" } });
    }, 30_000);

    it("stops cleanly on SIGTERM", async () => {
      const code = await service.stop("SIGTERM");
      expect(code).toBe(0);
      expect(service.logs.some((line) => line.message === "stopped" && line.clean === true)).toBe(true);
    });
  });
}
