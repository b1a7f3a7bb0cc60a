// The gateway's configuration for sessions, passwords, rate limits and CORS:
// safe defaults, enforced bounds, and origins that cannot be a wildcard.
import { describe, expect, it } from "@jest/globals";
import { loadGatewayConfig } from "../src/config.js";

const secret = "k3y-for-tests-9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const load = (env: Record<string, string> = {}) => loadGatewayConfig({ JWT_SECRET: secret, FLEET_KEY: "fleet-key-of-the-tests-0123456789abcdef", ...env });

describe("gateway configuration: sessions and limits", () => {
  it("defaults to 30-day refresh tokens also returned in the body, 10-character passwords, 100 requests a minute and no CORS", () => {
    expect(load()).toMatchObject({
      REFRESH_TOKEN_TTL_S: 2_592_000,
      REFRESH_TOKEN_IN_BODY: true,
      PASSWORD_MIN_LENGTH: 10,
      RATE_LIMIT_PER_MINUTE: 100,
      RATE_LIMIT_PER_IP_PER_MINUTE: 100,
      CORS_ORIGINS: [],
    });
  });

  it("turns the refresh token in the body off with false or 0", () => {
    expect(load({ REFRESH_TOKEN_IN_BODY: "false" }).REFRESH_TOKEN_IN_BODY).toBe(false);
    expect(load({ REFRESH_TOKEN_IN_BODY: "0" }).REFRESH_TOKEN_IN_BODY).toBe(false);
    expect(() => load({ REFRESH_TOKEN_IN_BODY: "no" })).toThrow(/REFRESH_TOKEN_IN_BODY/);
  });

  it("bounds the refresh-token lifetime to 1 hour..90 days and the password minimum to 8..128", () => {
    for (const ttl of ["3599", "7776001", "soon"]) expect(() => load({ REFRESH_TOKEN_TTL_S: ttl })).toThrow(/REFRESH_TOKEN_TTL_S/);
    expect(load({ REFRESH_TOKEN_TTL_S: "3600" }).REFRESH_TOKEN_TTL_S).toBe(3600);
    for (const min of ["7", "129"]) expect(() => load({ PASSWORD_MIN_LENGTH: min })).toThrow(/PASSWORD_MIN_LENGTH/);
    expect(load({ PASSWORD_MIN_LENGTH: "12" }).PASSWORD_MIN_LENGTH).toBe(12);
  });

  it("refuses a rate limit of zero or less", () => {
    expect(() => load({ RATE_LIMIT_PER_MINUTE: "0" })).toThrow(/RATE_LIMIT_PER_MINUTE/);
    expect(() => load({ RATE_LIMIT_PER_IP_PER_MINUTE: "-5" })).toThrow(/RATE_LIMIT_PER_IP_PER_MINUTE/);
  });

  it("reads CORS_ORIGINS as a comma-separated list of exact origins", () => {
    expect(load({ CORS_ORIGINS: " https://app.example.com, http://localhost:5173 ," }).CORS_ORIGINS).toEqual(["https://app.example.com", "http://localhost:5173"]);
  });

  it("refuses a wildcard, a path, a trailing slash or a non-HTTP origin in CORS_ORIGINS", () => {
    for (const value of ["*", "https://app.example.com/dashboard", "https://app.example.com/", "app.example.com", "ftp://files.example.com"]) {
      expect(() => load({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS/);
    }
  });
});
