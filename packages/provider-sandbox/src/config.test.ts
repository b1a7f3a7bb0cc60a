// Tests of the standalone server's configuration: defaults, and one message per bad variable.
import { describe, it, expect } from "@jest/globals";
import { parseConfig } from "./config.js";

const required = { META_SANDBOX_ACCESS_TOKEN: "t", META_SANDBOX_APP_SECRET: "s", META_SANDBOX_PHONE_NUMBER_IDS: "111, 222" };

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

  it("names each missing or invalid variable once, treating empty values as missing", () => {
    const result = parseConfig({ META_SANDBOX_ACCESS_TOKEN: "", META_SANDBOX_PHONE_NUMBER_IDS: "abc", SANDBOX_PORT: "70000" });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["META_SANDBOX_ACCESS_TOKEN", "META_SANDBOX_APP_SECRET", "META_SANDBOX_PHONE_NUMBER_IDS", "SANDBOX_PORT"]);
    expect(problems).toContain("META_SANDBOX_APP_SECRET: is required");
  });

  it("requires a callback URL when status callbacks are on", () => {
    const result = parseConfig({ ...required, META_SANDBOX_STATUS_CALLBACKS: "true" });
    expect(result.ok ? [] : result.problems).toEqual(["META_SANDBOX_CALLBACK_URL: required when META_SANDBOX_STATUS_CALLBACKS is true"]);
  });
});
