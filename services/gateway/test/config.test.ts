// The gateway's configuration: new keys have safe defaults, bounds are enforced,
// and the signing secret has none.
import { describe, expect, it } from "@jest/globals";
import { ConfigError } from "@fleet/service-kit";
import { loadGatewayConfig } from "../src/config.js";

const secret = "k3y-for-tests-9f8e7d6c5b4a39281706f5e4d3c2b1a0";

describe("gateway configuration", () => {
  it("defaults the token lifetime to 15 minutes and the fleet health URLs to the local ports", () => {
    const config = loadGatewayConfig({ FLEET_KEY: "fleet-key-of-the-tests-0123456789abcdef", JWT_SECRET: secret });
    expect(config).toMatchObject({
      ACCESS_TOKEN_TTL_S: 900,
      LOGIN_MAX_FAILURES_PER_IDENTITY: 5,
      LOGIN_MAX_FAILURES_PER_IP: 50,
      LOGIN_FAILURE_WINDOW_S: 900,
      ADAPTER_HTTP_URL: "http://127.0.0.1:3001",
      ORCHESTRATOR_HTTP_URL: "http://127.0.0.1:3002",
      ANALYTICS_HTTP_URL: "http://127.0.0.1:3003",
      HEALTH_FANOUT_TIMEOUT_MS: 1000,
    });
  });

  it("accepts a token lifetime from 15 minutes to 24 hours only", () => {
    expect(loadGatewayConfig({ FLEET_KEY: "fleet-key-of-the-tests-0123456789abcdef", JWT_SECRET: secret, ACCESS_TOKEN_TTL_S: "86400" }).ACCESS_TOKEN_TTL_S).toBe(86_400);
    for (const ttl of ["899", "86401", "abc"]) {
      expect(() => loadGatewayConfig({ FLEET_KEY: "fleet-key-of-the-tests-0123456789abcdef", JWT_SECRET: secret, ACCESS_TOKEN_TTL_S: ttl })).toThrow(/ACCESS_TOKEN_TTL_S/);
    }
  });

  it("refuses to start without a JWT secret, or with a placeholder", () => {
    expect(() => loadGatewayConfig({})).toThrow(ConfigError);
    expect(() => loadGatewayConfig({})).toThrow(/JWT_SECRET/);
    expect(() => loadGatewayConfig({ JWT_SECRET: "change-me-change-me-change-me-change-me" })).toThrow(/JWT_SECRET/);
  });
});
