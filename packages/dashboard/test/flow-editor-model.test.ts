// The flow editor's pure parts: where a JSON pointer's value sits in the text (so a problem reaches
// its line), where a broken text breaks, and the step graph and its layered layout drawn from a
// document that may be half-written.
import { describe, expect, it } from "@jest/globals";
import { flowGraph, layeredLayout, stepOfPath, TRIGGERS_NODE } from "../src/pages/flows/flow-model.js";
import { JsonSyntaxError, lineOf, locateJson, offsetOf, stepAt } from "../src/pages/flows/json-locations.js";

const DOCUMENT = {
  schemaVersion: 1,
  id: "bienvenida",
  name: "Bienvenida",
  start: "saludo",
  triggers: [{ type: "keyword", keywords: ["hola"] }, { type: "keyword", keywords: ["menu", "0"], target: "menu", global: true }],
  steps: {
    saludo: { kind: "message", text: "¡Hola!", next: "menu" },
    menu: {
      kind: "buttons",
      text: "¿Qué quieres?",
      buttons: [
        { id: "a", title: "Asesor", next: "asesor" },
        { id: "h", title: "Horario", next: "horario" },
      ],
      onFail: "fin",
    },
    asesor: { kind: "action", action: "sellers.assign", input: {}, next: "espera", onError: "fin" },
    espera: { kind: "wait", seconds: 900, next: "fin", onReply: "menu" },
    horario: { kind: "message", text: "De 10 a 19", next: "no_existe" },
    fin: { kind: "end", message: "Gracias" },
    suelto: { kind: "end" },
  },
};

describe("locateJson", () => {
  const text = JSON.stringify(DOCUMENT, null, 2);

  it("finds the line of every pointer a problem may name, and of the nearest ancestor of one that is not written", () => {
    const locations = locateJson(text);
    const lines = text.split("\n");
    const lineAt = (pointer: string) => lines[lineOf(text, offsetOf(locations, pointer)) - 1]?.trim();
    expect(lineAt("/steps/horario/next")).toBe('"next": "no_existe"');
    expect(lineAt("/steps/menu/buttons/1/next")).toBe('"next": "horario"');
    expect(lineAt("/triggers/1/keywords/1")).toBe('"0"');
    expect(lineAt("/start")).toBe('"start": "saludo",');
    // A required field that is missing: its step.
    expect(lineAt("/steps/fin/next")).toBe('"fin": {');
    expect(offsetOf(locations, "/nothing/here")).toBe(0);
  });

  it("knows which step the caret is in", () => {
    const locations = locateJson(text);
    expect(stepAt(locations, text.indexOf('"De 10 a 19"'))).toBe("horario");
    expect(stepAt(locations, text.indexOf('"Horario"'))).toBe("menu");
    expect(stepAt(locations, text.indexOf('"triggers"'))).toBeNull();
  });

  it("reads escaped keys as JSON pointers escape them (~0 ~1) and strings with escapes", () => {
    const locations = locateJson('{"a/b": {"c~d": "x\\"y"}, "e": [1, -2.5e3, true, null]}');
    expect(locations.values.has("/a~1b/c~0d")).toBe(true);
    expect(locations.values.has("/e/3")).toBe(true);
  });

  it("says where a broken text breaks", () => {
    const broken = text.replace('"next": "menu"', '"next" "menu"');
    expect(() => locateJson(broken)).toThrow(JsonSyntaxError);
    try {
      locateJson(broken);
    } catch (error) {
      if (!(error instanceof JsonSyntaxError)) throw error;
      expect(broken.split("\n")[lineOf(broken, error.offset) - 1]?.trim()).toBe('"next" "menu"');
    }
    for (const bad of ["", "{", '{"a": 1,}', "[1 2]", '{"a": tru}', '{"a": 1} x', '"\u0001"']) expect(() => locateJson(bad)).toThrow(JsonSyntaxError);
  });
});

describe("flowGraph", () => {
  it("draws each transition with its label and the field that names it, and the targets that do not exist", () => {
    const graph = flowGraph(DOCUMENT);
    expect(graph.start).toBe("saludo");
    expect(graph.steps.map((step) => step.id)).toEqual(["saludo", "menu", "asesor", "espera", "horario", "fin", "suelto"]);
    expect(graph.steps.find((step) => step.id === "asesor")).toEqual({ id: "asesor", kind: "action", summary: "sellers.assign" });
    expect(graph.edges).toEqual(
      expect.arrayContaining([
        { from: TRIGGERS_NODE, to: "saludo", label: "start", path: "/start" },
        { from: TRIGGERS_NODE, to: "menu", label: "⟳ menu, 0", path: "/triggers/1/target" },
        { from: "menu", to: "horario", label: "Horario", path: "/steps/menu/buttons/1/next" },
        { from: "menu", to: "fin", label: "onFail", path: "/steps/menu/onFail" },
        { from: "espera", to: "menu", label: "onReply", path: "/steps/espera/onReply" },
        { from: "asesor", to: "fin", label: "onError", path: "/steps/asesor/onError" },
      ]),
    );
    expect(graph.missing).toEqual(["no_existe"]);
  });

  it("reads a half-written document without failing", () => {
    expect(flowGraph(null)).toEqual({ start: null, steps: [], edges: [], missing: [] });
    const graph = flowGraph({ start: 3, triggers: "x", steps: { a: "text", b: { kind: "message", next: 7, buttons: [null, { next: "a" }] } } });
    expect(graph.steps).toEqual([
      { id: "a", kind: "?", summary: "" },
      { id: "b", kind: "message", summary: "" },
    ]);
    expect(graph.edges).toEqual([{ from: "b", to: "a", label: "#2", path: "/steps/b/buttons/1/next" }]);
  });
});

describe("layeredLayout", () => {
  it("puts each step one layer below the nearest step leading to it, and steps nothing reaches last", () => {
    const layers = new Map(layeredLayout(flowGraph(DOCUMENT)).map((node) => [node.id, node.layer]));
    expect(Object.fromEntries(layers)).toEqual({ [TRIGGERS_NODE]: 0, saludo: 1, menu: 1, asesor: 2, horario: 2, fin: 2, espera: 3, no_existe: 3, suelto: 4 });
  });
});

describe("stepOfPath", () => {
  it("names the step a problem is about", () => {
    expect(stepOfPath("/steps/menu/buttons/0/next")).toBe("menu");
    expect(stepOfPath("/steps/a~1b")).toBe("a/b");
    expect(stepOfPath("/triggers/0/target")).toBeNull();
  });
});
