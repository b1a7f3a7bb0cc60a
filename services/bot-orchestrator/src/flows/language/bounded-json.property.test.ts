// Property test (fast-check): the direct check of a JSON value's bounds (isBoundedJson, used on every
// turn for a conversation's variables) accepts exactly what the JsonValue schema accepts, above all
// at the edges: strings, arrays, objects and keys around their limits, nesting around its depth,
// and values JSON cannot hold.
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { JsonValue, LIMITS, isBoundedJson } from "./flow.schema.js";

const around = (limit: number) => fc.integer({ min: Math.max(limit - 2, 0), max: limit + 2 });

const scalar = fc.oneof(
  around(LIMITS.jsonString).map((length) => "x".repeat(length)),
  fc.string({ maxLength: 8 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom<unknown>(undefined, Number.NaN, Number.POSITIVE_INFINITY, new Date(0), () => 1, Symbol("s"), 1n, new Map()),
);

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.oneof(
      fc.array(tie("value"), { maxLength: 3 }),
      around(LIMITS.jsonArray).map((length) => Array.from({ length }, () => 1)),
    ),
    fc.oneof(
      fc.dictionary(fc.oneof(fc.string({ maxLength: 4 }), around(100).map((length) => "k".repeat(length))), tie("value"), { maxKeys: 3 }),
      around(LIMITS.jsonObjectKeys).map((keys) => Object.fromEntries(Array.from({ length: keys }, (_, i) => [`k${i}`, i]))),
    ),
  ),
}));

/** A value nested `depth` levels (arrays and objects in turn) around `leaf`. */
const nested = fc.tuple(fc.integer({ min: 0, max: 6 }), scalar).map(([depth, leaf]) => {
  let built: unknown = leaf;
  for (let level = 0; level < depth; level += 1) built = level % 2 === 0 ? [built] : { v: built };
  return built;
});

describe("isBoundedJson", () => {
  it("accepts exactly what the JsonValue schema accepts", () => {
    fc.assert(
      fc.property(fc.oneof(value, nested, fc.jsonValue()), (candidate) => {
        expect(isBoundedJson(candidate)).toBe(JsonValue.safeParse(candidate).success);
      }),
      { numRuns: 3000 },
    );
  });

  it("holds the limits themselves: at the limit is in, one past it is out", () => {
    const cases: [unknown, boolean][] = [
      ["x".repeat(LIMITS.jsonString), true],
      ["x".repeat(LIMITS.jsonString + 1), false],
      [Array.from({ length: LIMITS.jsonArray }, () => 0), true],
      [Array.from({ length: LIMITS.jsonArray + 1 }, () => 0), false],
      [{ ["k".repeat(100)]: 1 }, true],
      [{ ["k".repeat(101)]: 1 }, false],
      [[[[["deepest"]]]], false],
      [[[["deep enough"]]], true],
    ];
    for (const [candidate, expected] of cases) {
      expect(isBoundedJson(candidate)).toBe(expected);
      expect(JsonValue.safeParse(candidate).success).toBe(expected);
    }
  });
});
