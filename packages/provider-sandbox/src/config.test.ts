// Tests of the standalone server's configuration: defaults, the optional fakes, and one message
// per bad variable.
import { describe, it, expect } from "@jest/globals";
import { parseConfig, type ConfigResult } from "./config.js";

const required = { META_SANDBOX_ACCESS_TOKEN: "t", META_SANDBOX_APP_SECRET: "s", META_SANDBOX_PHONE_NUMBER_IDS: "111, 222" };
const d360 = { D360_SANDBOX_PORT: "4011", D360_SANDBOX_API_KEY: "k", D360_SANDBOX_PHONE_NUMBER_ID: "333" };
const twilio = {
  TWILIO_SANDBOX_PORT: "4012",
  TWILIO_SANDBOX_ACCOUNT_SID: `AC${"0a".repeat(16)}`,
  TWILIO_SANDBOX_AUTH_TOKEN: "secret",
  TWILIO_SANDBOX_NUMBER: "+15550001111",
  TWILIO_SANDBOX_CALLBACK_URL: "http://127.0.0.1:8080/webhooks/twilio",
  TWILIO_SANDBOX_PUBLIC_URL: "http://127.0.0.1:4012",
};
const evolution = { EVOLUTION_SANDBOX_PORT: "4013", EVOLUTION_SANDBOX_API_KEY: "global" };

const problemsOf = (result: ConfigResult): string[] => (result.ok ? [] : result.problems);

describe("parseConfig", () => {
  it("applies defaults and splits the phone number ids", () => {
    expect(parseConfig(required)).toEqual({
      ok: true,
      config: {
        port: 4010, host: "127.0.0.1", accessToken: "t", appSecret: "s", phoneNumberIds: ["111", "222"],
        callbackUrl: undefined, ratePerSecond: 80, statusCallbacks: false,
      },
    });
  });

  it("runs only the Meta fake when no other fake's variable is set", () => {
    const result = parseConfig(required);
    expect(result.ok && [result.config.d360, result.config.twilio, result.config.evolution]).toEqual([undefined, undefined, undefined]);
  });

  it("names each missing or invalid variable once, treating empty values as missing", () => {
    const result = parseConfig({ META_SANDBOX_ACCESS_TOKEN: "", META_SANDBOX_PHONE_NUMBER_IDS: "abc", SANDBOX_PORT: "70000" });
    expect(result.ok).toBe(false);
    const problems = problemsOf(result);
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["META_SANDBOX_ACCESS_TOKEN", "META_SANDBOX_APP_SECRET", "META_SANDBOX_PHONE_NUMBER_IDS", "SANDBOX_PORT"]);
    expect(problems).toContain("META_SANDBOX_APP_SECRET: is required");
  });

  it("requires a callback URL when status callbacks are on", () => {
    const result = parseConfig({ ...required, META_SANDBOX_STATUS_CALLBACKS: "true" });
    expect(problemsOf(result)).toEqual(["META_SANDBOX_CALLBACK_URL: required when META_SANDBOX_STATUS_CALLBACKS is true"]);
  });

  it("configures the 360dialog, Twilio and Evolution fakes from their variables", () => {
    expect(parseConfig({ ...required, ...d360, ...twilio, ...evolution })).toMatchObject({
      ok: true,
      config: {
        port: 4010,
        d360: { port: 4011, apiKey: "k", phoneNumberId: "333" },
        twilio: {
          port: 4012,
          accountSid: twilio.TWILIO_SANDBOX_ACCOUNT_SID,
          authToken: "secret",
          number: "+15550001111",
          callbackUrl: "http://127.0.0.1:8080/webhooks/twilio",
          publicUrl: "http://127.0.0.1:4012",
        },
        evolution: { port: 4013, apiKey: "global" },
      },
    });
  });

  it("runs a fake without the others, and the Twilio fake without a callback URL", () => {
    const { TWILIO_SANDBOX_CALLBACK_URL: _unused, ...twilioWithoutCallback } = twilio;
    const result = parseConfig({ ...required, ...twilioWithoutCallback });
    expect(result.ok && result.config.twilio).toMatchObject({ port: 4012, callbackUrl: undefined });
    expect(result.ok && [result.config.d360, result.config.evolution]).toEqual([undefined, undefined]);
  });

  it("requires the rest of a fake's variables once one of them is set, with no default secrets", () => {
    const problems = problemsOf(parseConfig({ ...required, D360_SANDBOX_PORT: "4011", TWILIO_SANDBOX_AUTH_TOKEN: "secret", EVOLUTION_SANDBOX_PORT: "4013" }));
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "D360_SANDBOX_API_KEY", "D360_SANDBOX_PHONE_NUMBER_ID",
      "EVOLUTION_SANDBOX_API_KEY",
      "TWILIO_SANDBOX_ACCOUNT_SID", "TWILIO_SANDBOX_NUMBER", "TWILIO_SANDBOX_PORT", "TWILIO_SANDBOX_PUBLIC_URL",
    ]);
    expect(problems).toContain("D360_SANDBOX_API_KEY: is required to run the 360dialog fake (another of its variables is set)");
    expect(problems).toContain("EVOLUTION_SANDBOX_API_KEY: is required to run the Evolution API fake (another of its variables is set)");
  });

  it("rejects malformed Twilio and 360dialog identifiers", () => {
    const problems = problemsOf(parseConfig({
      ...required, ...d360, ...twilio,
      D360_SANDBOX_PHONE_NUMBER_ID: "+333", TWILIO_SANDBOX_ACCOUNT_SID: "AC123", TWILIO_SANDBOX_NUMBER: "5550001111", TWILIO_SANDBOX_PUBLIC_URL: "ftp://x",
    }));
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "D360_SANDBOX_PHONE_NUMBER_ID", "TWILIO_SANDBOX_ACCOUNT_SID", "TWILIO_SANDBOX_NUMBER", "TWILIO_SANDBOX_PUBLIC_URL",
    ]);
    expect(problems).toContain("TWILIO_SANDBOX_ACCOUNT_SID: must be AC followed by 32 hex digits");
  });

  it("refuses two fakes on one port, but lets several pick a free one with 0", () => {
    expect(problemsOf(parseConfig({ ...required, ...d360, ...evolution, EVOLUTION_SANDBOX_PORT: "4011" })))
      .toEqual(["EVOLUTION_SANDBOX_PORT: must differ from D360_SANDBOX_PORT (4011)"]);
    expect(problemsOf(parseConfig({ ...required, ...d360, D360_SANDBOX_PORT: "4010" })))
      .toEqual(["D360_SANDBOX_PORT: must differ from SANDBOX_PORT (4010)"]);
    expect(parseConfig({ ...required, ...d360, ...evolution, SANDBOX_PORT: "0", D360_SANDBOX_PORT: "0", EVOLUTION_SANDBOX_PORT: "0" }).ok).toBe(true);
  });
});
