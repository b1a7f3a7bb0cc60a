// Property test (fast-check): whatever arrives — arbitrary JSON, or the example flow with one
// field anywhere replaced, removed or added — validateFlow answers ok or problems (each with a
// path and a code) and never throws.
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { exampleActions, shopMenuFlow } from "./flow-examples.js";
import { validSteps } from "./flow-samples.js";
import { validateFlow } from "./validate-flow.js";

function answers(document: unknown): boolean {
  const result = validateFlow(document, { actions: exampleActions, flows: ["bienvenida"] });
  return result.ok ? result.flow !== undefined : result.problems.length > 0 && result.problems.every((p) => typeof p.path === "string" && typeof p.code === "string");
}

/** Strings the language gives meaning to, mixed with arbitrary ones. */
const tricky = fc.oneof(
  fc.constantFrom("", "menu", "{{", "}}", "{{#x}}", "{{/y}}", "{{> p}}", "(a+)+", "[", "https://", "http://127.0.0.1", "next", "kind", "__proto__", "constructor", "1️⃣", "🔟", "\u0000", "end", "goto"),
  fc.string(),
);
const value = fc.oneof(fc.jsonValue(), tricky, fc.constant(undefined), fc.constant(Number.NaN));

/** A copy of `document` with the field at `path` (followed as far as it leads) replaced, removed, or given a sibling. */
function edit(document: unknown, path: number[], change: { op: "set" | "delete" | "add"; key: string; value: unknown }): unknown {
  const copy: unknown = structuredClone(document);
  let node = copy;
  for (const [depth, step] of path.entries()) {
    if (node === null || typeof node !== "object") break;
    const container = node as Record<string, unknown>;
    const keys = Object.keys(container);
    const key = keys[step % Math.max(keys.length, 1)];
    if (key === undefined) break;
    if (depth === path.length - 1) {
      if (change.op === "delete") delete container[key];
      else if (change.op === "add") container[change.key] = change.value;
      else container[key] = change.value;
      break;
    }
    node = container[key];
  }
  return copy;
}

const change = fc.record({ op: fc.constantFrom("set" as const, "delete" as const, "add" as const), key: tricky, value });
const path = fc.array(fc.nat(64), { minLength: 1, maxLength: 6 });

describe("validateFlow never throws", () => {
  it("answers ok or problems for arbitrary JSON values", () => {
    fc.assert(fc.property(fc.oneof(fc.anything(), value), (document) => answers(document)), { numRuns: 1000 });
  });

  it("answers ok or problems for the example flow with one field anywhere replaced, removed or added", () => {
    fc.assert(fc.property(path, change, (at, what) => answers(edit(shopMenuFlow, at, what))), { numRuns: 2000 });
  });

  it("answers ok or problems for edits of every step kind", () => {
    for (const [, step] of validSteps) {
      fc.assert(fc.property(path, change, (at, what) => answers(edit({ ...shopMenuFlow, steps: { ...shopMenuFlow.steps, saludo: step } }, at, what))), { numRuns: 100 });
    }
    expect(validSteps.length).toBeGreaterThan(10);
  });
});
