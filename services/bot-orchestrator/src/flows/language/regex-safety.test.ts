import { describe, expect, it } from "@jest/globals";
import { checkRegex } from "./regex-safety.js";

describe("checkRegex", () => {
  it.each([
    "^\\d{5}$",
    "^pedido\\s+(\\d+)$",
    "^(si|no)$",
    "^[a-z]+(-[a-z]+)?$",
    "^(\\d{3})+$",
    "^([a-z]+,)?[a-z]+$",
    "[(+*)]+",
    "\\(a+\\)+",
  ])("accepts %s", (pattern) => {
    expect(checkRegex(pattern)).toEqual({ ok: true });
  });

  it.each([
    ["(a+)+", "regex_unsafe"],
    ["^(\\w+\\s?)*$", "regex_unsafe"],
    ["((ab)*c)+", "regex_unsafe"],
    ["(a{2,})*", "regex_unsafe"],
    ["(?:x+y)+", "regex_unsafe"],
    ["(a|b)\\1", "regex_unsafe"],
    ["(?<x>a)\\k<x>", "regex_unsafe"],
    ["(a", "regex_invalid"],
    ["a{2,1}", "regex_invalid"],
  ])("rejects %s (%s)", (pattern, code) => {
    expect(checkRegex(pattern)).toMatchObject({ ok: false, code });
  });

  it("rejects flags that RegExp refuses", () => {
    expect(checkRegex("a", "ii")).toMatchObject({ ok: false, code: "regex_invalid" });
  });
});
