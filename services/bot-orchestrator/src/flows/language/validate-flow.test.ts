import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { z } from "zod";
import { exampleActions, shopMenuFlow } from "./flow-examples.js";
import { flowWith, invalidSteps, validSteps } from "./flow-samples.js";
import { validateFlow, type ActionRegistry, type FlowProblem } from "./validate-flow.js";

const actions: ActionRegistry = {
  ...exampleActions,
  "orders.latest": { input: z.strictObject({ limit: z.number().int().min(1).max(5) }) },
};

function problemsOf(document: unknown, options: Partial<Parameters<typeof validateFlow>[1]> = {}): FlowProblem[] {
  const result = validateFlow(document, { actions, ...options });
  return result.ok ? [] : result.problems;
}

describe("validateFlow on the documented example", () => {
  it("accepts the shop's menu → capture → catalogue / fallback flow", () => {
    const result = validateFlow(shopMenuFlow, { actions: exampleActions, flows: ["bienvenida"] });
    expect(result).toEqual({ ok: true, flow: shopMenuFlow });
  });

  it("is the example docs/flows.md shows", () => {
    const docs = readFileSync(new URL("../../../../../docs/flows.md", import.meta.url), "utf8");
    const example = /## A complete example[\s\S]*?```json\n([\s\S]*?)\n```/.exec(docs)?.[1];
    expect(JSON.parse(example ?? "null")).toEqual(shopMenuFlow);
  });
});

describe("each step kind", () => {
  it.each(validSteps)("accepts a valid %s step", (_kind, step) => {
    expect(problemsOf(flowWith(step), { flows: ["catalogo"], secrets: ["CRM_TOKEN"] })).toEqual([]);
  });

  it.each(invalidSteps)("rejects %s", (_name, step, path, code) => {
    expect(problemsOf(flowWith(step), { flows: ["catalogo"], secrets: ["CRM_TOKEN"] })).toContainEqual(expect.objectContaining({ path, code }));
  });
});

describe("graph rules", () => {
  it("reports a target step that does not exist, with the pointer of the field", () => {
    const problems = problemsOf(flowWith({ kind: "question", text: "?", variable: "talla", validation: { type: "text" }, onFail: "done", next: "ask_size" }));
    expect(problems).toEqual([{ path: "/steps/first/next", code: "step_not_found", message: 'step "ask_size" does not exist' }]);
  });

  it("reports a start step that does not exist", () => {
    expect(problemsOf(flowWith({ kind: "end" }, {}, { start: "inicio" }))).toContainEqual(expect.objectContaining({ path: "/start", code: "start_not_found" }));
  });

  it("reports a trigger target that does not exist", () => {
    const problems = problemsOf(flowWith({ kind: "end" }, {}, { triggers: [{ type: "keyword", keywords: ["menu"], target: "menu", global: true }] }));
    expect(problems).toContainEqual(expect.objectContaining({ path: "/triggers/0/target", code: "step_not_found" }));
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, string]>([
    ["a message that goes to itself", { kind: "message", text: "hola", next: "first" }, {}, "/steps/first/next"],
    ["message → set → decision → message", { kind: "message", text: "hola", next: "b" }, { b: { kind: "set", assignments: [{ variable: "n", value: 1 }], next: "c" }, c: { kind: "decision", conditions: [{ when: true, next: "done" }], default: "first" } }, "/steps/c/default"],
    ["goto → action → goto", { kind: "goto", step: "b" }, { b: { kind: "action", action: "orders.latest", input: { limit: 1 }, next: "done", onError: "first" } }, "/steps/b/onError"],
    ["message → delay → message", { kind: "message", text: "spam", next: "b" }, { b: { kind: "delay", seconds: 5, next: "first" } }, "/steps/b/next"],
  ])("rejects a loop that never waits: %s", (_name, step, extra, path) => {
    const problems = problemsOf(flowWith(step, extra));
    expect(problems).toContainEqual(expect.objectContaining({ path, code: "cycle_without_wait" }));
  });

  it.each<[string, Record<string, unknown>]>([
    ["a question", { kind: "question", text: "¿Otra vez?", variable: "x", validation: { type: "text" }, onFail: "done", next: "b" }],
    ["buttons", { kind: "buttons", text: "¿Otra vez?", buttons: [{ id: "si", title: "Sí", next: "b" }] }],
    ["a wait", { kind: "wait", seconds: 60, next: "b", onReply: "b" }],
    ["a handoff", { kind: "handoff", timeoutSeconds: 600, next: "b" }],
  ])("accepts a loop that waits in %s", (_name, waiting) => {
    expect(problemsOf(flowWith(waiting, { b: { kind: "message", text: "hola", next: "first" } }))).toEqual([]);
  });

  it("names the steps of the loop in its message", () => {
    const [problem] = problemsOf(flowWith({ kind: "message", text: "a", next: "b" }, { b: { kind: "goto", step: "first" } }));
    expect(problem?.message).toMatch(/first → b → first|b → first → b/);
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, string]>([
    ["a template reads a variable nothing sets", { kind: "message", text: "Tu talla: {{talla}}", next: "done" }, {}, "/steps/first/text"],
    ["a decision reads a variable nothing sets", { kind: "decision", conditions: [{ when: { "==": [{ var: "talla" }, "M"] }, next: "done" }], default: "done" }, {}, "/steps/first/conditions/0/when"],
    ["an http body reads a variable nothing sets", { kind: "http", method: "POST", url: "https://api.shop.example/x", body: { size: { var: "talla" } }, timeoutMs: 1000, next: "done", onError: "done" }, {}, "/steps/first/body/size"],
    ["an http URL reads a variable nothing sets", { kind: "http", method: "GET", url: "https://api.shop.example/x/{{talla}}", timeoutMs: 1000, next: "done", onError: "done" }, {}, "/steps/first/url"],
    [
      "a variable is set only after it is read",
      { kind: "message", text: "Tu talla: {{talla}}", next: "ask" },
      { ask: { kind: "question", text: "¿Talla?", variable: "talla", validation: { type: "text" }, onFail: "done", next: "done" } },
      "/steps/first/text",
    ],
    [
      "a question's on-fail path reads the variable it failed to capture",
      { kind: "question", text: "¿Talla?", variable: "talla", validation: { type: "text" }, onFail: "fail", next: "done" },
      { fail: { kind: "message", text: "No entendí {{talla}}", next: "done" } },
      "/steps/fail/text",
    ],
    [
      "an action's onError path reads its result",
      { kind: "action", action: "orders.latest", input: { limit: 1 }, resultVariable: "pedidos", next: "done", onError: "fail" },
      { fail: { kind: "message", text: "{{pedidos.count}}", next: "done" } },
      "/steps/fail/text",
    ],
  ])("rejects a variable read before any path sets it: %s", (_name, step, extra, path) => {
    expect(problemsOf(flowWith(step, extra))).toContainEqual(expect.objectContaining({ path, code: "variable_not_set" }));
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ["built-ins", { kind: "message", text: "{{contact.name}} {{contact.phone}} {{now.date}} {{input.text}}", next: "done" }, {}],
    [
      "a variable set on one of two paths",
      { kind: "buttons", text: "?", buttons: [{ id: "a", title: "A", next: "set" }, { id: "b", title: "B", next: "show" }] },
      { set: { kind: "set", assignments: [{ variable: "talla", value: "M" }], next: "show" }, show: { kind: "message", text: "{{talla}}", next: "done" } },
    ],
    ["a later assignment of the same set step", { kind: "set", assignments: [{ variable: "a", value: 1 }, { variable: "b", expression: { "+": [{ var: "a" }, 1] } }], next: "done" }, {}],
    ["an http mapping", { kind: "http", method: "GET", url: "https://api.shop.example/x", timeoutMs: 1000, response: { map: [{ variable: "estado", pointer: "/status" }] }, next: "show", onError: "done" }, { show: { kind: "message", text: "{{estado}}", next: "done" } }],
    ["item fields inside a section", { kind: "action", action: "orders.latest", input: { limit: 1 }, resultVariable: "pedidos", next: "show", onError: "done" }, { show: { kind: "message", text: "{{#pedidos.items}}{{status}}{{/pedidos.items}}", next: "done" } }],
    ["item vars inside map/filter", { kind: "set", assignments: [{ variable: "xs", value: [1, 2] }, { variable: "big", expression: { filter: [{ var: "xs" }, { ">": [{ var: "" }, 1] }] } }, { variable: "n", expression: { some: [{ var: "xs" }, { "==": [{ var: "foo" }, 1] }] } }], next: "done" }, {}],
    ["missing/missing_some", { kind: "decision", conditions: [{ when: { missing: ["talla"] }, next: "done" }], default: "done" }, {}],
  ])("accepts variables that are set (or built in): %s", (_name, step, extra) => {
    expect(problemsOf(flowWith(step, extra))).toEqual([]);
  });

  it("lets a global intent's target read what the interrupted step had set", () => {
    const document = flowWith(
      { kind: "question", text: "¿Nombre?", variable: "nombre", validation: { type: "text" }, onFail: "done", next: "ask" },
      {
        ask: { kind: "question", text: "¿Talla?", variable: "talla", validation: { type: "text" }, onFail: "done", next: "done" },
        menu: { kind: "message", text: "{{nombre}}, este es el menú", next: "done" },
      },
      { triggers: [{ type: "keyword", keywords: ["hola"] }, { type: "keyword", keywords: ["menu", "0"], target: "menu", global: true }] },
    );
    expect(problemsOf(document)).toEqual([]);
  });

  it("does not let a plain trigger's target read variables (it starts a conversation)", () => {
    const document = flowWith(
      { kind: "question", text: "¿Nombre?", variable: "nombre", validation: { type: "text" }, onFail: "done", next: "done" },
      { menu: { kind: "message", text: "{{nombre}}", next: "done" } },
      { triggers: [{ type: "keyword", keywords: ["menu"], target: "menu" }] },
    );
    expect(problemsOf(document)).toContainEqual(expect.objectContaining({ path: "/steps/menu/text", code: "variable_not_set" }));
  });

  it.each<[string, string, string]>([
    ["a misspelt built-in", "{{contact.nmae}}", "variable_unknown_builtin"],
    ["an unclosed tag", "Hola {{contact.name", "template_syntax"],
    ["an unclosed section", "{{#contact.name}}hola", "template_syntax"],
    ["a partial", "{{> header}}", "template_partial"],
  ])("rejects a template with %s", (_name, text, code) => {
    expect(problemsOf(flowWith({ kind: "message", text, next: "done" }))).toContainEqual(expect.objectContaining({ path: "/steps/first/text", code }));
  });

  it("checks a template inside an action input, and leaves templated values to the engine's run-time check", () => {
    const ok = flowWith({ kind: "action", action: "orders.latest", input: { limit: "{{contact.name}}" }, next: "done", onError: "done" });
    expect(problemsOf(ok)).toEqual([]);
    const broken = flowWith({ kind: "action", action: "orders.latest", input: { limit: "{{talla}}" }, next: "done", onError: "done" });
    expect(problemsOf(broken)).toEqual([expect.objectContaining({ path: "/steps/first/input/limit", code: "variable_not_set" })]);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ["a regex trigger with nested quantifiers", { type: "regex", pattern: "(\\w+\\s?)*$" }, "/triggers/0/pattern", "regex_unsafe"],
    ["a regex trigger that does not compile", { type: "regex", pattern: "pedido (\\d+" }, "/triggers/0/pattern", "regex_invalid"],
    ["a keyword of emoji only", { type: "keyword", keywords: ["menu", "👋"] }, "/triggers/0/keywords/1", "keyword_empty"],
    ["a global first-contact trigger", { type: "first_contact", global: true }, "/triggers/0", "schema_unrecognized_keys"],
    ["a payload trigger without payloads", { type: "payload", payloads: [] }, "/triggers/0/payloads", "schema_too_small"],
  ])("rejects %s", (_name, trigger, path, code) => {
    expect(problemsOf(flowWith({ kind: "end" }, {}, { triggers: [trigger] }))).toContainEqual(expect.objectContaining({ path, code }));
  });

  it.each<[string, Record<string, unknown>]>([
    ["keyword", { type: "keyword", keywords: ["catálogo", "2", "2️⃣"], match: "word", target: "first" }],
    ["regex", { type: "regex", pattern: "^pedido\\s+#?(\\d{3,8})$", flags: "i" }],
    ["first contact", { type: "first_contact" }],
    ["media", { type: "media", mediaTypes: ["image"], global: true }],
    ["location", { type: "location" }],
    ["payload", { type: "payload", payloads: ["PROMO_MAYO"], global: true }],
    ["timer", { type: "timer", timer: "recordatorio" }],
  ])("accepts a %s trigger", (_name, trigger) => {
    expect(problemsOf(flowWith({ kind: "end" }, {}, { triggers: [trigger] }))).toEqual([]);
  });

  it("rejects a document of another schema version", () => {
    expect(problemsOf(flowWith({ kind: "end" }, {}, { schemaVersion: 2 }))).toContainEqual(expect.objectContaining({ path: "/schemaVersion", code: "schema_invalid_value" }));
  });

  it("rejects more than 200 steps", () => {
    const steps = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`s${i}`, { kind: "end" }]));
    expect(problemsOf({ ...flowWith({ kind: "end" }), steps: { ...steps, first: { kind: "end" } } })).toContainEqual(expect.objectContaining({ path: "/steps", code: "schema_custom" }));
  });
});
