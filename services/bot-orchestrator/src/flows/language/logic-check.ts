// JSON Logic rules (decisions, set expressions): only a vetted list of operators, each one that
// json-logic-js itself implements; `log` (console output) is left out. Rules are walked, never run.
import jsonLogic from "json-logic-js";

const VETTED_OPERATORS = [
  "var", "missing", "missing_some",
  "if", "?:", "==", "===", "!=", "!==", "!", "!!", "or", "and",
  ">", ">=", "<", "<=", "max", "min", "+", "-", "*", "/", "%",
  "map", "filter", "reduce", "all", "none", "some", "merge", "in", "cat", "substr",
] as const;

function implementedByJsonLogic(operator: string): boolean {
  try {
    jsonLogic.apply({ [operator]: [] }, {});
    return true;
  } catch (error) {
    return !(error instanceof Error && error.message.startsWith("Unrecognized operation"));
  }
}

/** The operators a flow may use: the vetted list, as far as json-logic-js implements it. */
export const LOGIC_OPERATORS: ReadonlySet<string> = new Set(VETTED_OPERATORS.filter(implementedByJsonLogic));

/** Operators whose second argument runs once per array item: `var` there reads the item, not the conversation. */
const ITEM_SCOPED = new Set(["map", "filter", "reduce", "all", "none", "some"]);

export interface LogicProblem {
  /** Relative JSON pointer inside the rule ("" for the rule itself). */
  path: string;
  code: "logic_unknown_operator" | "logic_invalid";
  message: string;
}

export interface LogicCheck {
  problems: LogicProblem[];
  /** Variables the rule reads from the conversation (`var` with a literal name). */
  references: string[];
}

export function checkLogic(rule: unknown): LogicCheck {
  const result: LogicCheck = { problems: [], references: [] };
  walk(rule, "", false, result);
  return result;
}

function walk(node: unknown, path: string, itemScope: boolean, result: LogicCheck): void {
  if (Array.isArray(node)) {
    node.forEach((item, index) => walk(item, `${path}/${index}`, itemScope, result));
    return;
  }
  if (node === null || typeof node !== "object") return;
  const keys = Object.keys(node);
  if (keys.length !== 1) {
    result.problems.push({ path, code: "logic_invalid", message: `an operation is an object with exactly one key (the operator), found ${keys.length}` });
    return;
  }
  const operator = keys[0] ?? "";
  const opPath = `${path}/${escapePointer(operator)}`;
  if (!LOGIC_OPERATORS.has(operator)) {
    result.problems.push({ path: opPath, code: "logic_unknown_operator", message: `unknown operator "${operator}" (allowed: ${[...LOGIC_OPERATORS].join(" ")})` });
    return;
  }
  const args: unknown = (node as Record<string, unknown>)[operator];
  const list = Array.isArray(args) ? args : [args];
  if (operator === "var") {
    const name = list[0];
    if (typeof name === "string" && name !== "" && !itemScope) result.references.push(name);
    list.forEach((arg, index) => walk(arg, Array.isArray(args) ? `${opPath}/${index}` : opPath, itemScope, result));
    return;
  }
  if (operator === "missing" || operator === "missing_some") {
    // They test for absence: the names they list need not be set.
    return;
  }
  if (ITEM_SCOPED.has(operator)) {
    list.forEach((arg, index) => walk(arg, `${opPath}/${index}`, itemScope || index > 0, result));
    return;
  }
  list.forEach((arg, index) => walk(arg, Array.isArray(args) ? `${opPath}/${index}` : opPath, itemScope, result));
}

export function escapePointer(segment: string | number): string {
  return String(segment).replaceAll("~", "~0").replaceAll("/", "~1");
}
