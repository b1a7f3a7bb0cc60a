// The step graph of a flow document as the editor draws it: steps, the transitions between them
// (next, onReply, onFail, onError, buttons, list rows, conditions, default, goto) with their labels,
// the triggers' entries, and a layered layout (each step one row below the nearest step that leads
// to it, from the start). Read leniently: the document may be half-written, so nothing here
// assumes it matches the flow schema (docs/flows.md) — a missing or malformed field is skipped.
// With its extension: the unit test imports this file under the workspace's NodeNext resolution.
import { pointerToken, pointerTokens } from "./json-locations.js";

export interface GraphStep {
  id: string;
  kind: string;
  /** The step's text (or action, flow…), shortened, for the node's second line. */
  summary: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  label: string;
  /** JSON pointer of the field naming the target ("/steps/menu/next"). */
  path: string;
}

export interface FlowGraph {
  start: string | null;
  steps: GraphStep[];
  edges: GraphEdge[];
  /** Targets named by a transition or trigger that are not steps of the document. */
  missing: string[];
}

/** The id of the node standing for the flow's triggers (not a valid step id: it has a colon). */
export const TRIGGERS_NODE = ":triggers";

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function shorten(value: string | undefined, length = 60): string {
  if (!value) return "";
  const flat = value.replace(/\s+/g, " ").trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}

function summaryOf(step: Json): string {
  switch (step["kind"]) {
    case "action":
      return text(step["action"]) ?? "";
    case "http":
      return `${text(step["method"]) ?? ""} ${text(step["url"]) ?? ""}`.trim();
    case "goto":
      return text(step["flow"]) ? `→ ${text(step["flow"]) ?? ""}` : "";
    case "wait":
    case "delay":
      return typeof step["seconds"] === "number" ? `${step["seconds"]} s` : "";
    case "media":
      return text(step["caption"]) ?? text(step["url"]) ?? "";
    case "handoff":
    case "end":
      return shorten(text(step["message"]));
    case "set":
      return list(step["assignments"])
        .map((assignment) => (isRecord(assignment) ? text(assignment["variable"]) : undefined))
        .filter((name) => name !== undefined)
        .join(", ");
    default:
      return shorten(text(step["text"]));
  }
}

/** Each transition of a step: where it goes, its label, and the field that names it. */
function stepEdges(id: string, step: Json): GraphEdge[] {
  const base = `/steps/${pointerToken(id)}`;
  const edges: GraphEdge[] = [];
  const add = (to: unknown, label: string, field: string) => {
    if (typeof to === "string" && to !== "") edges.push({ from: id, to, label, path: `${base}${field}` });
  };
  add(step["next"], "next", "/next");
  list(step["buttons"]).forEach((button, index) => {
    if (isRecord(button)) add(button["next"], text(button["title"]) ?? `#${index + 1}`, `/buttons/${index}/next`);
  });
  list(step["sections"]).forEach((section, s) => {
    if (!isRecord(section)) return;
    list(section["rows"]).forEach((row, r) => {
      if (isRecord(row)) add(row["next"], text(row["title"]) ?? `#${r + 1}`, `/sections/${s}/rows/${r}/next`);
    });
  });
  list(step["conditions"]).forEach((condition, index) => {
    if (isRecord(condition)) add(condition["next"], `if ${index + 1}`, `/conditions/${index}/next`);
  });
  add(step["default"], "default", "/default");
  add(step["onReply"], "onReply", "/onReply");
  add(step["onFail"], "onFail", "/onFail");
  add(step["onError"], "onError", "/onError");
  add(step["step"], "goto", "/step");
  return edges;
}

function triggerLabel(trigger: Json): string {
  const type = text(trigger["type"]) ?? "?";
  const keywords = list(trigger["keywords"]).filter((keyword) => typeof keyword === "string");
  if (keywords.length > 0) return shorten(`${trigger["global"] === true ? "⟳ " : ""}${keywords.slice(0, 3).join(", ")}${keywords.length > 3 ? "…" : ""}`, 30);
  return type;
}

/** The graph of a parsed document (anything JSON.parse returned). */
export function flowGraph(document: unknown): FlowGraph {
  const root = isRecord(document) ? document : {};
  const stepsRecord = isRecord(root["steps"]) ? root["steps"] : {};
  const steps: GraphStep[] = Object.entries(stepsRecord).map(([id, step]) => ({
    id,
    kind: isRecord(step) ? (text(step["kind"]) ?? "?") : "?",
    summary: isRecord(step) ? summaryOf(step) : "",
  }));
  const edges = Object.entries(stepsRecord).flatMap(([id, step]) => (isRecord(step) ? stepEdges(id, step) : []));
  const start = text(root["start"]) ?? null;
  const triggers = list(root["triggers"]);
  if (start !== null) edges.unshift({ from: TRIGGERS_NODE, to: start, label: "start", path: "/start" });
  triggers.forEach((trigger, index) => {
    if (!isRecord(trigger)) return;
    const target = text(trigger["target"]);
    // Triggers without a target start at `start`: that edge is drawn once, above.
    if (target !== undefined && target !== start) edges.push({ from: TRIGGERS_NODE, to: target, label: triggerLabel(trigger), path: `/triggers/${index}/target` });
  });
  const known = new Set(steps.map((step) => step.id));
  const missing = [...new Set(edges.map((edge) => edge.to).filter((to) => !known.has(to)))];
  return { start, steps, edges, missing };
}

export interface Placed {
  id: string;
  layer: number;
  column: number;
}

/**
 * Layered layout: the triggers' node on layer 0, each step on the layer after the nearest step
 * leading to it (breadth first), steps nothing reaches on a last layer. Within a layer, the order
 * of discovery (which follows the document's order of transitions).
 */
export function layeredLayout(graph: FlowGraph): Placed[] {
  const outgoing = new Map<string, string[]>();
  for (const edge of graph.edges) outgoing.set(edge.from, [...(outgoing.get(edge.from) ?? []), edge.to]);
  const layers = new Map<string, number>([[TRIGGERS_NODE, 0]]);
  const queue = [TRIGGERS_NODE];
  for (let current = queue.shift(); current !== undefined; current = queue.shift()) {
    const layer = layers.get(current) ?? 0;
    for (const next of outgoing.get(current) ?? []) {
      if (layers.has(next)) continue;
      layers.set(next, layer + 1);
      queue.push(next);
    }
  }
  const deepest = Math.max(0, ...layers.values());
  for (const id of [...graph.steps.map((step) => step.id), ...graph.missing]) if (!layers.has(id)) layers.set(id, deepest + 1);
  const columns = new Map<number, number>();
  return [...layers.entries()].map(([id, layer]) => {
    const column = columns.get(layer) ?? 0;
    columns.set(layer, column + 1);
    return { id, layer, column };
  });
}

/** The step a problem's JSON pointer is about (`/steps/<id>/…`), if any. */
export function stepOfPath(path: string): string | null {
  const [root, step] = pointerTokens(path);
  return root === "steps" && step !== undefined ? step : null;
}
