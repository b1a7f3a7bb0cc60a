import { describe, it, expect } from "@jest/globals";
import { z } from "zod";
import { ConfigError, envBoolean, loadConfig, port, secret } from "./config.js";

const REAL_SECRET = "q7Vx2LpT9mZr4KcW8nYb3HsD6fJe1AgU";

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError, but nothing was thrown");
}

describe("loadConfig", () => {
  const schema = z.object({
    JWT_SECRET: secret(32),
    HTTP_PORT: port(3000),
    DEBUG_SQL: envBoolean(false),
  });

  it("names every bad variable in one ConfigError: a missing secret and an invalid port together", () => {
    const error = configErrorOf(() => loadConfig(schema, { HTTP_PORT: "not-a-port" }));

    expect(error.name).toBe("ConfigError");
    expect(error.problems).toHaveLength(2);
    expect(error.problems.some((p) => p.startsWith("JWT_SECRET "))).toBe(true);
    expect(error.problems.some((p) => p.startsWith("HTTP_PORT "))).toBe(true);
    expect(error.message).toContain("JWT_SECRET");
    expect(error.message).toContain("HTTP_PORT");
  });

  it("says a missing secret has no default", () => {
    const error = configErrorOf(() => loadConfig(schema, {}));
    expect(error.problems).toEqual([expect.stringMatching(/^JWT_SECRET is required/)]);
  });

  it("treats an empty variable as missing: a default applies and a required secret is reported", () => {
    const error = configErrorOf(() => loadConfig(schema, { JWT_SECRET: "", HTTP_PORT: "" }));
    expect(error.problems).toEqual([expect.stringMatching(/^JWT_SECRET is required/)]);

    expect(loadConfig(schema, { JWT_SECRET: REAL_SECRET, HTTP_PORT: "", DEBUG_SQL: "" })).toEqual({
      JWT_SECRET: REAL_SECRET,
      HTTP_PORT: 3000,
      DEBUG_SQL: false,
    });
  });

  it("applies defaults and coerces values from strings", () => {
    expect(loadConfig(schema, { JWT_SECRET: REAL_SECRET })).toEqual({ JWT_SECRET: REAL_SECRET, HTTP_PORT: 3000, DEBUG_SQL: false });
    expect(loadConfig(schema, { JWT_SECRET: REAL_SECRET, HTTP_PORT: "8080", DEBUG_SQL: "1" })).toEqual({
      JWT_SECRET: REAL_SECRET,
      HTTP_PORT: 8080,
      DEBUG_SQL: true,
    });
  });

  it("ignores variables the schema does not declare", () => {
    expect(loadConfig(schema, { JWT_SECRET: REAL_SECRET, UNRELATED: "x" })).not.toHaveProperty("UNRELATED");
  });
});

describe("secret", () => {
  const schema = z.object({ API_SECRET: secret(32) });
  const load = (value: string | undefined) => loadConfig(schema, { API_SECRET: value });

  it("accepts a random secret of 32 characters or more", () => {
    expect(load(REAL_SECRET).API_SECRET).toBe(REAL_SECRET);
  });

  it("rejects a missing secret", () => {
    expect(() => load(undefined)).toThrow(ConfigError);
  });

  it("rejects a secret shorter than the minimum length", () => {
    const error = configErrorOf(() => load("q7Vx2LpT9mZr4KcW"));
    expect(error.problems).toEqual([expect.stringMatching(/^API_SECRET must be at least 32 characters/)]);
  });

  it.each([
    "changeme-changeme-changeme-changeme",
    "change-me-to-a-long-random-value-please",
    "your-secret-here-at-least-32-characters",
    "replace_with_a_real_secret_of_32_chars",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  ])("rejects the placeholder %s even though it is long enough", (placeholder) => {
    const error = configErrorOf(() => load(placeholder));
    expect(error.problems).toEqual([expect.stringMatching(/^API_SECRET is a placeholder/)]);
  });

  it("honours a custom minimum length", () => {
    const short = z.object({ KEY: secret(8) });
    expect(loadConfig(short, { KEY: "x9Kp2mQz" }).KEY).toBe("x9Kp2mQz");
    expect(() => loadConfig(short, { KEY: "x9Kp2mQ" })).toThrow(/KEY must be at least 8 characters/);
  });
});

describe("envBoolean", () => {
  const schema = z.object({ ON: envBoolean(true), OFF: envBoolean(false) });

  it.each([
    ["true", true],
    ["1", true],
    ["false", false],
    ["0", false],
  ])("reads %s as %s", (raw, expected) => {
    expect(loadConfig(schema, { ON: raw, OFF: raw })).toEqual({ ON: expected, OFF: expected });
  });

  it("falls back to the default when unset", () => {
    expect(loadConfig(schema, {})).toEqual({ ON: true, OFF: false });
  });

  it("rejects anything else instead of guessing", () => {
    const error = configErrorOf(() => loadConfig(schema, { ON: "yes", OFF: "TRUE" }));
    expect(error.problems).toHaveLength(2);
    expect(error.message).toContain("ON");
    expect(error.message).toContain("OFF");
  });
});

describe("port", () => {
  const schema = z.object({ PORT: port(8080) });

  it("coerces a numeric string and accepts 0 (any free port)", () => {
    expect(loadConfig(schema, { PORT: "9000" }).PORT).toBe(9000);
    expect(loadConfig(schema, { PORT: "0" }).PORT).toBe(0);
  });

  it.each(["65536", "-1", "80.5", "http"])("rejects %s", (raw) => {
    expect(() => loadConfig(schema, { PORT: raw })).toThrow(/PORT/);
  });
});
