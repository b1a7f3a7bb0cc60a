import { describe, expect, it } from "@jest/globals";
import { Ajv2020 } from "ajv/dist/2020.js";
import { flowJsonSchema } from "./flow.json-schema.js";
import { shopMenuFlow } from "./flow-examples.js";
import { flowWith, invalidSteps, validSteps } from "./flow-samples.js";
import { FlowDocument } from "./flow.schema.js";

const schema = flowJsonSchema();
// Strict, except strictRequired: the goto step's "step or flow" is a oneOf of bare `required` lists.
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
const validate = ajv.compile(schema);

/** Invalid samples only zod rejects: ZOD_ONLY_RULES, and the checks validateFlow adds after the schema. */
const ZOD_ONLY_SAMPLES = new Set(["two buttons with one id", "a list of 11 rows in two sections", "a question with min > max"]);

const structural = invalidSteps.filter(([, , , code]) => code.startsWith("schema_"));
const semantic = invalidSteps.filter(([, , , code]) => !code.startsWith("schema_"));

describe("the flow JSON Schema", () => {
  it("is valid draft 2020-12 JSON Schema", () => {
    expect(schema["$schema"]).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(ajv.validateSchema(schema)).toBe(true);
  });

  it("stays small enough for an editor to load (shared parts are $defs, not inlined)", () => {
    expect(JSON.stringify(schema).length).toBeLessThan(64_000);
  });

  it("accepts the documented example, like zod", () => {
    expect(FlowDocument.safeParse(shopMenuFlow).success).toBe(true);
    expect(validate(shopMenuFlow)).toBe(true);
  });

  it.each(validSteps)("accepts a valid %s step, like zod", (_name, step) => {
    const document = flowWith(step);
    expect(FlowDocument.safeParse(document).success).toBe(true);
    expect(validate(document)).toBe(true);
  });

  it.each(structural.filter(([name]) => !ZOD_ONLY_SAMPLES.has(name)))("rejects %s, like zod", (_name, step) => {
    const document = flowWith(step);
    expect(FlowDocument.safeParse(document).success).toBe(false);
    expect(validate(document)).toBe(false);
  });

  it.each(structural.filter(([name]) => ZOD_ONLY_SAMPLES.has(name)))("leaves %s to zod (a rule JSON Schema cannot express)", (_name, step) => {
    const document = flowWith(step);
    expect(FlowDocument.safeParse(document).success).toBe(false);
    expect(validate(document)).toBe(true);
  });

  it.each(semantic)("accepts %s structurally, like zod (validateFlow's graph checks reject it)", (_name, step) => {
    const document = flowWith(step);
    expect(FlowDocument.safeParse(document).success).toBe(true);
    expect(validate(document)).toBe(true);
  });

  it.each<[string, unknown]>([
    ["another schema version", { ...flowWith({ kind: "end" }), schemaVersion: 2 }],
    ["an unknown top-level field", { ...flowWith({ kind: "end" }), owner: "x" }],
    ["a step id with spaces", { ...flowWith({ kind: "end" }), steps: { "paso uno": { kind: "end" } } }],
    ["no steps", { ...flowWith({ kind: "end" }), steps: {} }],
    ["201 steps", { ...flowWith({ kind: "end" }), steps: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`s${i}`, { kind: "end" }])) }],
    ["a trigger of an unknown type", flowWith({ kind: "end" }, {}, { triggers: [{ type: "telepathy" }] })],
    ["a JSON value nested too deep", flowWith({ kind: "set", assignments: [{ variable: "x", value: [[[[["deep"]]]]] }], next: "done" })],
    ["not an object", "hola"],
  ])("rejects %s, like zod", (_name, document) => {
    expect(FlowDocument.safeParse(document).success).toBe(false);
    expect(validate(document)).toBe(false);
  });
});
